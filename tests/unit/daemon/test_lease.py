"""Database leases on SQLite and PostgreSQL: one holder at a time, renewal, expiry, release,
and exactly one winner when many threads race for a free lease."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from connectors.toolkit.clock import ManualClock
from sync import lease
from sync.store.sql import Store


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(engine)


def test_a_free_lease_is_taken(store: Store, clock: ManualClock) -> None:
    taken = lease.acquire(store, "pull:crm/contacts", "a", 60, clock.now())

    assert (taken, lease.holder_of(store, "pull:crm/contacts", clock.now())) == (True, "a")


def test_a_held_lease_is_refused_to_another_holder(store: Store, clock: ManualClock) -> None:
    lease.acquire(store, "pull:crm/contacts", "a", 60, clock.now())

    taken = lease.acquire(store, "pull:crm/contacts", "b", 60, clock.now() + timedelta(seconds=59))

    assert (taken, lease.holder_of(store, "pull:crm/contacts", clock.now())) == (False, "a")


def test_the_holder_renews_its_own_lease(store: Store, clock: ManualClock) -> None:
    lease.acquire(store, "n", "a", 60, clock.now())
    clock.advance(50)
    renewed = lease.acquire(store, "n", "a", 60, clock.now())
    clock.advance(50)

    taken_by_b = lease.acquire(store, "n", "b", 60, clock.now())

    assert (renewed, taken_by_b) == (True, False)


def test_an_expired_lease_goes_to_the_next_holder(store: Store, clock: ManualClock) -> None:
    lease.acquire(store, "n", "a", 60, clock.now())
    clock.advance(60)

    taken = lease.acquire(store, "n", "b", 60, clock.now())

    assert (taken, lease.holder_of(store, "n", clock.now())) == (True, "b")


def test_an_expired_lease_is_free(store: Store, clock: ManualClock) -> None:
    lease.acquire(store, "n", "a", 60, clock.now())

    actual = lease.holder_of(store, "n", clock.now() + timedelta(seconds=61))

    assert actual is None


def test_release_frees_the_lease_for_others(store: Store, clock: ManualClock) -> None:
    lease.acquire(store, "n", "a", 60, clock.now())

    released = lease.release(store, "n", "a")

    assert (released, lease.acquire(store, "n", "b", 60, clock.now())) == (True, True)


def test_release_by_a_former_holder_leaves_the_new_holder_alone(
    store: Store, clock: ManualClock
) -> None:
    lease.acquire(store, "n", "a", 60, clock.now())
    clock.advance(61)
    lease.acquire(store, "n", "b", 60, clock.now())

    released = lease.release(store, "n", "a")

    assert (released, lease.holder_of(store, "n", clock.now())) == (False, "b")


def test_leases_of_different_names_are_independent(store: Store, clock: ManualClock) -> None:
    lease.acquire(store, "pull:crm/contacts", "a", 60, clock.now())

    taken = lease.acquire(store, "push:crm/contacts", "b", 60, clock.now())

    assert taken is True


def test_acquire_works_inside_a_callers_transaction(store: Store, clock: ManualClock) -> None:
    with store.transaction() as conn:
        taken = lease.acquire(conn, "n", "a", 60, clock.now())

    assert (taken, lease.holder_of(store, "n", clock.now())) == (True, "a")


def test_many_threads_racing_for_a_free_lease_leave_exactly_one_winner(
    store: Store, clock: ManualClock
) -> None:
    contenders = 8
    start = threading.Barrier(contenders)

    def claim(holder: str) -> bool:
        start.wait()
        return lease.acquire(store, "pull:newsletter/members", holder, 60, clock.now())

    with ThreadPoolExecutor(contenders) as pool:
        results = list(pool.map(claim, [f"replica-{i}" for i in range(contenders)]))

    winner = lease.holder_of(store, "pull:newsletter/members", clock.now())
    assert (sum(results), results[int(str(winner).split("-")[1])]) == (1, True)


def test_hold_yields_the_lease_and_releases_it_after_the_block(
    store: Store, clock: ManualClock
) -> None:
    with lease.hold(store, "n", "a", 60, clock) as held:
        inside = lease.holder_of(store, "n", clock.now())

    assert (held is not None, inside, lease.holder_of(store, "n", clock.now())) == (True, "a", None)


def test_hold_yields_none_without_waiting_when_the_lease_is_taken(
    store: Store, clock: ManualClock
) -> None:
    lease.acquire(store, "n", "other", 60, clock.now())

    with lease.hold(store, "n", "a", 60, clock) as held:
        pass

    assert (held, lease.holder_of(store, "n", clock.now())) == (None, "other")


def test_hold_releases_the_lease_when_the_block_raises(store: Store, clock: ManualClock) -> None:
    with pytest.raises(RuntimeError), lease.hold(store, "n", "a", 60, clock):
        raise RuntimeError("work failed")

    assert lease.holder_of(store, "n", clock.now()) is None


def test_renewing_moves_the_expiry_so_long_work_keeps_its_lease(
    store: Store, clock: ManualClock
) -> None:
    with lease.hold(store, "n", "a", 60, clock) as held:
        assert held is not None
        clock.advance(45)
        renewed = held.renew()
        clock.advance(45)
        taken_by_b = lease.acquire(store, "n", "b", 60, clock.now())

    assert (renewed, taken_by_b, held.is_lost) == (True, False, False)


def test_a_lease_taken_over_after_expiry_is_reported_lost(store: Store, clock: ManualClock) -> None:
    with lease.hold(store, "n", "a", 60, clock) as held:
        assert held is not None
        clock.advance(61)
        lease.acquire(store, "n", "b", 60, clock.now())
        renewed = held.renew()

    assert (renewed, held.is_lost, lease.holder_of(store, "n", clock.now())) == (False, True, "b")


def _dead_holder(role: str = "cycle") -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    here = lease.process_holder(role)
    prefix, _, rest = here.partition("@")
    host, _pid, namespace = rest.split(":")
    return f"{prefix}@{host}:{child.pid}:{namespace}/0badc0de"


def test_a_lease_of_a_dead_process_of_this_host_is_taken_over_at_once(
    store: Store, clock: ManualClock
) -> None:
    dead = _dead_holder()
    lease.acquire(store, "push:crm/contacts", dead, 600, clock.now())

    with lease.hold(store, "push:crm/contacts", "me", 600, clock) as held:
        holder = lease.holder_of(store, "push:crm/contacts", clock.now())

    assert (held is not None, holder) == (True, "me")


def test_a_lease_of_a_live_process_or_of_another_host_is_left_alone(
    store: Store, clock: ManualClock
) -> None:
    living = lease.process_holder("daemon").replace(f":{os.getpid()}:", f":{os.getppid()}:")
    elsewhere = _dead_holder().replace(f"@{socket.gethostname()}:", "@another-host:")
    lease.acquire(store, "a", living, 600, clock.now())
    lease.acquire(store, "b", elsewhere, 600, clock.now())
    lease.acquire(store, "c", "a-name-of-no-known-form", 600, clock.now())

    with (
        lease.hold(store, "a", "me", 600, clock) as a,
        lease.hold(store, "b", "me", 600, clock) as b,
        lease.hold(store, "c", "me", 600, clock) as c,
    ):
        refused = (a, b, c)

    assert refused == (None, None, None)
    assert [lease.holder_of(store, n, clock.now()) for n in "abc"] == [
        living,
        elsewhere,
        "a-name-of-no-known-form",
    ]
