"""Step 6 of a cycle: write changed customers to each target in the vendor's largest batches.

Per target, the outbox is worked in chunks: plan in one transaction, write outside any
transaction (no database lock is held across HTTP), record the results in another. A crash
between write and record leaves the customers in the outbox; the next cycle writes again,
and because connectors upsert by natural key, that creates no duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection

from connectors.base import FailureKind, WriteOutcome, WriteResult
from sync import crashpoint, golden
from sync.identity.normalize.email import normalize_email
from sync.matching import MATCHED_FIELDS
from sync.plan import PlannedWrite, plan_write
from sync.progress import Progress, Silent
from sync.records import CanonicalRecord, record_id, stamp
from sync.resolve import index_records
from sync.restore import replaced_before
from sync.runtime import Runtime, Stream
from sync.stage import digest
from sync.store import customers, journal, outbox
from sync.store import records as stored_records
from sync.store.codec import value_hash
from sync.store.records import StoredRecord
from sync.timing import Stopwatch

log = structlog.get_logger("sync.push")
CHUNK = 2000


@dataclass
class PushCounts:
    considered: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    fields: int = 0
    calls: int = 0
    held: int = 0
    """Creates held back in the outbox because the leader's pull is not complete."""
    planned: list[PlannedWrite] = field(default_factory=list)


def push_stream(
    rt: Runtime,
    stream: Stream,
    *,
    dry_run: bool = False,
    creates: bool = True,
    progress: Progress | None = None,
) -> PushCounts:
    """Work the outbox of one target; with ``dry_run`` only plan (nothing is written).

    With ``creates`` off, records that would be created stay in the outbox for a later push
    (the caller turns it off while a pull those decisions depend on is incomplete).

    Planned writes are gathered across outbox chunks, by shape (create or update, with or
    without consent), so that every call but the last of each shape carries a full batch and
    a vendor that needs one endpoint per shape is not called once per shape per batch.
    """
    counts = PushCounts()
    progress = progress or Silent()
    task = f"push {stream.system}/{stream.name}"
    progress.start(task)
    size = max(1, stream.info.write_batch_limit)
    waiting: dict[tuple[bool, bool], list[PlannedWrite]] = {}
    after = ""
    while not rt.stopping.is_set():
        with rt.store.transaction() as conn:
            ids = outbox.pending(conn, stream.system, stream.name, CHUNK, after)
            planned = _plan(conn, rt, stream, ids) if ids else []
            writes = [w for w in planned if creates or w.op.external_id is not None]
            if not dry_run:
                outbox.done(conn, stream.system, stream.name, _settled(ids, planned))
        counts.held += len(planned) - len(writes)
        crashpoint.reach("push.planned")
        if not ids:
            break
        after = ids[-1]
        counts.considered += len(ids)
        if dry_run:
            counts.planned += writes
        else:
            for write in writes:
                waiting.setdefault(_shape(write), []).append(write)
            _send_full(rt, stream, waiting, size, counts)
        progress.advance(task, len(ids))
    for batch in waiting.values():
        if batch and not rt.stopping.is_set():
            _send(rt, stream, batch, counts)
    progress.finish(task)
    return counts


def _shape(write: PlannedWrite) -> tuple[bool, bool]:
    return (write.op.external_id is None, bool(write.op.consent))


def _send_full(
    rt: Runtime,
    stream: Stream,
    waiting: dict[tuple[bool, bool], list[PlannedWrite]],
    size: int,
    counts: PushCounts,
) -> None:
    for shape, batch in waiting.items():
        while len(batch) >= size and not rt.stopping.is_set():
            _send(rt, stream, batch[:size], counts)
            batch = batch[size:]
        waiting[shape] = batch


def _settled(ids: Sequence[str], writes: Sequence[PlannedWrite]) -> list[str]:
    pending = {w.customer_id for w in writes}
    return [i for i in ids if i not in pending]


def _plan(conn: Connection, rt: Runtime, stream: Stream, ids: Sequence[str]) -> list[PlannedWrite]:
    golden = customers.load_golden(conn, ids)
    targets = _targets(conn, stream, ids)
    pushed = outbox.states(conn, stream.system, stream.name, ids)
    key_field = _key_field(stream)
    writes = []
    for cid in ids:
        if cid not in golden:
            continue
        state = pushed.get(cid)
        planned = plan_write(
            golden[cid],
            targets.get(cid),
            stream.map,
            stream.config.create,
            key_field,
            state.field_hashes if state else None,
        )
        if planned is not None:
            writes.append(planned)
    taken = _keys_taken(conn, rt, stream, [w for w in writes if w.op.external_id is None])
    if taken:
        _refuse_creates(conn, stream, taken, rt.clock.now())
    return [w for w in writes if w.customer_id not in taken]


