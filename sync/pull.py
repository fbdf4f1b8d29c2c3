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
from sync import golden, resolve
from sync.progress import Progress, Silent
from sync.readahead import ReadAhead
from sync.records import StagedChange
from sync.runtime import Runtime, Stream
from sync.stage import StageCounts, stage
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
    """Read one stream from its checkpoint (or from scratch / from ``since``) and take it in."""
    counts = PullCounts()
    progress = progress or Silent()
    task = f"pull {stream.system}/{stream.name}"
    progress.start(task)
    _drain_inbox(rt, stream, counts)
    cursor = None if (full or since) else _cursor(rt, stream)
    connector = rt.connectors[stream.system]
    with ReadAhead(connector.read(stream.name, cursor, since=since)) as pages:
        for group in _groups(pages, GROUP_RECORDS, rt.stopping.is_set):
            records = [r for p in group for r in p.records]
            rejected = [r for p in group for r in p.rejected]
            take_in(rt, stream, records, rejected, _last_cursor(group), counts)
            progress.advance(task, len(records) + len(rejected))
            if rt.stopping.is_set():
                log.info("pull.stopped_between_pages", system=stream.system, stream=stream.name)
                break
    progress.finish(task)
    return counts


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
    """Stage, resolve and merge one batch and store its cursor, in one transaction."""
    now = rt.clock.now()
    page_counts = StageCounts()
    watch = Stopwatch()
    with watch.part("commit"), rt.store.transaction() as conn:
        with watch.part("stage"):
            changes = stage(conn, stream.map, records, rejected, now, page_counts)
        _resolve_and_merge(conn, rt, changes, now, counts, watch)
        if cursor is not None:
            journal.save_cursor(conn, stream.system, stream.name, cursor, now)
    counts.staged.add(page_counts)
    counts.pages += 1
    log.info(
        "pull.page_taken",
        system=stream.system,
        stream=stream.name,
        read=page_counts.read,
        changed=page_counts.new + page_counts.changed,
        echo=page_counts.echo,
        quarantined=page_counts.quarantined,
        **watch.as_fields(),
    )


def _resolve_and_merge(
    conn: Connection,
    rt: Runtime,
    changes: list[StagedChange],
    now: datetime,
    counts: PullCounts,
    watch: Stopwatch,
) -> None:
    if not changes:
        return
    with watch.part("resolve"):
        found = resolve.resolve(conn, rt, changes, now)
    fresh = {(c.record.id, f) for c in changes for f in c.changed_fields}
    with watch.part("merge"):
        merged = golden.refresh(conn, rt, found.touched, fresh, now)
    counts.links.update(found.methods)
    counts.review += found.review
    counts.merged += len(merged.changed)
    counts.conflicts += merged.conflicts


def _cursor(rt: Runtime, stream: Stream) -> str | None:
    with rt.store.transaction() as conn:
        return journal.cursor_of(conn, stream.system, stream.name)


def _drain_inbox(rt: Runtime, stream: Stream, counts: PullCounts) -> None:
    """Take in webhook deliveries of this stream: fetch the records they name, by id."""
    connector = rt.connectors[stream.system]
    for events in _inbox_batches(rt, stream):
        ids = sorted({e["external_id"] for e in events if e["kind"] != ChangeKind.DELETED})
        records = connector.fetch(stream.name, ids) if ids else []
        gone = [
            Record(external_id=e["external_id"], fields={}, is_deleted=True)
            for e in events
            if e["kind"] == ChangeKind.DELETED
        ]
        take_in(rt, stream, [*records, *gone], [], None, counts)
        with rt.store.transaction() as conn:
            journal.mark_webhook_events(conn, [e["id"] for e in events], rt.clock.now())


def _inbox_batches(rt: Runtime, stream: Stream) -> Iterator[list[dict[str, Any]]]:
    while True:
        with rt.store.transaction() as conn:
            events = journal.pending_webhook_events(conn, stream.system, stream.name, limit=100)
        if not events:
            return
        yield events
