"""Two runners on one store: two ``crmsync run`` at once, one started while the other pulls,
and one beside a daemon all end as one runner does — same records in both vendors, same
customers — on SQLite and PostgreSQL."""

from __future__ import annotations

import signal
from typing import Any

from outside import LogWatch, OutsideWorld


def _finish(world: OutsideWorld, reference: dict[str, Any]) -> None:
    """Two more cycles, then the world must equal the reference's."""
    for _ in range(2):
        world.run("run")
    state = world.state()
    assert state["duplicates"] == []
    assert state["crm"] == reference["vendors"]["crm"]
    assert state["newsletter"] == reference["vendors"]["newsletter"]
    assert world.store()["customers"] == reference["store"]["customers"]


def _ended(*runs: LogWatch) -> list[int]:
    return [run.end() for run in runs]


def test_two_runs_started_together_end_as_one_run(
    disturbed: OutsideWorld, reference: dict[str, Any]
) -> None:
    first, second = disturbed.start("run"), disturbed.start("run")
    exits = _ended(first, second)

    assert set(exits) <= {0, 1}, "a run ends, at worst saying which step the other one did"
    _finish(disturbed, reference)


def test_a_run_started_while_another_pulls_the_newsletter_ends_as_one_run(
    disturbed: OutsideWorld, reference: dict[str, Any]
) -> None:
    first = disturbed.start("run", log_level="info")
    first.wait_for("pull.page_taken", count=7)  # the CRM's 5 groups and 2 more
    second = disturbed.start("run")
    _ended(first, second)

    _finish(disturbed, reference)


def test_a_run_beside_the_daemon_ends_as_one_runner(
    disturbed: OutsideWorld, reference: dict[str, Any]
) -> None:
    daemon = disturbed.start("daemon", "--port", "0", log_level="info")
    daemon.wait_for("pull.page_taken")
    run = disturbed.run("run")
    daemon.wait_for("job.finished", count=2)
    daemon.process.send_signal(signal.SIGTERM)
    _ended(daemon)

    assert run.returncode in (0, 1), run.stderr[-2000:]
    _finish(disturbed, reference)
