"""The one retry policy for transient HTTP faults, bounded by attempts *and* total wait.

Network faults, 429 and 5xx are retried here and nowhere else. A vendor's ``Retry-After``
(or its own hint) sets the wait; otherwise exponential back-off with jitter. Sleeping goes
through the injected clock, so tests retry instantly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import tenacity

from connectors.base import Clock, HttpPolicy

T = TypeVar("T")


class RetryableFault(Exception):
    """Raised inside a retried attempt; ``hint_s`` is the vendor's requested wait, if any."""

    def __init__(self, reason: str, *, status: int | None = None, hint_s: float | None = None):
        super().__init__(reason)
        self.status = status
        self.hint_s = hint_s


_backoff = tenacity.wait_exponential(multiplier=0.5, max=30.0) + tenacity.wait_random(0, 0.5)


def _wait(state: tenacity.RetryCallState) -> float:
    fault = state.outcome.exception() if state.outcome else None
    if isinstance(fault, RetryableFault) and fault.hint_s is not None:
        return fault.hint_s
    return float(_backoff(state))


class _StopAfterTotalWait(tenacity.stop.stop_base):
    """Stop before a wait would take the total time slept past the budget."""

    def __init__(self, limit_s: float) -> None:
        self._limit_s = limit_s

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        return state.idle_for + (state.upcoming_sleep or 0.0) > self._limit_s


def call_with_retries(attempt: Callable[[], T], policy: HttpPolicy, clock: Clock) -> T:
    """Run ``attempt`` until it returns, retrying :class:`RetryableFault`.

    When the attempts or the total wait budget run out, the last :class:`RetryableFault`
    is re-raised for the caller to translate into a typed connector error.
    """
    retrying = tenacity.Retrying(
        sleep=clock.sleep,
        stop=tenacity.stop_after_attempt(policy.max_attempts)
        | _StopAfterTotalWait(policy.max_retry_s),
        wait=_wait,
        retry=tenacity.retry_if_exception_type(RetryableFault),
        reraise=True,
    )
    return retrying(attempt)
