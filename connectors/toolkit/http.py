"""The HTTP client every connector uses: auth, timeouts, throttling, retries and error types.

A connector describes its vendor once in a :class:`ClientSpec`; :class:`VendorClient` then
sends requests through the rate limiter and the retry policy and turns transport faults,
401/403, 429 and 5xx into the typed errors of :mod:`connectors.base`. Every other status is
handed back, because its meaning (a compliance state, an unknown id) is vendor knowledge.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import structlog

from connectors.base import (
    AuthError,
    ConnectorDeps,
    HttpPolicy,
    RateLimitedError,
    TransientError,
)
from connectors.toolkit.errors import Action, classify, retry_after_s
from connectors.toolkit.ratelimit import LimitHeaderParser, RateLimit, RateLimiter
from connectors.toolkit.retry import RetryableFault, call_with_retries

log = structlog.get_logger("connectors.http")

RetryHint = Callable[[httpx.Response, datetime], float | None]
"""The wait a refused answer asks for, in seconds; ``datetime`` is our clock's now, for an
HTTP-date hint from a vendor that sends no ``Date``."""


@dataclass(frozen=True)
class ClientSpec:
    """What the toolkit needs to know about one vendor's HTTP API."""

    base_url: str
    auth: httpx.Auth | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    rate_limits: Mapping[str, RateLimit] = field(default_factory=dict)
    parse_limit_headers: LimitHeaderParser | None = None
    retry_hint: RetryHint = retry_after_s
    max_concurrent: int | None = None


class VendorClient:
    """A throttled, retrying ``httpx.Client`` for one configured system. Thread-safe."""

    def __init__(self, system: str, spec: ClientSpec, policy: HttpPolicy, deps: ConnectorDeps):
        self._system = system
        self._spec = spec
        self._policy = policy
        self._clock = deps.clock
        self._limiter = RateLimiter(dict(spec.rate_limits), deps.clock, spec.parse_limit_headers)
        self._slots = threading.BoundedSemaphore(spec.max_concurrent or 64)
        self.http = httpx.Client(
            base_url=spec.base_url,
            auth=spec.auth,
            headers=dict(spec.headers),
            timeout=httpx.Timeout(policy.timeout_s),
            transport=deps.transport,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        endpoint: str = "default",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; returns any response that is not a fault the toolkit owns.

        Raises :class:`AuthError` on 401/403, :class:`RateLimitedError` when 429s outlast
        the retry budget, :class:`TransientError` when network faults or 5xx do.
        """

        def attempt() -> httpx.Response:
            return self._send_once(method, path, endpoint, params, json, data, headers)

        try:
            return call_with_retries(attempt, self._policy, self._clock)
        except RetryableFault as fault:
            log.warning("http.gave_up", system=self._system, endpoint=endpoint, status=fault.status)
            if fault.status == 429:
                raise RateLimitedError(str(fault), retry_after_s=fault.hint_s) from None
            raise TransientError(str(fault), status=fault.status) from None

    def close(self) -> None:
        self.http.close()

    def _send_once(
        self,
        method: str,
        path: str,
        endpoint: str,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        self._limiter.acquire(endpoint)
        with self._slots:
            try:
                response = self.http.request(
                    method, path, params=params, json=json, data=data, headers=headers
                )
            except httpx.TransportError as exc:
                fault = type(exc).__name__
                log.info("http.retry", system=self._system, endpoint=endpoint, fault=fault)
                raise RetryableFault(f"{fault} talking to {self._system}") from None
        self._limiter.observe(endpoint, response)
        return self._judge(response, endpoint)

    def _judge(self, response: httpx.Response, endpoint: str) -> httpx.Response:
        action = classify(response.status_code)
        if action is Action.RETURN:
            return response
        status = response.status_code
        if action is Action.AUTH:
            message = f"{self._system} refused the credentials (HTTP {status})"
            raise AuthError(message, status=status)
        log.info("http.retry", system=self._system, endpoint=endpoint, status=status)
        hint = self._spec.retry_hint(response, self._clock.now())
        raise RetryableFault(f"{self._system} answered HTTP {status}", status=status, hint_s=hint)
