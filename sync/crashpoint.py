"""Deterministic crash points for the fault tests: inert unless ``CRMSYNC_CRASH_AT`` is set.

``CRMSYNC_CRASH_AT=push.sent:3`` kills this process with SIGKILL the third time the engine
reaches the point ``push.sent`` — a crash at an exact place inside a step, where a timer
would be too coarse. Production never sets the variable; reaching a point then costs one
dictionary look-up.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

ENV = "CRMSYNC_CRASH_AT"
POINTS = (
    "pull.page_read",
    "pull.staged",
    "pull.resolved",
    "pull.before_checkpoint",
    "pull.page_committed",
    "cycle.pulled",
    "push.planned",
    "push.sent",
    "push.recorded",
    "cycle.before_finish",
)
"""Every point the engine reaches, in the order of a cycle."""
_reached: Counter[str] = Counter()
_lock = threading.Lock()


def reach(point: str) -> None:
    """Kill this process if ``CRMSYNC_CRASH_AT`` names ``point`` and this is the n-th time."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != point:
        return
    with _lock:
        _reached[point] += 1
        count = _reached[point]
    if count == int(nth or "1"):
        os.kill(os.getpid(), signal.SIGKILL)