def _keys_taken(
    conn: Connection, rt: Runtime, stream: Stream, creates: Sequence[PlannedWrite]
) -> set[str]:
    """Customers whose create would land on a record the target already holds for someone
    else: vendors upsert by natural key (HubSpot and Mailchimp by e-mail), so "creating" a
    household member who shares a mailbox would overwrite the other person's record."""
    keys = {}
    for write in creates:
        email = (
            normalize_email(write.op.key, rt.match_settings.email_rules) if write.op.key else None
        )
        if email:
            keys[write.customer_id] = f"e:{email}"
    holders = stored_records.records_with_keys(conn, set(keys.values()))
    prefix = record_id(stream.system, stream.name, "")
    return {
        cid for cid, key in keys.items() if any(r.startswith(prefix) for r in holders.get(key, ()))
    }


def _refuse_creates(
    conn: Connection, stream: Stream, customer_ids: set[str], now: datetime
) -> None:
    rows = [
        {
            "step": "push",
            "system": stream.system,
            "stream": stream.name,
            "external_id": None,
            "reason": "push skipped: the e-mail is already another customer's record there",
            "payload": {"customer_id": cid},
        }
        for cid in sorted(customer_ids)
    ]
    journal.quarantine(conn, rows, now)
    outbox.done(conn, stream.system, stream.name, sorted(customer_ids))


def _targets(conn: Connection, stream: Stream, ids: Sequence[str]) -> dict[str, StoredRecord]:
    """Customer id → the record the target holds for it (the newest, if several)."""
    prefix = record_id(stream.system, stream.name, "")
    members = customers.records_of_customers(conn, ids)
    wanted = {cid: [r for r in rs if r.startswith(prefix)] for cid, rs in members.items()}
    stored = stored_records.load(conn, [r for rs in wanted.values() for r in rs])
    out: dict[str, StoredRecord] = {}
    for cid, rids in wanted.items():
        live = [stored[r] for r in rids if r in stored]
        if live:
            out[cid] = max(live, key=lambda s: (not s.is_deleted, s.modified_at or s.id))
    return out


def _key_field(stream: Stream) -> str | None:
    """The canonical field written to the vendor's natural key (e.g. email)."""
    vendor_key = stream.info.key_field
    return next((c for c, v in stream.map.write.items() if v == vendor_key), None)


def _send(rt: Runtime, stream: Stream, batch: list[PlannedWrite], counts: PushCounts) -> None:
    """One write call with one batch, and its results recorded in one transaction."""
    watch = Stopwatch()
    with watch.part("write"):
        results = rt.connectors[stream.system].write(stream.name, [w.op for w in batch])
    counts.calls += 1
    crashpoint.reach("push.sent")
    with watch.part("record"), rt.store.transaction() as conn:
        _record(conn, rt, stream, batch, results, rt.clock.now(), counts)
    crashpoint.reach("push.recorded")
    log.info(
        "push.batch_sent",
        system=stream.system,
        stream=stream.name,
        size=len(batch),
        **watch.as_fields(),
    )


def _record(
    conn: Connection,
    rt: Runtime,
    stream: Stream,
    batch: Sequence[PlannedWrite],
    results: Sequence[WriteResult],
    now: datetime,
    counts: PushCounts,
) -> None:
    by_op = {r.op_id: r for r in results}
    states = outbox.states(conn, stream.system, stream.name, [w.customer_id for w in batch])
    ok: list[tuple[PlannedWrite, WriteResult]] = []
    retry: list[str] = []
    failed: list[dict[str, Any]] = []
    for write in batch:
        result = by_op.get(write.op.op_id)
        if result is None or result.outcome is WriteOutcome.FAILED:
            _failure(stream, write, result, retry, failed)
        else:
            ok.append((write, result))
    _remember(conn, rt, stream, ok, states, now)
    outbox.done(conn, stream.system, stream.name, [w.customer_id for w, _ in ok])
    outbox.done(conn, stream.system, stream.name, [f["payload"]["customer_id"] for f in failed])
    outbox.retry_later(conn, stream.system, stream.name, retry)
    journal.quarantine(conn, failed, now)
    counts.created += sum(r.outcome is WriteOutcome.CREATED for _, r in ok)
    counts.updated += sum(r.outcome is WriteOutcome.UPDATED for _, r in ok)
    counts.fields += sum(len(w.fields) for w, _ in ok)
    counts.failed += len(failed) + len(retry)


