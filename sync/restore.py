"""Giving a target back its own values: remembered at our first write to each field, put back
when an operator's split shows that we wrote another person's data there.

After a split, a system may hold values we pushed from the other side of the split (the
Mailchimp member got the CRM contact's phone and CRM id; the CRM contact got the member's
company). For every target of the split customer, a field is *disowned* when we wrote it, the
target still holds what we wrote, and the golden value we wrote came from a record on the other
side. The target's record in the store gets its earlier value back (so the golden record of its
side is merged from its own data), and push state marks the field (see
:data:`sync.plan.DISOWNED`), so the next push writes the golden value there or clears the field.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from sync.plan import DISOWNED, PlannedWrite
from sync.records import CanonicalRecord, record_id
from sync.resolve import index_records
from sync.runtime import Runtime, Stream
from sync.store import outbox
from sync.store import records as stored_records
from sync.store.codec import value_hash
from sync.store.customers import Golden
from sync.store.records import StoredRecord


@dataclass(frozen=True, slots=True)
class Restored:
    """A target record whose disowned fields were put back (names only: values are personal)."""

    record_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConsentToCheck:
    """A consent status we wrote to a target from the other side of a wrong merge, for a person
    to check. It is not simply put back: the next push writes what the record's own side says
    (``own``, None when it said nothing), under the usual rules — an opt-out is never undone
    without the person's confirmation (Mailchimp's ``pending``), nobody is subscribed on
    crmsync's word alone."""

    record_id: str
    channel: str
    written: str
    own: str | None = None


def replaced_before(old: outbox.PushState | None, write: PlannedWrite) -> dict[str, Any]:
    """The ``replaced`` map of push state after ``write``: for each field written to the target
    for the first time, the value it held before (None when it had none, when we cannot read
    the field back, or when the write creates the record)."""
    replaced = dict(old.replaced) if old else {}
    written = old.field_hashes if old else {}
    before = write.target.fields if write.target else {}
    for name in write.fields:
        if name not in written and name not in replaced:
            replaced[name] = before.get(name)
    return replaced


def disown(
    conn: Connection,
    rt: Runtime,
    before: Golden,
    moved: Collection[str],
    kept: Collection[str],
    now: datetime,
) -> tuple[list[Restored], list[ConsentToCheck]]:
    """Put back, in every target of the customer being split, what we wrote there from the
    other side of the split, and list the consent we wrote there from it; ``before`` is its
    golden record before the split. Call it before the records move: it reads the customer's
    push state."""
    out: list[Restored] = []
    consent: list[ConsentToCheck] = []
    for stream in _targets(rt, before.entity):
        state = outbox.states(conn, stream.system, stream.name, [before.id]).get(before.id)
        if state is None or state.target_id is None:
            continue
        rid = record_id(stream.system, stream.name, state.target_id)
        other = kept if rid in moved else moved if rid in kept else None
        record = stored_records.load(conn, [rid]).get(rid) if other is not None else None
        if other is None or record is None:
            continue
        wrong = _wrong(state, record, before.provenance, other, stream)
        if wrong:
            _put_back(conn, rt, stream, state, record, wrong, now)
            out.append(Restored(rid, tuple(sorted(wrong))))
        consent += _consent_from(state, before, rid, other, {*moved, *kept})
    return out, consent


def _consent_from(
    state: outbox.PushState,
    before: Golden,
    rid: str,
    other: Collection[str],
    members: Collection[str],
) -> list[ConsentToCheck]:
    """Consent we wrote to ``rid`` whose golden statement came from a system whose records in
    the customer are all on the other side of the split."""
    out = []
    for key in sorted(k for k in state.field_hashes if k.startswith("consent:")):
        channel = key.removeprefix("consent:")
        statement = before.consent.get(channel) or {}
        source = statement.get("source_system")
        theirs = {m for m in members if m.startswith(f"{source}:")}
        if source and theirs and theirs <= set(other):
            out.append(ConsentToCheck(rid, channel, str(statement.get("status"))))
    return out


def _targets(rt: Runtime, entity: str) -> list[Stream]:
    return [s for s in rt.streams if s.can_write and s.info.entity.value == entity]


def _wrong(
    state: outbox.PushState,
    record: StoredRecord,
    provenance: Mapping[str, Any],
    other: Collection[str],
    stream: Stream,
) -> set[str]:
    """Fields we wrote from the other side that the target still holds as we wrote them (a
    value the target changed since is its own; a write-only field cannot be checked)."""
    return {
        name
        for name, written in state.field_hashes.items()
        if (provenance.get(name) or {}).get("record") in other
        and (name not in stream.map.read or value_hash(record.fields.get(name)) == written)
    }


def _put_back(
    conn: Connection,
    rt: Runtime,
    stream: Stream,
    state: outbox.PushState,
    record: StoredRecord,
    wrong: set[str],
    now: datetime,
) -> None:
    own = {name: state.replaced.get(name) for name in wrong if name in stream.map.read}
    fields = {k: v for k, v in {**record.fields, **own}.items() if v is not None}
    restored = CanonicalRecord(
        id=record.id,
        system=record.system,
        stream=record.stream,
        external_id=record.external_id,
        entity=record.entity,
        fields=fields,
        consent=record.consent,
        modified_at=record.modified_at,
        is_deleted=record.is_deleted,
    )
    # The content hash stays the target's: it holds our values until the next push, and
    # reading it unchanged before then is no news.
    stored_records.save(
        conn, [restored], {record.id: record.field_times}, {record.id: record.content_hash}, now
    )
    hashes = {**state.field_hashes, **{DISOWNED + n: state.field_hashes[n] for n in wrong}}
    outbox.save_states(conn, stream.system, stream.name, [replace(state, field_hashes=hashes)], now)
    index_records(conn, rt, [restored])
