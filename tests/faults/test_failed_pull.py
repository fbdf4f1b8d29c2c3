"""A pull that fails writes nothing to that system: no push acts on a view it failed to read."""

from __future__ import annotations

from typing import Any

from connectors.base import ConnectorDeps
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import Fault, SeedPerson
from sync.config import load_config
from sync.cycle import Selection, run_cycle
from sync.demo.world import World
from sync.job import JobOutcome, run_stream_job
from sync.runtime import Runtime, open_runtime
from sync.store import journal

IN_BOTH = [
    SeedPerson("clara.meyer@example.org", "Clara", "Meyer", phone="+49 30 1111111"),
    SeedPerson("deniz.arslan@example.org", "Deniz", "Arslan", phone="+49 40 2222222"),
]
NEWSLETTER_SPELLING = [
    SeedPerson("clara.meyer@example.org", "Clara", "Meye", email_status="subscribed"),
    SeedPerson("deniz.arslan@example.org", "Deniz", "Arslan", email_status="subscribed"),
]
SUBSCRIBER_ONLY = [SeedPerson("noah.klein@example.org", "Noah", "Klein", email_status="subscribed")]
CRM_READS = "/crm/v3/objects/contacts"
RETRIES_USED_UP = 6  # HttpPolicy.max_attempts: the whole pull fails, later requests pass


def _seed(world: World, clock: ManualClock) -> None:
    world.sandboxes["crm"].seed(IN_BOTH)
    world.sandboxes["newsletter"].seed([*NEWSLETTER_SPELLING, *SUBSCRIBER_ONLY])
    clock.advance(60)


def _crm(rt: Runtime) -> list[dict[str, Any]]:
    records = [r for p in rt.connectors["crm"].read("contacts", None) for r in p.records]
    return sorted((dict(r.fields) for r in records), key=lambda f: str(f.get("email")))


def _deps(world: World, clock: ManualClock) -> dict[str, ConnectorDeps]:
    return {name: ConnectorDeps(clock=clock) for name in world.sandboxes}


def _fail_crm_reads(world: World) -> Fault:
    fault = Fault(status=500, times=RETRIES_USED_UP, method="GET", path_prefix=CRM_READS)
    world.sandboxes["crm"].inject(fault)
    return fault


def test_a_cycle_whose_crm_pull_failed_writes_nothing_to_the_crm(
    world: World, runtime: Runtime, clock: ManualClock
) -> None:
    _seed(world, clock)
    _fail_crm_reads(world)
    before = world.sandboxes["crm"].write_calls()

    report = run_cycle(runtime)

    assert "pull crm/contacts" in report.errors
    assert report.errors["push crm/contacts"].startswith("not done: the last pull of crm/contacts")
    assert world.sandboxes["crm"].write_calls() == before, "nothing was written to the CRM"
    held = report.errors["push newsletter/members"]
    assert held.startswith("partly done: creates held back"), "no creates behind a failed leader"


def test_after_a_failed_crm_pull_the_next_cycle_ends_as_a_clean_run_does(
    world: World, runtime: Runtime, clock: ManualClock
) -> None:
    _seed(world, clock)
    _fail_crm_reads(world)
    run_cycle(runtime)
    clock.advance(120)

    second = run_cycle(runtime)

    contacts = _crm(runtime)
    emails = [c["email"] for c in contacts]
    assert second.ok
    assert sorted(emails) == sorted({*emails}), "no CRM contact was created twice"
    assert sorted(emails) == sorted(p.email for p in [*IN_BOTH, *SUBSCRIBER_ONLY])
    clara = next(c for c in contacts if c["email"] == IN_BOTH[0].email)
    assert clara["lastname"] == "Meyer", "the newsletter's spelling never overwrote the leader"


def test_a_daemon_job_pushes_nowhere_whose_pull_failed_and_not_before_the_first_pull(
    world: World, runtime: Runtime, clock: ManualClock
) -> None:
    _seed(world, clock)
    newsletter = runtime.stream("newsletter", "members")
    crm = runtime.stream("crm", "contacts")
    before = world.sandboxes["crm"].write_calls()

    never_pulled = run_stream_job(runtime, newsletter, "daemon-test")
    _fail_crm_reads(world)
    failed_pull = run_stream_job(runtime, crm, "daemon-test")
    after_failure = run_stream_job(runtime, newsletter, "daemon-test")

    assert world.sandboxes["crm"].write_calls() == before
    assert never_pulled.outcome is JobOutcome.OK, "waiting for the CRM's first pull is no failure"
    assert failed_pull.outcome is JobOutcome.FAILED
    assert after_failure.outcome is JobOutcome.FAILED, "the CRM's last pull failed"
    with runtime.store.transaction() as conn:
        assert journal.pull_status(conn, "crm", "contacts") == "failed"


def test_a_pull_killed_on_the_way_counts_as_incomplete_until_a_pull_completes(
    world: World, runtime: Runtime, clock: ManualClock
) -> None:
    _seed(world, clock)
    run_cycle(runtime)
    with runtime.store.transaction() as conn:
        # What a process killed inside the CRM's pull leaves behind: running, no live holder.
        journal.mark_pull(conn, "crm", "contacts", "running", clock.now())
    newsletter = runtime.stream("newsletter", "members")
    before = world.sandboxes["crm"].write_calls()

    job = run_stream_job(runtime, newsletter, "daemon-test")

    assert world.sandboxes["crm"].write_calls() == before
    assert job.outcome is JobOutcome.FAILED


def test_a_dry_run_after_a_failed_pull_previews_what_the_real_resync_pushes(
    world: World, runtime: Runtime, clock: ManualClock
) -> None:
    _seed(world, clock)
    _fail_crm_reads(world)
    run_cycle(runtime)
    dry = open_runtime(
        load_config(world.config_path), deps=_deps(world, clock), clock=clock, dry_run=True
    )
    try:
        preview = run_cycle(dry, Selection(system="crm"))
    finally:
        dry.close()

    assert "push crm/contacts" not in preview.errors
    assert preview.pushed["crm/contacts"].planned, "the preview shows the CRM writes to come"
