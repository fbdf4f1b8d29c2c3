"""What a step depends on: a push never acts on a view of a system that was not fully read.

The rule, applied alike by ``crmsync run``, ``resync`` and the daemon's jobs:

- a push to a target needs the last pull of every stream of the target's system to have
  completed (a failed, stopped or killed pull, or none yet, refuses the push: it would
  create again what it has not read and overwrite values with stale ones);
- a create, in any target, also needs the leader's streams completely pulled (whether the
  customer already exists there is decided against the leader's records);
- a pull of a non-leader stream waits while another process or thread pulls the leader, and
  a push while another pulls any stream, so neither acts on a half-loaded store; a push to
  another target waits while the leader is pushed to elsewhere, so it carries the ids of
  the records that push creates, as it would in one cycle.

The state of each stream's last pull is recorded in the store (``journal.mark_pull``) and
the lease of a running pull names its holder, so the rule holds across processes. Waiting is
bounded; a step still blocked after it is reported as not done.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import structlog

from sync import lease
from sync.runtime import Runtime, Stream
from sync.store import journal

log = structlog.get_logger("sync.gate")
DEPENDENCY_WAIT_S = 600.0
"""How long a step waits for another process's pull it depends on before giving up."""
POLL_S = 0.25
RUNNING, OK = "running", "ok"
NEVER = "never pulled"


@dataclass(frozen=True)
class Clearance:
    """Whether a push may run, whether it may create records, and why not.

    ``is_failure`` tells a pull that failed, stopped or was killed (the run failed) from one
    that has not happened yet (a daemon's first minutes: the step simply waits its turn)."""

    push: bool
    creates: bool
    reason: str | None = None
    is_failure: bool = False


def clear_push(
    rt: Runtime,
    target: Stream,
    holder: str,
    *,
    failed: Collection[tuple[str, str]] = (),
    wait_s: float = DEPENDENCY_WAIT_S,
) -> Clearance:
    """Check (waiting for running pulls of others) what a push to ``target`` may do now.

    ``failed`` names the streams whose pull failed in the caller's own run."""
    loading = next((s for s in rt.streams if not _wait(rt, s, holder, wait_s)), None)
    if loading is not None:
        reason = f"{_key(loading)} is still being pulled elsewhere"
        return Clearance(False, False, reason, is_failure=True)
    own = _incomplete(rt, _readable(rt, target.system), holder, failed, wait_s)
    if own:
        return Clearance(False, False, f"the last pull of {own} did not complete", _failed(own))
    leader = rt.leader()
    if leader is None or leader == target.system:
        return Clearance(True, True)
    behind = next((s for s in _readable(rt, leader) if not _wait_push(rt, s, holder, wait_s)), None)
    if behind is not None:
        reason = f"the push to {_key(behind)} is still running elsewhere"
        return Clearance(False, False, reason, is_failure=True)
    theirs = _incomplete(rt, _readable(rt, leader), holder, failed, wait_s)
    if theirs:
        reason = f"creates held back: the last pull of {theirs} did not complete"
        return Clearance(True, False, reason, _failed(theirs))
    return Clearance(True, True)


def _failed(state: str) -> bool:
    return not state.endswith(f"({NEVER})")


def note(errors: dict[str, str], held: dict[str, str], step: str, clearance: Clearance) -> None:
    """Enter a push held back, wholly or its creates, in a run's report: as an error when a
    pull failed, as held when it has not happened yet."""
    if clearance.reason is None:
        return
    if clearance.is_failure:
        done = "partly done" if clearance.push else "not done"
        errors[step] = f"{done}: {clearance.reason}"
    else:
        held[step] = clearance.reason
    log.warning(
        "gate.push_held", step=step, failure=clearance.is_failure, creates=clearance.creates
    )


def leader_pulled(rt: Runtime) -> bool:
    """Whether every stream of the leader completed its last pull: CRM merges, which write
    to the leader, need its records as the leader holds them."""
    leader = rt.leader()
    with rt.store.transaction() as conn:
        return all(
            journal.pull_status(conn, s.system, s.name) == OK for s in _readable(rt, leader or "")
        )


def wait_for_leader(
    rt: Runtime, stream: Stream, holder: str, wait_s: float = DEPENDENCY_WAIT_S
) -> str | None:
    """Before pulling a non-leader stream, wait while another holder pulls the leader, so
    records are resolved against the leader's as in one cycle; returns what still runs."""
    leader = rt.leader()
    if leader is None or stream.system == leader:
        return None
    for s in _readable(rt, leader):
        if not _wait(rt, s, holder, wait_s):
            return _key(s)
    return None


def _incomplete(
    rt: Runtime,
    streams: Iterable[Stream],
    holder: str,
    failed: Collection[tuple[str, str]],
    wait_s: float,
) -> str | None:
    """The first stream whose last pull did not complete, with its state; None if all did."""
    for s in streams:
        if s.key in failed:
            return f"{_key(s)} (failed in this run)"
        if not _wait(rt, s, holder, wait_s):
            return f"{_key(s)} (still running elsewhere)"
        with rt.store.transaction() as conn:
            status = journal.pull_status(conn, s.system, s.name)
        if status != OK:
            return f"{_key(s)} ({status or NEVER})"
    return None


def _wait(rt: Runtime, stream: Stream, holder: str, wait_s: float) -> bool:
    """Wait while another live holder pulls ``stream``; False if it still does after
    ``wait_s`` (or the runtime is stopping)."""
    return _wait_while(rt, lambda: _pulled_elsewhere(rt, stream, holder), stream, wait_s)


def _wait_while(rt: Runtime, busy: Callable[[], bool], stream: Stream, wait_s: float) -> bool:
    for n in range(max(1, int(wait_s / POLL_S))):
        if not busy():
            return True
        if n == 0:
            log.info("gate.waiting", system=stream.system, stream=stream.name)
        if rt.stopping.wait(POLL_S):
            return False
    return not busy()


def _wait_push(rt: Runtime, stream: Stream, holder: str, wait_s: float) -> bool:
    """Wait while another live holder pushes to ``stream``; False if it still does."""
    return _wait_while(rt, lambda: _pushed_elsewhere(rt, stream, holder), stream, wait_s)


def _pushed_elsewhere(rt: Runtime, stream: Stream, holder: str) -> bool:
    other = lease.holder_of(rt.store, lease.push_lease(stream), rt.clock.now())
    return other is not None and other != holder and not lease.is_dead_process(other)


def _pulled_elsewhere(rt: Runtime, stream: Stream, holder: str) -> bool:
    with rt.store.transaction() as conn:
        status = journal.pull_status(conn, stream.system, stream.name)
    if status != RUNNING:
        return False
    other = lease.holder_of(rt.store, lease.pull_lease(stream), rt.clock.now())
    return other is not None and other != holder and not lease.is_dead_process(other)


def _readable(rt: Runtime, system: str) -> list[Stream]:
    return [s for s in rt.streams if s.system == system]


def _key(stream: Stream) -> str:
    return f"{stream.system}/{stream.name}"
