"""The scheduler: triggers from the YAML schedule, and each stream's job run against the
sandboxes — recorded runs, leases that keep jobs apart, failures left to the next tick,
webhook wake-ups, and stopping between batches."""

from __future__ import annotations

import queue
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.toolkit.sandbox import ASGIApp, Fault, Receive, Scope, Send
from sync import lease
from sync.config.model import CrmsyncConfig, Schedule
from sync.health import stream_statuses
from sync.job import JobOutcome, JobResult, pull_lease
from sync.scheduler import StreamScheduler, cron_weekdays, job_specs, trigger_for
from sync.store import journal

from .seeded import CRM_PEOPLE, MakeSetup, Setup

CRM_LIST = "/crm/v3/objects/contacts"


def config_with(schedules: dict[str, dict[str, str]]) -> CrmsyncConfig:
    streams = {name: {"fields": {"email": "email"}, "schedule": s} for name, s in schedules.items()}
    return CrmsyncConfig.model_validate(
        {"systems": {"crm": {"kind": "hubspot", "role": "crm", "streams": streams}}}
    )


def test_an_interval_schedule_becomes_an_interval_trigger() -> None:
    trigger: Any = trigger_for(Schedule(every="5m"))

    assert trigger.interval == timedelta(minutes=5)


def test_a_cron_schedule_fires_at_its_crontab_times_in_utc() -> None:
    trigger = trigger_for(Schedule(cron="*/15 2 * * 1-5"))
    saturday = datetime(2026, 1, 3, 12, 0, tzinfo=UTC)

    actual = trigger.get_next_fire_time(None, saturday)

    assert actual == datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", "*"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("0,6", "sat,sun"),
        ("*/2", "tue,thu,sat,sun"),
        ("1-5/2", "mon,wed,fri"),
        ("mon-fri", "mon-fri"),
    ],
)
def test_crontab_weekday_numbers_are_read_sunday_first(field: str, expected: str) -> None:
    assert cron_weekdays(field) == expected


def test_one_job_per_configured_stream_and_interval_jobs_run_at_start() -> None:
    config = config_with({"contacts": {"every": "30s"}, "companies": {"cron": "0 * * * *"}})

    actual = [(spec.id, spec.runs_at_start) for spec in job_specs(config)]

    assert actual == [("crm/contacts", True), ("crm/companies", False)]


def scheduler(setup: Setup, **kwargs: Any) -> StreamScheduler:
    return StreamScheduler(setup.rt, holder="test", run_at_start=False, **kwargs)


def test_a_job_pulls_its_stream_pushes_the_targets_and_records_the_run(setup: Setup) -> None:
    result = scheduler(setup).run_now("crm", "contacts")

    with setup.rt.store.transaction() as conn:
        (run,) = journal.recent_runs(conn)
    steps = [(s.step, s.system, s.stream, s.error) for s in result.steps]
    assert (result.outcome, run["status"], run["kind"]) == (JobOutcome.OK, "ok", "stream")
    assert steps == [("pull", "crm", "contacts", None), ("push", "crm", "contacts", None)]
    assert run["counts"]["pulled"]["crm/contacts"]["read"] == len(CRM_PEOPLE)
    held = run["counts"]["held"]["push newsletter/members"]
    assert held == "the last pull of newsletter/members (never pulled) did not complete"


def test_a_job_is_skipped_while_another_replica_holds_the_streams_lease(setup: Setup) -> None:
    stream = setup.rt.stream("crm", "contacts")
    lease.acquire(setup.rt.store, pull_lease(stream), "other-replica", 60, setup.clock.now())

    result = scheduler(setup).run_now("crm", "contacts")

    with setup.rt.store.transaction() as conn:
        runs = journal.recent_runs(conn)
    assert (result.outcome, result.reason, runs) == (JobOutcome.SKIPPED, "lease_held", [])


def test_a_failed_pull_is_recorded_and_the_next_tick_succeeds(setup: Setup) -> None:
    setup.world.sandboxes["crm"].inject(Fault(401, method="GET", path_prefix=CRM_LIST))
    jobs = scheduler(setup)

    failed = jobs.run_now("crm", "contacts")
    retried = jobs.run_now("crm", "contacts")

    errors = [s.error.split(":")[0] for s in failed.steps if s.error]
    assert (failed.outcome, errors, retried.outcome) == (
        JobOutcome.FAILED,
        ["AuthError"],
        JobOutcome.OK,
    )


