"""Step 2 of a cycle: store what a page brought, and keep only the real changes.

A record whose content hash is unchanged is skipped; one older than what the store already
has (a lagging search index) is stale and skipped; a change whose values equal what we last
pushed to that system is our own echo: stored, but not treated as news.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from connectors.base import Record, Rejected
from sync.mapping import MappingError, StreamMap
from sync.records import CanonicalRecord, ConsentStatement, StagedChange, stamp
from sync.store import journal, outbox
from sync.store import records as stored_records
from sync.store.codec import comparable, content_hash, encode, storable, value_hash
from sync.store.records import StoredRecord


@dataclass
class StageCounts:
    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    stale: int = 0
    echo: int = 0
    quarantined: int = 0

    def add(self, other: StageCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Batch:
    to_save: list[CanonicalRecord] = field(default_factory=list)
    field_times: dict[str, dict[str, Any]] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    consent_events: list[tuple[CanonicalRecord, str, ConsentStatement]] = field(
        default_factory=list
    )
    changes: list[StagedChange] = field(default_factory=list)


def stage(
    conn: Connection,
    smap: StreamMap,
    records: Sequence[Record],
    rejected: Sequence[Rejected],
    now: datetime,
    counts: StageCounts,
) -> list[StagedChange]:
    """Stage one page; returns the real changes, in the page's order."""
    canonical = _map_all(conn, smap, records, rejected, now, counts)
    known = stored_records.hashes(conn, [r.id for r in canonical])
    fresh = []
    for record in canonical:
        said = digest(record)
        if known.get(record.id) == said:
            counts.unchanged += 1  # the common case: decided without loading the record
        else:
            fresh.append((record, said))
    stored = stored_records.load(conn, [r.id for r, _ in fresh if r.id in known])
    pushed = outbox.states_by_target(
        conn, smap.system, smap.stream, [r.external_id for r, _ in fresh]
    )
    batch = _Batch()
    for record, said in fresh:
        old, state = stored.get(record.id), pushed.get(record.external_id)
        _judge(record, said, old, state, now, batch, counts)
    stored_records.save(conn, batch.to_save, batch.field_times, batch.hashes, now)
    stored_records.append_consent_events(conn, batch.consent_events, now)
    journal.release_quarantined(
        conn, smap.system, smap.stream, [r.external_id for r in batch.to_save], now
    )
    return batch.changes


def _map_all(
    conn: Connection,
    smap: StreamMap,
    records: Sequence[Record],
    rejected: Sequence[Rejected],
    now: datetime,
    counts: StageCounts,
) -> list[CanonicalRecord]:
    latest: dict[str, CanonicalRecord] = {}
    bad = [quarantine_row(smap, r.external_id, r.reason, r.payload) for r in rejected]
    for record in records:
        try:
            mapped = smap.to_canonical(record)
        except MappingError as exc:
            bad.append(quarantine_row(smap, record.external_id, exc.reason, record_payload(record)))
            continue
        seen = latest.get(mapped.id)
        if seen is None or _newer_or_equal(mapped, seen):
            latest[mapped.id] = mapped
    journal.quarantine(conn, bad, now)
    counts.read += len(records) + len(rejected)
    counts.quarantined += len(bad)
    return list(latest.values())


def digest(record: CanonicalRecord) -> str:
    """The hash of what the source said this time (consent as it stated it): what staging
    compares a record read again against, and so what a pushed record is stored with."""
    statuses = {k: v.status for k, v in record.consent.items()}
    return content_hash(record.fields, statuses, record.is_deleted)


def _judge(
    record: CanonicalRecord,
    digest: str,
    old: StoredRecord | None,
    pushed: outbox.PushState | None,
    now: datetime,
    batch: _Batch,
    counts: StageCounts,
) -> None:
    if record.is_deleted and old is not None and not record.fields:
        record = replace(record, fields=old.fields)  # a deletion notice carries no fields
    # A system that does not mention a channel says nothing about it: keep what it said last.
    consent = {**(old.consent if old else {})}
    consent.update({ch: _dated(st, record, now) for ch, st in record.consent.items()})
    record = replace(record, consent=consent)
    if old is not None and _is_older(record, old):
        counts.stale += 1
        return
    changed = _changed_fields(old.fields, record.fields) if old else set(record.fields)
    moved = _changed_consent(old.consent if old else {}, consent)
    hashes = pushed.field_hashes if pushed else {}
    real = frozenset(f for f in changed if hashes.get(f) != value_hash(record.fields.get(f)))
    real_consent = [
        ch for ch in moved if hashes.get(f"consent:{ch}") != value_hash(consent[ch].status)
    ]
    batch.to_save.append(record)
    batch.hashes[record.id] = digest
    batch.field_times[record.id] = _field_times(old, changed, record, now)
    batch.consent_events += [(record, ch, consent[ch]) for ch in moved]
    deleted_moved = old is not None and old.is_deleted != record.is_deleted
    if old is not None and not real and not real_consent and not deleted_moved:
        # Only re-cased or re-spaced values, or exactly what we wrote there ourselves.
        quiet = not changed and not moved
        counts.unchanged += quiet
        counts.echo += not quiet
        return
    counts.new += old is None
    counts.changed += old is not None
    batch.changes.append(StagedChange(record, real, old is None, bool(real_consent)))


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    names = set(before) | set(after)
    return {n for n in names if comparable(before.get(n)) != comparable(after.get(n))}


def _changed_consent(
    before: dict[str, ConsentStatement], after: dict[str, ConsentStatement]
) -> list[str]:
    return sorted(
        ch
        for ch, st in after.items()
        if ch not in before
        or (before[ch].status, before[ch].is_explicit) != (st.status, st.is_explicit)
    )


def _field_times(
    old: StoredRecord | None, changed: set[str], record: CanonicalRecord, now: datetime
) -> dict[str, Any]:
    times = dict(old.field_times) if old else {}
    times.update(dict.fromkeys(changed, stamp(record.modified_at or now)))
    return times


def _dated(st: ConsentStatement, record: CanonicalRecord, now: datetime) -> ConsentStatement:
    if st.at:
        return st
    return ConsentStatement(
        st.status, stamp(record.modified_at or now), st.is_explicit, st.source_status
    )


def _is_older(record: CanonicalRecord, old: StoredRecord) -> bool:
    return bool(record.modified_at and old.modified_at and record.modified_at < old.modified_at)


def _newer_or_equal(a: CanonicalRecord, b: CanonicalRecord) -> bool:
    if a.modified_at is None or b.modified_at is None:
        return True
    return a.modified_at >= b.modified_at


def quarantine_row(
    smap: StreamMap, external_id: str | None, reason: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """A quarantine entry the store can hold whatever the vendor sent: the payload is kept in
    :func:`~sync.store.codec.storable` form (a lone surrogate becomes U+FFFD)."""
    return {
        "system": smap.system,
        "stream": smap.stream,
        "external_id": storable(external_id),
        "reason": storable(reason),
        "payload": storable(payload),
    }


def record_payload(record: Record) -> dict[str, Any]:
    """What a quarantine entry keeps of a record that was decoded but not taken in."""
    return {"fields": {k: encode(v) for k, v in record.fields.items()}}
