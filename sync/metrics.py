"""Prometheus metrics of one daemon: counters fed by job results and webhook deliveries, and
gauges read from the store at scrape time.

Counters are per process (Prometheus sums them over replicas); gauges describe the shared
store, so every replica reports the same outbox, quarantine and review backlog. The registry
is our own, never the global one, so tests and several apps in one process do not collide.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Connection, func, select

from sync.health import stream_statuses
from sync.job import JobOutcome, JobResult, StepResult
from sync.store.sql import Store
from sync.store.tables import PendingPushRow, QuarantineRow, ReviewItemRow

CONTENT_TYPE = CONTENT_TYPE_LATEST
PENDING = PendingPushRow.__table__  # type: ignore[attr-defined]
QUARANTINE = QuarantineRow.__table__  # type: ignore[attr-defined]
REVIEW = ReviewItemRow.__table__  # type: ignore[attr-defined]
_STREAM = ("system", "stream")
_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800)


class Metrics:
    """The daemon's metrics; :meth:`render` is the body of ``GET /metrics``."""

    def __init__(self, store: Store | None = None, stream_keys: Sequence[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.records_read = self._counter("records_read", "Records read")
        self.records_changed = self._counter("records_changed", "Records new or changed")
        self.records_quarantined = self._counter("records_quarantined", "Records quarantined")
        self.fields_pushed = self._counter("fields_pushed", "Field values written to targets")
        self.write_calls = self._counter("write_calls", "Write requests sent to targets")
        self.push_failures = self._counter("push_failures", "Records a target did not accept")
        self.jobs = self._counter("jobs", "Stream jobs by outcome", (*_STREAM, "outcome"))
        self.webhook_events = self._counter(
            "webhook_events", "Webhook events by outcome", ("system", "outcome")
        )
        self.job_seconds = self._histogram(
            "job_duration_seconds", "Duration of a stream's job (pull and pushes)", _STREAM
        )
        self.step_seconds = self._histogram(
            "step_duration_seconds", "Duration of one pull or push", ("step", *_STREAM)
        )
        if store is not None:
            self.registry.register(StoreCollector(store, stream_keys))

    def _counter(self, name: str, doc: str, labels: Sequence[str] = _STREAM) -> Counter:
        return Counter(f"crmsync_{name}", doc, labels, registry=self.registry)

    def _histogram(self, name: str, doc: str, labels: Sequence[str]) -> Histogram:
        return Histogram(
            f"crmsync_{name}", doc, labels, buckets=_DURATION_BUCKETS, registry=self.registry
        )

    def observe_job(self, result: JobResult) -> None:
        self.jobs.labels(result.system, result.stream, result.outcome.value).inc()
        if result.outcome is not JobOutcome.SKIPPED:
            self.job_seconds.labels(result.system, result.stream).observe(result.duration_s)
        for step in result.steps:
            self._observe_step(step)

    def observe_webhook(self, system: str, outcome: str, count: int = 1) -> None:
        if count:
            self.webhook_events.labels(system, outcome).inc(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def _observe_step(self, step: StepResult) -> None:
        labels = (step.system, step.stream)
        self.step_seconds.labels(step.step, *labels).observe(step.duration_s)
        if step.pulled is not None:
            staged = step.pulled.staged
            self.records_read.labels(*labels).inc(staged.read)
            self.records_changed.labels(*labels).inc(staged.new + staged.changed)
            self.records_quarantined.labels(*labels).inc(staged.quarantined)
        if step.pushed is not None:
            self.fields_pushed.labels(*labels).inc(step.pushed.fields)
            self.write_calls.labels(*labels).inc(step.pushed.calls)
            self.push_failures.labels(*labels).inc(step.pushed.failed)


class StoreCollector(Collector):
    """Gauges computed from the store on every scrape; ``crmsync_store_up`` is 0 when the
    store cannot be read (the other gauges are then left out rather than reported stale)."""

    def __init__(self, store: Store, stream_keys: Sequence[str]) -> None:
        self.store = store
        self.stream_keys = list(stream_keys)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("crmsync_store_up", "1 when the store answers")
        try:
            with self.store.transaction() as conn:
                families = list(self._families(conn))
        except Exception:
            # Any failure to read the store is what this gauge reports.
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, conn: Connection) -> Iterator[GaugeMetricFamily]:
        outbox = GaugeMetricFamily(
            "crmsync_outbox_size", "Customers waiting to be pushed", labels=_STREAM
        )
        query = select(PENDING.c.system, PENDING.c.stream, func.count()).group_by(
            PENDING.c.system, PENDING.c.stream
        )
        for system, stream, count in conn.execute(query):
            outbox.add_metric([system, stream], count)
        yield outbox
        quarantine = GaugeMetricFamily(
            "crmsync_quarantine_open", "Quarantined records not replayed", labels=["system"]
        )
        open_q = QUARANTINE.c.replayed_at.is_(None)
        query = (
            select(QUARANTINE.c.system, func.count()).where(open_q).group_by(QUARANTINE.c.system)
        )
        for system, count in conn.execute(query):
            quarantine.add_metric([system], count)
        yield quarantine
        review = select(func.count()).select_from(REVIEW).where(REVIEW.c.status == "open")
        yield GaugeMetricFamily(
            "crmsync_review_open",
            "Match review items waiting",
            value=conn.execute(review).scalar_one(),
        )
        yield self._last_success(conn)

    def _last_success(self, conn: Connection) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "crmsync_last_success_timestamp_seconds",
            "When a run last pulled the stream (step=pull) or pushed to it (step=push) cleanly",
            labels=("step", *_STREAM),
        )
        for key, steps in stream_statuses(conn, self.stream_keys).items():
            system, stream = key.split("/", 1)
            for step, status in steps.items():
                if status.last_ok_at is not None:
                    family.add_metric([step, system, stream], _epoch(status.last_ok_at))
        return family


def _epoch(value: datetime) -> float:
    return value.timestamp()