def test_health_reads_each_streams_latest_pull_and_push_from_the_runs(setup: Setup) -> None:
    setup.world.sandboxes["crm"].inject(Fault(401, method="GET", path_prefix=CRM_LIST))
    jobs = scheduler(setup)
    jobs.run_now("crm", "contacts")
    setup.clock.advance(60)
    jobs.run_now("newsletter", "members")

    with setup.rt.store.transaction() as conn:
        statuses = stream_statuses(conn, ["crm/contacts", "newsletter/members"])

    actual = {k: {step: s.status for step, s in v.items()} for k, v in statuses.items()}
    assert actual == {
        "crm/contacts": {"pull": "failed", "push": "failed"},
        "newsletter/members": {"pull": "ok", "push": "failed"},
    }, "no push behind the CRM's failed pull: none to the CRM, no creates in the newsletter"


def test_a_stopping_daemon_starts_no_job(setup: Setup) -> None:
    setup.rt.stopping.set()

    result = scheduler(setup).run_now("crm", "contacts")

    assert (result.outcome, result.reason) == (JobOutcome.SKIPPED, "stopping")


def test_a_triggered_job_runs_now_and_reports_its_result(setup: Setup) -> None:
    results: queue.Queue[JobResult] = queue.Queue()
    jobs = scheduler(setup, on_result=results.put)
    jobs.start()
    try:
        accepted = jobs.trigger("newsletter", "members")
        result = results.get(timeout=60)
    finally:
        jobs.shutdown()

    assert (accepted, result.stream, result.outcome) == (True, "members", JobOutcome.OK)


def test_triggering_an_unknown_stream_is_refused(setup: Setup) -> None:
    assert scheduler(setup).trigger("crm", "deals") is False


def test_jobs_of_one_stream_never_overlap_and_a_trigger_during_a_run_runs_it_again(
    setup: Setup,
) -> None:
    release = threading.Event()
    held = Fault(503, method="GET", path_prefix=CRM_LIST, after_apply=True, hold=release)
    setup.world.sandboxes["crm"].inject(held)
    results: queue.Queue[JobResult] = queue.Queue()
    jobs = scheduler(setup, on_result=results.put)
    jobs.start()
    try:
        jobs.trigger("crm", "contacts")
        assert held.applied.wait(timeout=60)
        overlapping = jobs.run_now("crm", "contacts")
        jobs.trigger("crm", "contacts")
        release.set()
        reported = [results.get(timeout=60).outcome for _ in range(3)]
    finally:
        release.set()
        jobs.shutdown()

    assert (overlapping.outcome, overlapping.reason) == (JobOutcome.SKIPPED, "lease_held")
    assert reported == [JobOutcome.SKIPPED, JobOutcome.OK, JobOutcome.OK]


class _StopAfterFirstPage:
    """Sets ``stopping`` while the MA's first page of members is being read, as SIGTERM would.

    The flag is set before the page is answered, so the engine sees the stop request by the
    time it holds that page, whatever the threads' timing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.stopping: threading.Event | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/members"):
            assert self.stopping is not None
            self.stopping.set()
        await self.app(scope, receive, send)


def test_a_stop_request_ends_the_pull_after_the_current_page_and_skips_pushes(
    make_setup: MakeSetup,
) -> None:
    wrappers: list[_StopAfterFirstPage] = []

    def wrap(app: ASGIApp) -> ASGIApp:
        wrappers.append(_StopAfterFirstPage(app))
        return wrappers[-1]

    setup = make_setup(
        sandbox_options={"newsletter": {"wrap_app": wrap}}, options={"newsletter": {"page_size": 1}}
    )
    wrappers[0].stopping = setup.rt.stopping

    result = scheduler(setup).run_now("newsletter", "members")

    (pull,) = result.steps
    assert pull.pulled is not None
    assert (result.outcome, pull.pulled.pages, pull.pulled.staged.read) == (JobOutcome.OK, 1, 1)


def test_at_start_the_leaders_job_runs_first_and_wakes_the_others(setup: Setup) -> None:
    results: queue.Queue[JobResult] = queue.Queue()
    jobs = StreamScheduler(setup.rt, holder="test", run_at_start=True, on_result=results.put)
    jobs.start()
    try:
        first, second = results.get(timeout=60), results.get(timeout=60)
    finally:
        jobs.shutdown()

    assert [(r.system, r.outcome) for r in (first, second)] == [
        ("crm", JobOutcome.OK),
        ("newsletter", JobOutcome.OK),
    ], "the newsletter's records are resolved against the CRM's, as in one cycle"
