"""A cycle run by hand (``crmsync run``) and the daemon never work on the same stream at once."""

from __future__ import annotations

from connectors.toolkit.clock import ManualClock
from sync import lease
from sync.cycle import run_cycle
from sync.demo.world import World
from sync.runtime import Runtime

DAEMON = "daemon-replica:4242"


def test_a_push_whose_lease_the_daemon_holds_is_skipped_and_reported_then_done_next_time(
    world: World, seeded: dict[str, list[str]], runtime: Runtime, clock: ManualClock
) -> None:
    name = "push:newsletter/members"
    assert lease.acquire(runtime.store, name, DAEMON, 600, clock.now())

    held = run_cycle(runtime)
    newsletter_writes = world.sandboxes["newsletter"].write_calls()
    lease.release(runtime.store, name, DAEMON)
    clock.advance(60)
    after = run_cycle(runtime)

    assert newsletter_writes == 0, "nothing was pushed to a target the daemon was pushing to"
    assert "newsletter/members" not in held.pushed
    assert held.pushed["crm/contacts"].calls > 0, "the other steps went on"
    assert held.errors == {
        "push newsletter/members": f"not done: {DAEMON} holds the lease {name}; run again later"
    }
    assert after.ok
    assert after.pushed["newsletter/members"].calls > 0
    assert world.sandboxes["newsletter"].write_calls() > 0


def test_a_pull_whose_lease_is_held_is_skipped_and_the_cycle_leaves_no_lease_behind(
    world: World, seeded: dict[str, list[str]], runtime: Runtime, clock: ManualClock
) -> None:
    name = "pull:crm/contacts"
    assert lease.acquire(runtime.store, name, DAEMON, 600, clock.now())

    report = run_cycle(runtime)

    assert "crm/contacts" not in report.pulled
    assert "newsletter/members" in report.pulled
    assert set(report.errors) == {"pull crm/contacts"}
    assert lease.holder_of(runtime.store, name, clock.now()) == DAEMON
    for other in ("pull:newsletter/members", "push:crm/contacts", "push:newsletter/members"):
        assert lease.holder_of(runtime.store, other, clock.now()) is None
