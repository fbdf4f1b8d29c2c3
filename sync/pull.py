"""Step 1 of a cycle: read a stream page by page and take each page in, in one transaction.

Per page: stage (step 2), resolve identity (step 3), merge the touched customers (step 4)
and store the page's cursor — all in the same transaction, so a crash anywhere leaves the
store and its checkpoint consistent. Webhook deliveries waiting in the inbox are taken in
the same way before the stream is polled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection

from connectors.base import ChangeKind, Page, Record, Rejected
from sync import crashpoint, golden, resolve
from sync.failure import failure_name, is_poison
from sync.mapping import id_problem
from sync.progress import Progress, Silent
from sync.readahead import ReadAhead
from sync.records import StagedChange
from sync.runtime import Runtime, Stream
from sync.stage import StageCounts, quarantine_row, record_payload, stage
from sync.store import journal
from sync.timing import Stopwatch

log = structlog.get_logger("sync.pull")
GROUP_RECORDS = 1000
"""Records taken in per transaction (whole pages; the group's last cursor is stored)."""


@dataclass
class PullCounts:
    staged: StageCounts = field(default_factory=StageCounts)
    links: Counter[str] = field(default_factory=Counter)
    review: int = 0
    merged: int = 0
    conflicts: int = 0
    pages: int = 0


def pull_stream(
    rt: Runtime,
    stream: Stream,
    *,
    full: bool = False,
    since: datetime | None = None,
    progress: Progress | None = None,
) -> PullCounts:
    """Read one stream from its checkpoint (or from scratch / from ``since``) and take it in.

    How the pull ends is recorded for the stream (running, then ok, stopped or failed):
    pushes refuse to act on a system whose last pull did not complete (:mod:`sync.gate`).
    """
    counts = PullCounts()
    mark(rt, stream, "running")
    try:
        complete = _read_and_take_in(rt, stream, full, since, progress or Silent(), counts)
        if complete:
            _refit(rt, stream)
    except BaseException:
        mark(rt, stream, "failed")
        raise
    mark(rt, stream, "ok" if complete else "stopped")
    return counts


def _read_and_take_in(
    rt: Runtime,
    stream: Stream,
    full: bool,
    since: datetime | None,
    progress: Progress,
    counts: PullCounts,
) -> bool:
    """Take in the inbox and every page; False when a stop request ended the read early."""
    task = f"pull {stream.system}/{stream.name}"
    progress.start(task)
    _drain_inbox(rt, stream, counts)
    cursor = None if (full or since) else _cursor(rt, stream)
    connector = rt.connectors[stream.system]
    complete = True
    with ReadAhead(connector.read(stream.name, cursor, since=since)) as pages:
        for group in _groups(pages, GROUP_RECORDS, rt.stopping.is_set):
            records = [r for p in group for r in p.records]
            rejected = [r for p in group for r in p.rejected]
            crashpoint.reach("pull.page_read")
            take_in(rt, stream, records, rejected, _last_cursor(group), counts)
            crashpoint.reach("pull.page_committed")
            progress.advance(task, len(records) + len(rejected))
            if rt.stopping.is_set():
                log.info("pull.stopped_between_pages", system=stream.system, stream=stream.name)
                complete = False
                break
    progress.finish(task)
    return complete


def _refit(rt: Runtime, stream: Stream) -> None:
    """Fit the identity model again if the store has grown enough — only here, at the end
    of a complete pull, never between pages, so the model depends on the data alone. A fit
    that fails keeps the model there is: the pull's data is committed and complete."""
    try:
        with rt.store.transaction() as conn:
            rt.models.refit(conn, rt.clock.now())
    except Exception as exc:
        log.warning(
            "pull.refit_failed", system=stream.system, stream=stream.name, error=type(exc).__name__
        )


def mark(rt: Runtime, stream: Stream, status: str) -> None:
    """Record how the stream's pull stands (in a dry run too: it is rolled back with it)."""
    try:
        with rt.store.transaction() as conn:
            journal.mark_pull(conn, stream.system, stream.name, status, rt.clock.now())
    except Exception as exc:
        # A failed pull whose failure cannot be recorded stays "running" without a live
        # holder, which pushes treat as incomplete too.
        log.warning(
            "pull.mark_failed", system=stream.system, stream=stream.name, error=type(exc).__name__
        )
        if status != "failed":
            raise


def _groups(
    pages: Iterable[Page], size: int, is_stopping: Callable[[], bool]
) -> Iterator[list[Page]]:
    """Consecutive pages holding about ``size`` records: one transaction each, so that small
    vendor pages (HubSpot's 100) do not cost one commit per page. A stop request closes the
    group at once, so a stopping daemon takes in no page more than it must."""
    group: list[Page] = []
    held = 0
    for page in pages:
        group.append(page)
        held += len(page.records) + len(page.rejected)
        if held >= size or is_stopping():
            yield group
            group, held = [], 0
    if group:
        yield group


def _last_cursor(group: list[Page]) -> str | None:
    return next((p.cursor for p in reversed(group) if p.cursor is not None), None)


def take_in(
    rt: Runtime,
    stream: Stream,
    records: Sequence[Record],
    rejected: Sequence[Rejected],
    cursor: str | None,
    counts: PullCounts,
) -> None:
    """Stage, resolve and merge one batch and store its cursor, in one transaction.

    A batch that fails for a reason other than the connector or the database being out of
    reach is taken in again record by record: each record that still fails is quarantined
    with the step it failed at, and the cursor is stored after the rest, so one poison record
    never halts the stream, whatever step it fails in.
    """
    try:
        got, watch = _take_in_batch(rt, stream, records, rejected, cursor, _Step())
    except Exception as exc:
        if not is_poison(exc):
            raise
        log.warning(
            "pull.batch_failed",
            system=stream.system,
            stream=stream.name,
            records=len(records) + len(rejected),
            error=failure_name(exc),
        )
        got, watch = _take_in_one_by_one(rt, stream, records, rejected, cursor)
    _add(counts, got)
    counts.pages += 1
    log.info(
        "pull.page_taken",
        system=stream.system,
        stream=stream.name,
        read=got.staged.read,
        changed=got.staged.new + got.staged.changed,
        echo=got.staged.echo,
        quarantined=got.staged.quarantined,
        **watch.as_fields(),
    )


@dataclass
class _Step:
    """Where taking in a batch has got to, so that a failure is quarantined under its step."""

    name: str = "stage"


def _take_in_batch(
    rt: Runtime,
    stream: Stream,
    records: Sequence[Record],
    rejected: Sequence[Rejected],
    cursor: str | None,
    step: _Step,
) -> tuple[PullCounts, Stopwatch]:
    now = rt.clock.now()
    got = PullCounts()
    watch = Stopwatch()
    with watch.part("commit"), rt.store.transaction() as conn:
        with watch.part("stage"):
            changes = stage(conn, stream.map, records, rejected, now, got.staged)
        crashpoint.reach("pull.staged")
        _resolve_and_merge(conn, rt, changes, now, got, watch, step)
        crashpoint.reach("pull.resolved")
        step.name = "checkpoint"
        crashpoint.reach("pull.before_checkpoint")
        if cursor is not None:
            journal.save_cursor(conn, stream.system, stream.name, cursor, now)
        step.name = "commit"
    return got, watch


def _resolve_and_merge(
    conn: Connection,
    rt: Runtime,
    changes: list[StagedChange],
    now: datetime,
    counts: PullCounts,
    watch: Stopwatch,
    step: _Step,
) -> None:
    if not changes:
        return
    step.name = "resolve"
    with watch.part("resolve"):
        found = resolve.resolve(conn, rt, changes, now)
    fresh = {(c.record.id, f) for c in changes for f in c.changed_fields}
    step.name = "merge"
    with watch.part("merge"):
        merged = golden.refresh(conn, rt, found.touched, fresh, now)
    counts.links.update(found.methods)
    counts.review += found.review
    counts.merged += len(merged.changed)
    counts.conflicts += merged.conflicts


def _take_in_one_by_one(
    rt: Runtime,
    stream: Stream,
    records: Sequence[Record],
    rejected: Sequence[Rejected],
    cursor: str | None,
) -> tuple[PullCounts, Stopwatch]:
    """Each item in a transaction of its own; an item that fails is quarantined. The cursor
    comes last, after every record it covers is either stored or quarantined."""
    total, watch = PullCounts(), Stopwatch()
    items: list[tuple[list[Record], list[Rejected]]] = [([], [r]) for r in rejected]
    items += [([r], []) for r in records]
    with watch.part("one_by_one"):
        for one, bad in items:
            step = _Step()
            try:
                got, _ = _take_in_batch(rt, stream, one, bad, None, step)
            except Exception as exc:
                if not is_poison(exc):
                    raise
                got = _quarantine_failed(rt, stream, (one or bad)[0], step.name, exc)
            _add(total, got)
        if cursor is not None:
            with rt.store.transaction() as conn:
                journal.save_cursor(conn, stream.system, stream.name, cursor, rt.clock.now())
    return total, watch


def _quarantine_failed(
    rt: Runtime, stream: Stream, item: Record | Rejected, step: str, exc: Exception
) -> PullCounts:
    """Quarantine one item that failed at ``step``; the reason names the step and the kind
    of failure, never a value. Should even its payload not be storable, the entry is kept
    without it (the record can still be fetched again by its id)."""
    reason = f"could not be taken in at {step}: {failure_name(exc)}"
    log.warning(
        "pull.record_quarantined",
        system=stream.system,
        stream=stream.name,
        step=step,
        error=failure_name(exc),
    )
    payload = record_payload(item) if isinstance(item, Record) else item.payload
    row = quarantine_row(stream.map, item.external_id, reason, payload)
    try:
        _write_quarantine(rt, row)
    except Exception as again:
        if not is_poison(again):
            raise
        _write_quarantine(rt, {**row, "payload": {}})
    got = PullCounts()
    got.staged.read = got.staged.quarantined = 1
    return got


def _write_quarantine(rt: Runtime, row: dict[str, Any]) -> None:
    with rt.store.transaction() as conn:
        journal.quarantine(conn, [row], rt.clock.now())


def _add(counts: PullCounts, other: PullCounts) -> None:
    counts.staged.add(other.staged)
    counts.links.update(other.links)
    counts.review += other.review
    counts.merged += other.merged
    counts.conflicts += other.conflicts


def _cursor(rt: Runtime, stream: Stream) -> str | None:
    with rt.store.transaction() as conn:
        return journal.cursor_of(conn, stream.system, stream.name)


def _drain_inbox(rt: Runtime, stream: Stream, counts: PullCounts) -> None:
    """Take in webhook deliveries of this stream: fetch the records they name, by id. An
    event naming an id the store cannot hold is quarantined, never sent to the vendor."""
    connector = rt.connectors[stream.system]
    for events in _inbox_batches(rt, stream):
        usable = [e for e in events if id_problem([str(e["external_id"])]) is None]
        ids = sorted({e["external_id"] for e in usable if e["kind"] != ChangeKind.DELETED})
        records = connector.fetch(stream.name, ids) if ids else []
        gone = [
            Record(external_id=e["external_id"], fields={}, is_deleted=True)
            for e in usable
            if e["kind"] == ChangeKind.DELETED
        ]
        odd = [
            Rejected(f"webhook event id: {id_problem([str(e['external_id'])])}", e["external_id"])
            for e in events
            if e not in usable
        ]
        take_in(rt, stream, [*records, *gone], odd, None, counts)
        with rt.store.transaction() as conn:
            journal.mark_webhook_events(conn, [e["id"] for e in events], rt.clock.now())


def _inbox_batches(rt: Runtime, stream: Stream) -> Iterator[list[dict[str, Any]]]:
    while True:
        with rt.store.transaction() as conn:
            events = journal.pending_webhook_events(conn, stream.system, stream.name, limit=100)
        if not events:
            return
        yield events
