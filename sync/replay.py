"""Replaying quarantine: fetch the quarantined records again and take them in.

A record lands in quarantine when it could not be decoded or mapped. Once its source is
fixed (or the mapping is), replaying fetches it by id and stages it like any other; entries
of records that are taken in are marked replayed, the others stay with their new reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from sync.pull import PullCounts, take_in
from sync.runtime import Runtime
from sync.store.tables import QuarantineRow

QUARANTINE = QuarantineRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ReplayResult:
    attempted: int
    taken_in: int
    not_fetchable: int


def replay(rt: Runtime, entry_ids: list[int] | None = None) -> ReplayResult:
    """Replay the given open quarantine entries (all open ones when None)."""
    with rt.store.transaction() as conn:
        query = select(QUARANTINE).where(QUARANTINE.c.replayed_at.is_(None))
        if entry_ids:
            query = query.where(QUARANTINE.c.id.in_(entry_ids))
        entries = [dict(r) for r in conn.execute(query).mappings()]
    attempted = taken = missing = 0
    groups: dict[tuple[str, str], list[str]] = {}
    for entry in entries:
        if entry["external_id"] is None or (entry["system"], entry["stream"]) not in _streams(rt):
            missing += 1
            continue
        groups.setdefault((entry["system"], entry["stream"]), []).append(entry["external_id"])
    for (system, name), ids in groups.items():
        stream = rt.stream(system, name)
        records = rt.connectors[system].fetch(name, sorted(set(ids)))
        counts = PullCounts()
        take_in(rt, stream, records, [], None, counts)
        attempted += len(set(ids))
        taken += counts.staged.read - counts.staged.quarantined
        missing += len(set(ids)) - len(records)
    return ReplayResult(attempted, taken, missing)


def _streams(rt: Runtime) -> set[tuple[str, str]]:
    return {s.key for s in rt.streams}
