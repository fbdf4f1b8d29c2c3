"""A run killed with SIGKILL is shown as interrupted, and the next run closes it as such."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

import pytest

from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import Fault
from sync.cycle import run_cycle
from sync.demo.world import World
from sync.runtime import Runtime
from sync.store import journal


def crmsync_status(world: World, *args: str) -> str:
    """``crmsync status`` in its own process, as an operator runs it."""
    command = [sys.executable, "-m", "sync", "status", *args, "--config", str(world.config_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def killed_run(world: World, seeded: dict[str, list[str]], runtime: Runtime) -> int:
    """The id of a ``python -m sync run`` killed with SIGKILL while it read the CRM."""
    release = threading.Event()
    fault = Fault(
        status=503, method="GET", path_prefix="/crm/v3/objects/", after_apply=True, hold=release
    )
    world.sandboxes["crm"].inject(fault)
    command = [sys.executable, "-m", "sync", "run", "--config", str(world.config_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert fault.applied.wait(timeout=120), "the run never reached the CRM read"
        process.kill()
        process.wait(timeout=60)
    finally:
        release.set()
    with runtime.store.transaction() as conn:
        (run,) = journal.recent_runs(conn)
    return int(run["id"])


def status_cell(text: str, run_id: int) -> str:
    """The status column of run ``run_id`` in ``crmsync status``'s table."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 3 and cells[1] == str(run_id):
            return cells[3]
    raise AssertionError(f"run {run_id} is not in the table")


def stored_runs(runtime: Runtime) -> dict[int, dict[str, Any]]:
    with runtime.store.transaction() as conn:
        return {r["id"]: r for r in journal.recent_runs(conn)}


def test_status_shows_a_killed_run_as_interrupted_and_writes_nothing(
    world: World, runtime: Runtime, killed_run: int
) -> None:
    shown = json.loads(crmsync_status(world, "--json"))
    table = crmsync_status(world)

    assert [(r["id"], r["status"], r["error"]) for r in shown["runs"]] == [
        (killed_run, "interrupted", journal.INTERRUPTED_ERROR)
    ]
    assert status_cell(table, killed_run) == "interrupted"
    assert [lease["holder_ended"] for lease in shown["leases"]] == [True]
    assert "(its process has ended)" in table
    assert stored_runs(runtime)[killed_run]["status"] == "running"


def test_the_next_run_closes_a_killed_run_as_interrupted(
    world: World, runtime: Runtime, killed_run: int, clock: ManualClock
) -> None:
    clock.advance(60)

    report = run_cycle(runtime)

    runs = stored_runs(runtime)
    killed = runs[killed_run]
    assert (killed["status"], killed["error"]) == ("interrupted", journal.INTERRUPTED_ERROR)
    assert killed["finished_at"] is not None
    assert [r["status"] for i, r in runs.items() if i != killed_run] == ["ok"]
    assert report.ok
    assert status_cell(crmsync_status(world), killed_run) == "interrupted"
