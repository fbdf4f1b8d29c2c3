"""Step 4 of a cycle: recompute the golden records of the customers a page touched.

Loads each touched customer's linked source records and consent history, applies the
survivorship rules (:mod:`sync.merge`) and the consent rule (:mod:`sync.consent`), saves what
changed, records conflicts and puts changed customers into the push outbox.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from connectors.base import ConsentStatus
from sync.consent import ConsentEvent, golden_consent
from sync.merge import Rules, SourceValues, merge
from sync.runtime import Runtime
from sync.store import customers, outbox
from sync.store import records as stored_records
from sync.store.customers import Golden
from sync.store.records import StoredRecord


@dataclass
class Refresh:
    changed: set[str] = field(default_factory=set)
    conflicts: int = 0


def refresh(
    conn: Connection,
    rt: Runtime,
    touched: Collection[str],
    fresh: Collection[tuple[str, str]],
    now: datetime,
) -> Refresh:
    """Merge the touched customers again; ``fresh`` are (record, field) changed this cycle."""
    ids = sorted(touched)
    members = customers.records_of_customers(conn, ids)
    stored = stored_records.load(conn, [r for rs in members.values() for r in rs])
    history = _history(conn, list(stored))
    before = customers.load_golden(conn, ids)
    result = Refresh()
    updated: list[Golden] = []
    conflicts: list[dict[str, Any]] = []
    for cid in ids:
        sources = [stored[r] for r in members.get(cid, []) if r in stored]
        old = before.get(cid)
        if old is None:
            continue
        new, found = _merge_one(rt, old, sources, history, fresh)
        conflicts += [{"customer_id": cid, **c} for c in found]
        if new != old:
            updated.append(new)
    customers.save_golden(conn, updated, now)
    customers.add_conflicts(conn, conflicts, now)
    # Every touched customer goes to the outbox, changed or not: a system whose edit lost to
    # a rule must be put back in line. The planner skips targets that already agree.
    _enqueue(conn, rt, [before[c] for c in ids if c in before], now)
    result.changed = {g.id for g in updated}
    result.conflicts = len(conflicts)
    return result


def _merge_one(
    rt: Runtime,
    old: Golden,
    sources: Sequence[StoredRecord],
    history: dict[str, list[tuple[str, ConsentEvent]]],
    fresh: Collection[tuple[str, str]],
) -> tuple[Golden, list[dict[str, Any]]]:
    values = [
        SourceValues(
            s.id, s.system, s.external_id, s.fields, s.field_times, s.modified_at, s.is_deleted
        )
        for s in sources
    ]
    merged = merge(values, _rules(rt, old.entity), fresh)
    consent = _consent([e for s in sources for e in history.get(s.id, [])])
    is_deleted = bool(sources) and all(s.is_deleted for s in sources)
    new = Golden(old.id, old.entity, merged.fields, merged.provenance, consent, is_deleted)
    found = [
        {
            "field": c.field,
            "rule": c.rule,
            "winner_system": c.winner_system,
            "winner_value": c.winner_value,
            "loser_system": c.loser_system,
            "loser_value": c.loser_value,
        }
        for c in merged.conflicts
    ]
    return new, found


def _rules(rt: Runtime, entity: str) -> Rules:
    leader = rt.leader_stream(entity)
    leader_fields = frozenset(leader.map.read) if leader else frozenset()
    owners = dict(rt.config.survivorship.owners)
    return Rules(leader=rt.leader(), leader_fields=leader_fields, owners=owners)


def _history(conn: Connection, record_ids: list[str]) -> dict[str, list[tuple[str, ConsentEvent]]]:
    """Source record id → its (channel, statement) history."""
    out: dict[str, list[tuple[str, ConsentEvent]]] = {}
    for row in stored_records.consent_events(conn, record_ids):
        event = ConsentEvent(
            system=row["system"],
            status=ConsentStatus(row["status"]),
            at=row["at"] or row["recorded_at"],
            is_explicit=row["is_explicit"],
            source_status=row["source_status"],
        )
        out.setdefault(row["source_record_id"], []).append((row["channel"], event))
    return out


def _consent(events: list[tuple[str, ConsentEvent]]) -> dict[str, dict[str, Any]]:
    """The golden statement of every channel that has one."""
    out: dict[str, dict[str, Any]] = {}
    for channel in sorted({ch for ch, _ in events}):
        winner = golden_consent(e for ch, e in events if ch == channel)
        if winner is not None:
            out[channel] = {
                "status": winner.status.value,
                "is_explicit": winner.is_explicit,
                "source_system": winner.system,
                "at": winner.at.isoformat(),
            }
    return out


def _enqueue(conn: Connection, rt: Runtime, updated: Sequence[Golden], now: datetime) -> None:
    for entity in {g.entity for g in updated}:
        targets = [s.key for s in rt.streams if s.can_write and s.info.entity.value == entity]
        outbox.enqueue(conn, targets, [g.id for g in updated if g.entity == entity], now)
