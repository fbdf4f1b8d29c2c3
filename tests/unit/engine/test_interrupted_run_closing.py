"""Runs left ``running`` by a process that ended are closed, and shown, as interrupted."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from connectors.toolkit.clock import ManualClock
from sync import lease, views
from sync.store import journal
from sync.store.sql import Store


@pytest.fixture
def dead_holder() -> str:
    """The holder name a run of a process that has ended would carry (spawned and reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=60)
    role_host, _, namespace = lease.process_holder("cycle").rpartition(":")
    role_host = role_host.rpartition(":")[0]
    return lease.one_run(f"{role_host}:{child.pid}:{namespace}")


def test_a_run_whose_process_ended_is_closed_as_interrupted(
    engine: Engine, clock: ManualClock, dead_holder: str
) -> None:
    store = Store(engine)
    with store.transaction() as conn:
        run_id = journal.start_run(conn, "cycle", clock.now(), holder=dead_holder)
    clock.advance(300)

    with store.transaction() as conn:
        closed = journal.close_interrupted_runs(conn, clock.now(), lease.is_dead_process)
        (run,) = journal.recent_runs(conn)

    assert closed == [run_id]
    assert (run["status"], run["error"]) == ("interrupted", journal.INTERRUPTED_ERROR)
    assert run["finished_at"] == clock.now()
    assert run["started_at"] == clock.now() - timedelta(seconds=300)


def test_runs_of_living_or_unknown_processes_and_finished_runs_are_left_alone(
    engine: Engine, clock: ManualClock, dead_holder: str
) -> None:
    store = Store(engine)
    alive = lease.one_run(lease.process_holder("cycle"))
    elsewhere = "cycle@another-host:4242:4026531836"
    with store.transaction() as conn:
        for holder in (alive, elsewhere, None):
            journal.start_run(conn, "cycle", clock.now(), holder=holder)
        done = journal.start_run(conn, "cycle", clock.now(), holder=dead_holder)
        journal.finish_run(conn, done, "ok", {}, clock.now())

    with store.transaction() as conn:
        closed = journal.close_interrupted_runs(conn, clock.now(), lease.is_dead_process)
        runs = journal.recent_runs(conn)

    assert closed == []
    assert [r["status"] for r in runs] == ["ok", "running", "running", "running"]


def test_closing_twice_closes_once(engine: Engine, clock: ManualClock, dead_holder: str) -> None:
    store = Store(engine)
    with store.transaction() as conn:
        journal.start_run(conn, "stream", clock.now(), holder=dead_holder)
        first = journal.close_interrupted_runs(conn, clock.now(), lease.is_dead_process)
    clock.advance(60)

    with store.transaction() as conn:
        second = journal.close_interrupted_runs(conn, clock.now(), lease.is_dead_process)
        (run,) = journal.recent_runs(conn)

    assert (len(first), second) == (1, [])
    assert run["finished_at"] == clock.now() - timedelta(seconds=60)


def test_status_shows_a_dead_processs_run_as_interrupted_without_writing(
    engine: Engine, clock: ManualClock, dead_holder: str
) -> None:
    store = Store(engine)
    with store.transaction() as conn:
        dead = journal.start_run(conn, "cycle", clock.now(), holder=dead_holder)
        living = journal.start_run(conn, "cycle", clock.now(), holder=lease.process_holder("x"))

    with store.transaction() as conn:
        shown = {r["id"]: r for r in views.status(conn)["runs"]}
        stored = {r["id"]: r["status"] for r in journal.recent_runs(conn)}

    assert (shown[dead]["status"], shown[dead]["error"]) == (
        "interrupted",
        journal.INTERRUPTED_ERROR,
    )
    assert shown[living]["status"] == "running"
    assert stored == {dead: "running", living: "running"}
