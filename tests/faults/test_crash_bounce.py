"""Crash bounce: ``crmsync run`` killed with SIGKILL at points spread over pull, resolve,
checkpoint and push, then run to the end: the vendors end as an uninterrupted run leaves them.
"""

from __future__ import annotations

from typing import Any

from outside import OutsideWorld, write_calls

from sync.crashpoint import POINTS

KILLS = (
    "pull.page_read:2",
    "pull.staged:3",
    "pull.resolved:2",
    "pull.before_checkpoint:3",
    "pull.page_committed:2",
    "pull.resolved:4",
    "cycle.pulled:1",
    "push.planned:1",
    "push.sent:1",
    "push.recorded:2",
    "push.sent:3",
    "cycle.before_finish:1",
)
"""Where each run is killed, in order; each next run resumes where the last one died."""
KILLED = -9


def test_the_kill_points_exist_in_the_engine() -> None:
    assert {k.split(":")[0] for k in KILLS} <= set(POINTS)


def test_runs_killed_at_twelve_points_end_as_an_uninterrupted_run(
    disturbed: OutsideWorld, reference: dict[str, Any]
) -> None:
    exits = [disturbed.run("run", crash_at=point).returncode for point in KILLS]
    final = disturbed.run("run")
    before_quiet = write_calls(disturbed)
    quiet = disturbed.run("run")

    state = disturbed.state()
    assert exits == [KILLED] * len(KILLS), "every run died at its point"
    assert (final.returncode, quiet.returncode) == (0, 0), final.stderr[-2000:]
    assert write_calls(disturbed) == before_quiet, "the no-change cycle writes nothing"
    assert state["duplicates"] == []
    assert state["crm"] == reference["vendors"]["crm"]
    assert state["newsletter"] == reference["vendors"]["newsletter"]
    assert disturbed.store()["customers"] == reference["store"]["customers"]
