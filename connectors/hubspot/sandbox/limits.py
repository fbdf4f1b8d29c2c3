"""HubSpot's request limits: a ten-secondly burst and a daily budget, and search's own limit.

Ordinary calls carry ``X-HubSpot-RateLimit-*`` headers; search calls carry none and have
their own per-second limit. A throttled call gets 429 with ``errorType: RATE_LIMIT`` and the
name of the policy that was hit. Windows are measured on the injected clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from connectors.base import Clock
from connectors.hubspot.sandbox.errors import ApiError
from connectors.toolkit.timestamps import to_epoch_ms


@dataclass(frozen=True, slots=True)
class RateConfig:
    """Defaults are the Professional tier's documented limits."""

    burst: int = 190
    burst_window_s: float = 10.0
    daily: int = 625_000
    search: int = 5
    search_window_s: float = 1.0


class _Window:
    """A fixed window counter: at most ``limit`` calls per ``length_ms``."""

    def __init__(self, limit: int, length_ms: int) -> None:
        self.limit = limit
        self.length_ms = max(1, length_ms)
        self._slot = -1
        self.used = 0

    def take(self, now_ms: int) -> bool:
        slot = now_ms // self.length_ms
        if slot != self._slot:
            self._slot, self.used = slot, 0
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def remaining(self) -> int:
        return max(0, self.limit - self.used)


class RateLimits:
    """Counts calls per endpoint class and refuses the ones over a limit."""

    def __init__(self, config: RateConfig, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._burst = _Window(config.burst, int(config.burst_window_s * 1000))
        self._daily = _Window(config.daily, 86_400_000)
        self._search = _Window(config.search, int(config.search_window_s * 1000))

    def admit(self, *, is_search: bool) -> dict[str, str]:
        """The limit headers for an admitted call; raises a 429 :class:`ApiError` otherwise."""
        now_ms = to_epoch_ms(self._clock.now())
        with self._lock:
            if is_search:
                if not self._search.take(now_ms):
                    raise _throttled("SECONDLY", "secondly", {})
                return {}
            if not self._daily.take(now_ms):
                raise _throttled("DAILY", "daily", self._headers())
            if not self._burst.take(now_ms):
                raise _throttled("TEN_SECONDLY_ROLLING", "ten_secondly_rolling", self._headers())
            return self._headers()

    def _headers(self) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Daily": str(self._daily.limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(self._daily.remaining()),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(self._burst.length_ms),
            "X-HubSpot-RateLimit-Max": str(self._burst.limit),
            "X-HubSpot-RateLimit-Remaining": str(self._burst.remaining()),
        }


def _throttled(policy: str, window: str, headers: dict[str, str]) -> ApiError:
    message = f"You have reached your {window} limit."
    return ApiError(
        429, "RATE_LIMITS", message, headers=headers, errorType="RATE_LIMIT", policyName=policy
    )
