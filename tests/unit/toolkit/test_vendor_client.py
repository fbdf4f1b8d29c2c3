"""The shared HTTP client: retries bounded by attempts and total wait, Retry-After honoured,
typed errors, and throttling from the vendor's limit headers (transport faked by httpx)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from connectors.base import (
    AuthError,
    ConnectorDeps,
    HttpPolicy,
    RateLimitedError,
    TransientError,
)
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.http import ClientSpec, VendorClient
from connectors.toolkit.ratelimit import LimitObservation, RateLimit

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, clock: ManualClock, **spec: object) -> VendorClient:
    deps = ConnectorDeps(transport=httpx.MockTransport(handler), clock=clock)
    policy = HttpPolicy(timeout_s=5, max_attempts=4, max_retry_s=60)
    return VendorClient("vendor", ClientSpec(base_url="https://api.test", **spec), policy, deps)  # type: ignore[arg-type]


def answers(*responses: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    queue, seen = list(responses), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    return handler, seen


def test_retry_after_is_honoured_then_success() -> None:
    clock = ManualClock()
    handler, seen = answers(
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={"ok": 1})
    )

    response = client(handler, clock).request("GET", "/things")

    assert response.json() == {"ok": 1}
    assert len(seen) == 2
    assert clock.slept == [7.0]


def test_server_errors_stop_after_max_attempts() -> None:
    clock = ManualClock()
    handler, seen = answers(*[httpx.Response(503) for _ in range(10)])

    with pytest.raises(TransientError) as caught:
        client(handler, clock).request("GET", "/things")

    assert caught.value.status == 503
    assert len(seen) == 4


def test_total_wait_budget_stops_retries_before_attempts_run_out() -> None:
    clock = ManualClock()
    handler, seen = answers(*[httpx.Response(429, headers={"Retry-After": "50"}) for _ in range(4)])

    with pytest.raises(RateLimitedError) as caught:
        client(handler, clock).request("GET", "/things")

    assert len(seen) == 2
    assert sum(clock.slept) <= 60
    assert caught.value.retry_after_s == 50


def test_network_faults_are_retried() -> None:
    clock = ManualClock()
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200)

    assert client(handler, clock).request("GET", "/x").status_code == 200
    assert len(calls) == 2


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_raise_auth_error_without_retry(status: int) -> None:
    handler, seen = answers(httpx.Response(status), httpx.Response(200))

    with pytest.raises(AuthError):
        client(handler, ManualClock()).request("GET", "/x")

    assert len(seen) == 1


def test_other_client_errors_are_handed_back_to_the_connector() -> None:
    handler, _ = answers(httpx.Response(400, json={"title": "Member In Compliance State"}))

    response = client(handler, ManualClock()).request("POST", "/x", json={})

    assert response.status_code == 400


def test_limit_headers_slow_us_down_before_a_429() -> None:
    clock = ManualClock()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"X-Remaining": "0"})

    def parse(headers: httpx.Headers) -> LimitObservation | None:
        return LimitObservation(limit=10, remaining=int(headers["X-Remaining"]), window_s=10)

    vendor = client(
        handler, clock, rate_limits={"default": RateLimit(10, 10.0)}, parse_limit_headers=parse
    )

    vendor.request("GET", "/a")
    vendor.request("GET", "/b")

    assert clock.slept, "the second request should have waited for the window to refill"
    assert clock.slept[0] == pytest.approx(1.0)
