"""The status-code table: which HTTP answer means retry, fix credentials, or hand back."""

from __future__ import annotations

from enum import StrEnum

import httpx


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


def retry_after_s(response: httpx.Response) -> float | None:
    """The ``Retry-After`` hint in seconds, when the vendor sent one as a number."""
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None