def _failure(
    stream: Stream,
    write: PlannedWrite,
    result: WriteResult | None,
    retry: list[str],
    failed: list[dict[str, Any]],
) -> None:
    failure = result.failure if result else None
    if failure is None or failure.kind is FailureKind.RETRYABLE:
        retry.append(write.customer_id)
        return
    failed.append(
        {
            "step": "push",
            "system": stream.system,
            "stream": stream.name,
            "external_id": write.op.external_id,
            "reason": f"push {failure.kind.value}: {failure.code}",
            "payload": {"customer_id": write.customer_id, "fields": sorted(write.fields)},
        }
    )


def _remember(
    conn: Connection,
    rt: Runtime,
    stream: Stream,
    ok: Sequence[tuple[PlannedWrite, WriteResult]],
    states: dict[str, outbox.PushState],
    now: datetime,
) -> None:
    """Push state, the target's record as it now is, and a link for records we created.

    A "create" that the vendor answered with a record someone else's customer already owns
    (an upsert by key that matched) is not taken over: its link and stored copy stay.
    """
    new_states, records, times, hashes, links = [], [], {}, {}, []
    owners = _owners(conn, stream, ok)
    for write, result in ok:
        target_id = result.external_id or (write.target.external_id if write.target else None)
        if target_id is None:
            continue
        owner = owners.get(record_id(stream.system, stream.name, target_id))
        if owner is not None and owner != write.customer_id:
            log.warning("push.upsert_hit_other_customer", system=stream.system)
            continue
        old = states.get(write.customer_id)
        field_hashes = dict(old.field_hashes) if old else {}
        field_hashes.update({f: value_hash(v) for f, v in write.fields.items()})
        field_hashes.update({f"consent:{c}": value_hash(s) for c, s in write.consent.items()})
        replaced = replaced_before(old, write)
        new_states.append(outbox.PushState(write.customer_id, target_id, field_hashes, replaced))
        record = _as_target_now(stream, write, target_id, result, now)
        records.append(record)
        times[record.id] = _times(write, now)
        hashes[record.id] = digest(record)
        if write.target is None or write.target.external_id != target_id:
            links.append(customers.Link(record.id, write.customer_id, "pushed"))
    outbox.save_states(conn, stream.system, stream.name, new_states, now)
    stored_records.save(conn, records, times, hashes, now)
    customers.save_links(conn, links, now)
    if links and stream.system == rt.leader():
        # A record we created in the CRM gives the golden record what it derives from it (the
        # CRM id): merge those customers again, so the other targets get it in this cycle. A
        # record created elsewhere holds only what we wrote there from the golden record.
        golden.refresh(conn, rt, {link.customer_id for link in links}, (), now)
    # Match keys change only for new records or when a field they are built from was written.
    same_keys = {w.target.id for w, _ in ok if w.target and not MATCHED_FIELDS & set(w.fields)}
    index_records(conn, rt, [r for r in records if r.id not in same_keys])


def _owners(
    conn: Connection, stream: Stream, ok: Sequence[tuple[PlannedWrite, WriteResult]]
) -> dict[str, str]:
    created = [
        record_id(stream.system, stream.name, r.external_id)
        for w, r in ok
        if w.target is None and r.external_id
    ]
    return customers.links_of_records(conn, created) if created else {}


def _as_target_now(
    stream: Stream, write: PlannedWrite, target_id: str, result: WriteResult, now: datetime
) -> CanonicalRecord:
    before = write.target
    read_back = {f: v for f, v in write.fields.items() if f in stream.map.read}
    fields = {**(before.fields if before else {}), **read_back}
    # Consent stays as the target last stated it: whether a vendor took our statement is
    # seen on the next read (and recognised as our echo through the push state).
    consent = dict(before.consent) if before else {}
    modified = result.modified_at or (before.modified_at if before else None)
    return CanonicalRecord(
        id=record_id(stream.system, stream.name, target_id),
        system=stream.system,
        stream=stream.name,
        external_id=target_id,
        entity=stream.info.entity.value,
        fields=fields,
        consent=consent,
        modified_at=modified,
    )


def _times(write: PlannedWrite, now: datetime) -> dict[str, Any]:
    """The target's copy of a value carries the time the value was set at its origin."""
    times = dict(write.target.field_times) if write.target else {}
    for name in write.fields:
        times[name] = write.provenance.get(name, {}).get("at") or stamp(now)
    return times
