"""Client-side throttling: a token bucket per endpoint class, kept in step with the vendor.

The bucket is filled at the documented rate and corrected by what the vendor's limit headers
say is left, so we slow down *before* a 429. Retries remain the fallback, not the throttle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from connectors.base import Clock


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``limit`` requests per ``window_s`` seconds; ``headroom`` requests are left unused
    because daily and burst budgets are shared with other integrations on the account."""

    limit: int
    window_s: float
    headroom: int = 0


@dataclass(frozen=True, slots=True)
class LimitObservation:
    """What a response's limit headers say about the current window."""

    limit: int
    remaining: int
    window_s: float


LimitHeaderParser = Callable[[httpx.Headers], LimitObservation | None]


class TokenBucket:
    """Thread-safe token bucket; :meth:`acquire` waits on the injected clock."""

    def __init__(self, rate: RateLimit, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._capacity = float(max(1, rate.limit - rate.headroom))
        self._per_s = self._capacity / rate.window_s
        self._headroom = rate.headroom
        self._tokens = self._capacity
        self._stamp = clock.monotonic()

    def acquire(self) -> None:
        """Take one token, waiting until one is available."""
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                # At least a microsecond: float rounding can leave 0.99999… tokens, and a
                # sleep too short to move a clock would spin forever.
                wait_s = max((1.0 - self._tokens) / self._per_s, 1e-6)
            self._clock.sleep(wait_s)

    def observe(self, seen: LimitObservation) -> None:
        """Never believe we have more left than the vendor says (minus our headroom)."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, float(seen.remaining - self._headroom))

    def drain(self) -> None:
        """Empty the bucket after a 429: the window is spent, whatever we counted."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0)

    def _refill(self) -> None:
        now = self._clock.monotonic()
        self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._per_s)
        self._stamp = now


class RateLimiter:
    """One bucket per endpoint class (``default``, ``search``, ...) of one system."""

    def __init__(
        self,
        limits: dict[str, RateLimit],
        clock: Clock,
        parse_headers: LimitHeaderParser | None = None,
    ) -> None:
        self._buckets = {name: TokenBucket(rate, clock) for name, rate in limits.items()}
        self._parse = parse_headers

    def acquire(self, endpoint: str) -> None:
        bucket = self._buckets.get(endpoint) or self._buckets.get("default")
        if bucket is not None:
            bucket.acquire()

    def observe(self, endpoint: str, response: httpx.Response) -> None:
        bucket = self._buckets.get(endpoint) or self._buckets.get("default")
        if bucket is None:
            return
        if response.status_code == 429:
            bucket.drain()
            return
        seen = self._parse(response.headers) if self._parse else None
        if seen is not None:
            bucket.observe(seen)
