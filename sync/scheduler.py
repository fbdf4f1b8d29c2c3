"""The daemon's timetable: one APScheduler job per configured stream, run on its schedule or
at once when a webhook wakes it.

The only module that imports APScheduler (3.x). Jobs run in a thread pool, at most one
instance per stream in this process and, through the stream's database lease, in the whole
deployment. A job that fails is not retried here; its next tick is the retry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from sync.config.model import CrmsyncConfig, Schedule
from sync.failure import describe_error
from sync.job import JobOutcome, JobResult, run_stream_job
from sync.lease import DEFAULT_LEASE_TTL_S, one_run
from sync.runtime import Runtime

log = structlog.get_logger("sync.scheduler")
MAX_WORKERS = 8
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True)
class JobSpec:
    """When one stream's job runs; ``runs_at_start`` for interval schedules."""

    system: str
    stream: str
    trigger: BaseTrigger
    runs_at_start: bool

    @property
    def id(self) -> str:
        return f"{self.system}/{self.stream}"


def trigger_for(schedule: Schedule) -> BaseTrigger:
    """``every`` → an interval; ``cron`` → a five-field crontab, evaluated in UTC."""
    interval = schedule.interval()
    if interval is not None:
        return IntervalTrigger(seconds=int(interval.total_seconds()), timezone=UTC)
    assert schedule.cron is not None  # the model guarantees exactly one of the two
    minute, hour, day, month, weekday = schedule.cron.split()
    crontab = f"{minute} {hour} {day} {month} {cron_weekdays(weekday)}"
    return CronTrigger.from_crontab(crontab, timezone=UTC)


def cron_weekdays(field: str) -> str:
    """A crontab day-of-week field (0 and 7 = Sunday) as APScheduler 3 day names.

    APScheduler 3 reads numbers Monday-first (0 = Monday) and ``from_crontab`` passes them
    through, so ``1-5`` would mean Tuesday to Saturday
    (https://github.com/agronholm/apscheduler/issues/286); names are unambiguous.
    """
    if field == "*" or any(c.isalpha() for c in field):
        return field
    days: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        first, _, last = base.partition("-")
        start, end = (0, 6) if base == "*" else (int(first), int(last or (6 if step else first)))
        days |= {n % 7 for n in range(start, end + 1, int(step or 1))}
    return ",".join(_WEEKDAYS[n] for n in sorted(days, key=lambda n: (n + 6) % 7))


def job_specs(config: CrmsyncConfig) -> list[JobSpec]:
    """One job per configured (system, stream), in configuration order."""
    return [
        JobSpec(system, name, trigger_for(stream.schedule), stream.schedule.every is not None)
        for system, cfg in config.systems.items()
        for name, stream in cfg.streams.items()
    ]


class StreamScheduler:
    """Runs each stream's job on its schedule; thread-safe.

    ``holder`` names this replica in leases (each run adds a unique suffix, so two threads of
    one replica exclude each other too). ``on_result`` sees every job's result (metrics).
    """

    def __init__(
        self,
        rt: Runtime,
        *,
        holder: str,
        lease_ttl_s: float = DEFAULT_LEASE_TTL_S,
        on_result: Callable[[JobResult], None] | None = None,
        run_at_start: bool = True,
    ) -> None:
        self.rt = rt
        self.holder = holder
        self.lease_ttl_s = lease_ttl_s
        self.on_result = on_result
        self.specs = job_specs(rt.config)
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._again: set[str] = set()
        workers = max(1, min(len(self.specs), MAX_WORKERS))
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(workers)},
            # misfire_grace_time None: a late tick still runs (once, coalesced), never dropped.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        # At start the leader's jobs run first; the others are woken when one has ended, so
        # their records are resolved against the leader's as in one cycle (sync.gate).
        leader = rt.leader()
        leads = any(s.system == leader and s.runs_at_start for s in self.specs) and run_at_start
        self._after_leader = {
            s.id for s in self.specs if leads and s.system != leader and s.runs_at_start
        }
        for spec in self.specs:
            self._add(
                spec, run_at_start and spec.runs_at_start and spec.id not in self._after_leader
            )

    @property
    def is_running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        self._scheduler.start()
        log.info("scheduler.started", jobs=[s.id for s in self.specs])

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop scheduling; with ``wait``, return only when running jobs have ended."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
            log.info("scheduler.stopped")

    def trigger(self, system: str, stream: str) -> bool:
        """Run the stream's job as soon as possible (again after the current run, if one is
        going on); False for a stream that has no job."""
        key = f"{system}/{stream}"
        if key not in {s.id for s in self.specs}:
            return False
        with self._lock:
            if key in self._running:
                self._again.add(key)
                return True
        self._wake(key)
        return True

    def run_now(self, system: str, stream: str) -> JobResult:
        """Run the stream's job once in the calling thread (leases still apply)."""
        result = self._execute(system, stream)
        self._report(result)
        return result

    def _add(self, spec: JobSpec, immediately: bool) -> None:
        extra: dict[str, Any] = {"next_run_time": datetime.now(UTC)} if immediately else {}
        self._scheduler.add_job(
            self._run, spec.trigger, args=(spec.system, spec.stream), id=spec.id, **extra
        )

    def _run(self, system: str, stream: str) -> JobResult:
        """Run the job, and again right away in this thread while triggers arrived during
        the run (waking APScheduler instead would hit its one-instance limit)."""
        key = f"{system}/{stream}"
        with self._lock:
            self._running.add(key)
        try:
            while True:
                result = self._execute(system, stream)
                self._report(result)
                if system == self.rt.leader():
                    self._wake_after_leader()
                with self._lock:
                    again = key in self._again and not self.rt.stopping.is_set()
                    self._again.discard(key)
                    if not again:
                        return result
        finally:
            with self._lock:
                self._running.discard(key)

    def _execute(self, system: str, stream: str) -> JobResult:
        holder = one_run(self.holder)
        try:
            target = self.rt.stream(system, stream)
            return run_stream_job(self.rt, target, holder, lease_ttl_s=self.lease_ttl_s)
        except Exception as exc:
            # The store itself failed (leases, run records): log it, the next tick retries.
            log.warning("job.failed", system=system, stream=stream, error=describe_error(exc))
            return JobResult(system, stream, JobOutcome.FAILED, reason=type(exc).__name__)

    def _report(self, result: JobResult) -> None:
        if self.on_result is None:
            return
        try:
            self.on_result(result)
        except Exception as exc:
            log.warning("scheduler.observer_failed", error=type(exc).__name__)

    def _wake_after_leader(self) -> None:
        with self._lock:
            waiting, self._after_leader = self._after_leader, set()
        for key in sorted(waiting):
            self._wake(key)

    def _wake(self, key: str) -> None:
        if self._scheduler.running and self._scheduler.get_job(key) is not None:
            self._scheduler.modify_job(key, next_run_time=datetime.now(UTC))
