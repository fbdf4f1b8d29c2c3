"""How the toolkit's HTTP client talks to HubSpot: bearer auth, two rate buckets, limit headers.

Ordinary calls share the ten-secondly burst limit and report it in ``X-HubSpot-RateLimit-*``
headers; search has its own per-second limit and sends no headers
(https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines).
HubSpot documents no ``Retry-After`` on 429, so a throttled call waits out the interval.
"""

from __future__ import annotations

from datetime import datetime

import httpx

from connectors.base import ConfigurationError, ConnectorSettings
from connectors.hubspot.options import HubSpotOptions
from connectors.toolkit.auth import BearerAuth
from connectors.toolkit.errors import retry_after_s
from connectors.toolkit.http import ClientSpec
from connectors.toolkit.ratelimit import LimitObservation, RateLimit

SEARCH = "search"
DAILY_BACKOFF_S = 3600.0


def client_spec(settings: ConnectorSettings, options: HubSpotOptions) -> ClientSpec:
    token = settings.credentials.get("token")
    if token is None:
        raise ConfigurationError(f"{settings.name}: credentials.token is required")
    return ClientSpec(
        base_url=settings.base_url,
        auth=BearerAuth(token),
        headers={"Accept": "application/json"},
        rate_limits={
            "default": RateLimit(options.rate_limit, options.rate_window_s, options.rate_headroom),
            SEARCH: RateLimit(options.search_rate_limit, options.search_rate_window_s),
        },
        parse_limit_headers=parse_limit_headers,
        retry_hint=retry_hint,
    )


def parse_limit_headers(headers: httpx.Headers) -> LimitObservation | None:
    """The burst window as ``X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds`` say."""
    try:
        return LimitObservation(
            limit=int(headers["x-hubspot-ratelimit-max"]),
            remaining=int(headers["x-hubspot-ratelimit-remaining"]),
            window_s=int(headers["x-hubspot-ratelimit-interval-milliseconds"]) / 1000,
        )
    except (KeyError, ValueError):
        return None


def retry_hint(response: httpx.Response, now: datetime | None = None) -> float | None:
    """``Retry-After`` when sent (seconds or an HTTP-date, see :func:`retry_after_s`); after a
    429 otherwise the length of the window that was hit.

    A spent daily budget asks for an hour, which outlasts the retry budget: the call gives
    up with :class:`RateLimitedError` and the scheduler comes back later.
    """
    hinted = retry_after_s(response, now)
    if hinted is not None or response.status_code != 429:
        return hinted
    if _policy(response) == "DAILY":
        return DAILY_BACKOFF_S
    interval = response.headers.get("x-hubspot-ratelimit-interval-milliseconds", "")
    if interval.isdigit():
        return int(interval) / 1000
    if response.request.url.path.endswith("/search"):
        return 1.0
    return None


def _policy(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("policyName") if isinstance(body, dict) else None
