"""One stream's job, as the daemon runs it: pull the stream under its lease, push every target
under that target's lease, and record the run.

Failures are logged and recorded (described by :mod:`sync.failure`), never retried here: the
next tick is the retry (STYLE rule 4). A push never acts on a system whose pull did not
complete, nor before a pull of the leader running elsewhere has ended (:mod:`sync.gate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import structlog

from sync import gate, lease
from sync.crm_merge import merge_crm_duplicates
from sync.cycle import CycleReport
from sync.failure import describe_error, where
from sync.lease import DEFAULT_LEASE_TTL_S, pull_lease, push_lease
from sync.pull import PullCounts, mark, pull_stream
from sync.push import PushCounts, push_stream
from sync.runtime import Runtime, Stream
from sync.store import journal

log = structlog.get_logger("sync.job")
RUN_KIND = "stream"


class JobOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StepResult:
    """One pull or push of a job: what it did, how long it took, why it failed."""

    step: str
    system: str
    stream: str
    duration_s: float
    error: str | None = None
    pulled: PullCounts | None = None
    pushed: PushCounts | None = None


@dataclass(frozen=True)
class JobResult:
    system: str
    stream: str
    outcome: JobOutcome
    duration_s: float = 0.0
    run_id: int | None = None
    steps: tuple[StepResult, ...] = ()
    reason: str | None = None


@dataclass
class _Steps:
    report: CycleReport
    done: list[StepResult] = field(default_factory=list)


def run_stream_job(
    rt: Runtime, stream: Stream, holder: str, *, lease_ttl_s: float = DEFAULT_LEASE_TTL_S
) -> JobResult:
    """Pull ``stream`` and push every writable target; skipped when the stream's lease is
    held elsewhere or the daemon is stopping. Never raises for a failed step."""
    started = rt.clock.monotonic()
    if rt.stopping.is_set():
        return _skipped(stream, "stopping")
    with lease.hold(rt.store, pull_lease(stream), holder, lease_ttl_s, rt.clock) as held:
        if held is None:
            return _skipped(stream, "lease_held")
        with rt.store.transaction() as conn:
            journal.close_interrupted_runs(conn, rt.clock.now(), lease.is_dead_process)
            run_id = journal.start_run(conn, RUN_KIND, rt.clock.now(), holder)
        steps = _Steps(CycleReport(run_id))
        try:
            _steps(rt, stream, holder, lease_ttl_s, steps)
        except Exception as exc:  # the store went away between steps: the run still ends
            _failed(steps.report, "job", stream, exc)
        finally:
            _finish(rt, steps.report)
    outcome = JobOutcome.OK if steps.report.ok else JobOutcome.FAILED
    result = JobResult(
        stream.system,
        stream.name,
        outcome,
        rt.clock.monotonic() - started,
        run_id,
        tuple(steps.done),
    )
    log.info(
        "job.finished",
        system=stream.system,
        stream=stream.name,
        run_id=run_id,
        outcome=outcome.value,
        duration_s=round(result.duration_s, 3),
    )
    return result


def _steps(rt: Runtime, stream: Stream, holder: str, lease_ttl_s: float, steps: _Steps) -> None:
    """Merge CRM duplicates (the leader's job), pull, then push to every target it may."""
    if stream == rt.leader_stream("person") and gate.leader_pulled(rt):
        mark(rt, stream, "running")  # others wait for the leader from here on
        _merge_crm_duplicates(rt, stream, steps)
    failed = set() if _pull(rt, stream, holder, steps) else {stream.key}
    for target in [t for t in rt.streams if t.can_write]:
        if rt.stopping.is_set():
            break
        clearance = gate.clear_push(rt, target, holder, failed=failed)
        gate.note(steps.report.errors, steps.report.held, f"push {_key(target)}", clearance)
        if not clearance.push:
            continue
        with lease.hold(rt.store, push_lease(target), holder, lease_ttl_s, rt.clock) as held:
            if held is not None:
                _push(rt, target, clearance.creates, steps)


def _merge_crm_duplicates(rt: Runtime, stream: Stream, steps: _Steps) -> None:
    """The leader's job merges flagged CRM duplicates first (when configured), under the
    leader's pull lease, as a cycle does: the merged record then arrives with this pull."""
    try:
        steps.report.crm_merges = merge_crm_duplicates(rt).merged
    except Exception as exc:
        _failed(steps.report, "crm merge", stream, exc)


def _pull(rt: Runtime, stream: Stream, holder: str, steps: _Steps) -> bool:
    """Pull the stream (after any pull of the leader running elsewhere); True if it completed."""
    started, counts, error = rt.clock.monotonic(), None, None
    waiting = gate.wait_for_leader(rt, stream, holder)
    if waiting is not None:
        error = f"not done: {waiting} is still being pulled elsewhere"
        steps.report.errors[f"pull {_key(stream)}"] = error
    else:
        try:
            counts = pull_stream(rt, stream)
            steps.report.pulled[_key(stream)] = counts
        except Exception as exc:
            error = _failed(steps.report, "pull", stream, exc)
    duration_s = rt.clock.monotonic() - started
    steps.done.append(StepResult("pull", *stream.key, duration_s, error, pulled=counts))
    return error is None


def _push(rt: Runtime, target: Stream, creates: bool, steps: _Steps) -> None:
    started, counts, error = rt.clock.monotonic(), None, None
    try:
        counts = push_stream(rt, target, creates=creates)
        steps.report.pushed[_key(target)] = counts
    except Exception as exc:
        error = _failed(steps.report, "push", target, exc)
    duration_s = rt.clock.monotonic() - started
    steps.done.append(StepResult("push", *target.key, duration_s, error, pushed=counts))


def _failed(report: CycleReport, step: str, stream: Stream, exc: Exception) -> str:
    """Record and log a failed step; the run goes on with the next step."""
    error = describe_error(exc)
    report.errors[f"{step} {_key(stream)}"] = error
    log.warning(
        "job.step_failed",
        step=step,
        system=stream.system,
        stream=stream.name,
        error=type(exc).__name__,
        where=where(exc),
    )
    return error


def _finish(rt: Runtime, report: CycleReport) -> None:
    status = "ok" if report.ok else "failed"
    error = "; ".join(f"{k}: {v}" for k, v in report.errors.items()) or None
    try:
        with rt.store.transaction() as conn:
            journal.finish_run(conn, report.run_id, status, report.counts(), rt.clock.now(), error)
    except Exception as exc:
        # The store went away mid-job: the run stays "running" until this process ends and
        # a later run closes it as interrupted.
        report.errors["record run"] = describe_error(exc)
        log.warning("job.record_failed", run_id=report.run_id, error=type(exc).__name__)


def _skipped(stream: Stream, reason: str) -> JobResult:
    log.info("job.skipped", system=stream.system, stream=stream.name, reason=reason)
    return JobResult(stream.system, stream.name, JobOutcome.SKIPPED, reason=reason)


def _key(stream: Stream) -> str:
    return f"{stream.system}/{stream.name}"
