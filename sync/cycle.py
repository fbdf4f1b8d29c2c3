"""One sync cycle: pull every stream (the leader first), then push to every target, and
record the run. This module only sequences the steps; each step lives in its own module.

Each step holds the same database lease a daemon job holds for it, so ``crmsync run`` next
to a running daemon never pulls or pushes a stream at the same time as the daemon does (two
pushes of one outbox would create the same record twice). A step whose lease is held
elsewhere is skipped and reported; a dry run takes no leases, as it writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from sync import crashpoint, gate, lease
from sync.crm_merge import merge_crm_duplicates
from sync.failure import describe_error, where
from sync.lease import DEFAULT_LEASE_TTL_S, pull_lease, push_lease
from sync.progress import Progress
from sync.pull import PullCounts, mark, pull_stream
from sync.push import PushCounts, push_stream
from sync.runtime import Runtime, Stream
from sync.store import journal

log = structlog.get_logger("sync.cycle")


@dataclass
class CycleReport:
    run_id: int
    pulled: dict[str, PullCounts] = field(default_factory=dict)
    pushed: dict[str, PushCounts] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    held: dict[str, str] = field(default_factory=dict)
    """Targets whose creates were held back, with the reason."""
    crm_merges: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, Any]:
        """A JSON-ready summary, stored with the run and printed by ``status --json``."""
        return {
            "pulled": {k: _pull_counts(v) for k, v in self.pulled.items()},
            "pushed": {k: _push_counts(v) for k, v in self.pushed.items()},
            "errors": dict(self.errors),
            "held": dict(self.held),
            "crm_merges": self.crm_merges,
        }


@dataclass(frozen=True)
class Selection:
    """Which streams to read and how: all from their checkpoints, or some in full or since."""

    system: str | None = None
    stream: str | None = None
    full: bool = False
    since: datetime | None = None

    def includes(self, s: Stream) -> bool:
        return (self.system is None or s.system == self.system) and (
            self.stream is None or s.name == self.stream
        )


def run_cycle(
    rt: Runtime,
    selection: Selection | None = None,
    *,
    kind: str = "cycle",
    progress: Progress | None = None,
) -> CycleReport:
    """Run one cycle; in a dry-run runtime nothing is written anywhere.

    A failing step fails the run and the others go on, except that no push acts on a system
    whose pull did not complete (:mod:`sync.gate`). The run row is closed however the cycle
    ends; one left ``running`` by a killed process is closed as interrupted by the next run.
    """
    selection = selection or Selection()
    holder = lease.one_run(lease.process_holder("cycle"))
    with rt.store.transaction() as conn:
        journal.close_interrupted_runs(conn, rt.clock.now(), lease.is_dead_process)
        run_id = journal.start_run(conn, kind, rt.clock.now(), holder)
    report = CycleReport(run_id)
    try:
        failed = _pulls(rt, selection, report, holder, progress)
        crashpoint.reach("cycle.pulled")
        _pushes(rt, report, holder, failed, progress)
    except BaseException as exc:
        report.errors["cycle"] = describe_error(exc)
        raise
    finally:
        crashpoint.reach("cycle.before_finish")
        _finish(rt, report)
    return report


def _pulls(
    rt: Runtime, selection: Selection, report: CycleReport, holder: str, progress: Progress | None
) -> set[tuple[str, str]]:
    """Pull the selected streams, the leader first; returns the streams whose pull failed."""
    failed: set[tuple[str, str]] = set()
    for stream in _pull_order(rt, selection):
        failed.add(stream.key)
        with _guard(report, stream, "pull"):
            if _pull(rt, stream, selection, report, holder, progress):
                failed.discard(stream.key)
    return failed


def _pull(
    rt: Runtime,
    stream: Stream,
    selection: Selection,
    report: CycleReport,
    holder: str,
    progress: Progress | None,
) -> bool:
    """One stream's pull under its lease (after any leader pull elsewhere); False if it was
    left to another process, True if it completed. Raises what made it fail."""
    waiting = gate.wait_for_leader(rt, stream, holder)
    if waiting is not None:
        report.errors[f"pull {_key(stream)}"] = (
            f"not done: {waiting} is still being pulled elsewhere"
        )
        return True
    with _claimed(rt, report, holder, pull_lease(stream), f"pull {_key(stream)}") as ok:
        if not ok:
            return True
        leads = stream == rt.leader_stream("person") and not rt.store.dry_run
        if leads and gate.leader_pulled(rt):
            # As the leader's daemon job does: merged records then arrive with this pull.
            mark(rt, stream, "running")
            with _guard(report, stream, "crm merge"):
                report.crm_merges = merge_crm_duplicates(rt).merged
        report.pulled[_key(stream)] = pull_stream(
            rt, stream, full=selection.full, since=selection.since, progress=progress
        )
    return True


def _pushes(
    rt: Runtime,
    report: CycleReport,
    holder: str,
    failed: set[tuple[str, str]],
    progress: Progress | None,
) -> None:
    for stream in [s for s in rt.streams if s.can_write]:
        with _guard(report, stream, "push"):
            clearance = gate.clear_push(rt, stream, holder, failed=failed)
            gate.note(report.errors, report.held, f"push {_key(stream)}", clearance)
            if not clearance.push:
                continue
            with _claimed(rt, report, holder, push_lease(stream), f"push {_key(stream)}") as ok:
                if ok:
                    report.pushed[_key(stream)] = push_stream(
                        rt,
                        stream,
                        dry_run=rt.store.dry_run,
                        creates=clearance.creates,
                        progress=progress,
                    )


def _finish(rt: Runtime, report: CycleReport) -> None:
    status = "ok" if report.ok else "failed"
    with rt.store.transaction() as conn:
        journal.finish_run(
            conn, report.run_id, status, report.counts(), rt.clock.now(), _error(report)
        )
    log.info("cycle.finished", run_id=report.run_id, status=status, dry_run=rt.store.dry_run)


def _key(stream: Stream) -> str:
    return f"{stream.system}/{stream.name}"


def _pull_order(rt: Runtime, selection: Selection) -> list[Stream]:
    """Leader first, so records that carry its id find the record they point at."""
    chosen = [s for s in rt.streams if selection.includes(s)]
    return sorted(
        chosen, key=lambda s: (s.system != rt.leader(), s.info.entity.value != "organisation")
    )


@contextmanager
def _claimed(rt: Runtime, report: CycleReport, holder: str, name: str, step: str) -> Iterator[bool]:
    """Hold lease ``name`` for the step; yields False (and reports the step as not done)
    when another process holds it."""
    if rt.store.dry_run:
        yield True
        return
    with lease.hold(rt.store, name, holder, DEFAULT_LEASE_TTL_S, rt.clock) as held:
        if held is None:
            other = lease.holder_of(rt.store, name, rt.clock.now()) or "another process"
            report.errors[step] = f"not done: {other} holds the lease {name}; run again later"
            log.warning("cycle.step_skipped", step=step, lease=name)
        yield held is not None


@contextmanager
def _guard(report: CycleReport, stream: Stream, step: str) -> Iterator[None]:
    """A failure stops that step only; the others go on, the run is failed. Records the
    engine cannot take in are quarantined below this level, so what arrives here is a
    failure of the stream (vendor, store), described without record values."""
    try:
        yield
    except Exception as exc:
        report.errors[f"{step} {_key(stream)}"] = describe_error(exc)
        log.warning(
            "cycle.stream_failed",
            step=step,
            system=stream.system,
            stream=stream.name,
            error=type(exc).__name__,
            where=where(exc),
        )


def _error(report: CycleReport) -> str | None:
    return "; ".join(f"{k}: {v}" for k, v in report.errors.items()) or None


def _pull_counts(c: PullCounts) -> dict[str, Any]:
    s = c.staged
    return {
        "read": s.read,
        "new": s.new,
        "changed": s.changed,
        "unchanged": s.unchanged,
        "stale": s.stale,
        "echo": s.echo,
        "quarantined": s.quarantined,
        "links": dict(c.links),
        "review": c.review,
        "merged": c.merged,
        "conflicts": c.conflicts,
    }


def _push_counts(c: PushCounts) -> dict[str, Any]:
    return {
        "considered": c.considered,
        "created": c.created,
        "updated": c.updated,
        "failed": c.failed,
        "fields": c.fields,
        "write_calls": c.calls,
        "held": c.held,
        "planned": len(c.planned),
    }
