"""The status-code table: which HTTP answer means retry, fix credentials, or hand back."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

import httpx

_SECONDS = re.compile(r"\d+(\.\d+)?")


class Action(StrEnum):
    """What the toolkit does with a response before a connector sees it."""

    RETURN = "return"
    RETRY = "retry"
    THROTTLED = "throttled"
    AUTH = "auth"


def classify(status: int) -> Action:
    """Map a status code to an action; 4xx other than auth and 429 go back to the connector.

    Vendors put record-level meaning into 400/404/409 (compliance state, unknown id), so only
    the connector can decide what those mean.
    """
    if status == 429:
        return Action.THROTTLED
    if status in (401, 403):
        return Action.AUTH
    if status >= 500:
        return Action.RETRY
    return Action.RETURN


def retry_after_s(response: httpx.Response, now: datetime | None = None) -> float | None:
    """The ``Retry-After`` hint in seconds: delay-seconds or an HTTP-date (RFC 9110, 10.2.3).

    A date counts from the response's own ``Date`` (the vendor's clock, so our clock's skew
    does not matter), else from ``now``; a date already past means 0. Anything else, or a
    date with neither ``Date`` nor ``now`` to count from, is no hint (None).
    """
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    text = raw.strip()
    if _SECONDS.fullmatch(text):
        return float(text)  # delay-seconds; a fraction is tolerated, as some vendors send it
    until = _http_date(text)
    base = _http_date(response.headers.get("date", "")) or now
    if until is None or base is None:
        return None
    return max(0.0, (until - base).total_seconds())


def _http_date(raw: str) -> datetime | None:
    """An HTTP-date (IMF-fixdate or an obsolete form) as an aware datetime, or None."""
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
