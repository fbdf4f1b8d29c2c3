"""``Retry-After`` in both forms RFC 9110 allows: delay-seconds and an HTTP-date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from connectors.base import ConnectorDeps, HttpPolicy
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.errors import retry_after_s
from connectors.toolkit.http import ClientSpec, VendorClient

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def http_date(value: datetime) -> str:
    return format_datetime(value, usegmt=True)


def answer(headers: dict[str, str]) -> httpx.Response:
    return httpx.Response(429, headers=headers)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": " 120 "}, 120.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After": http_date(NOW + timedelta(seconds=30)), "Date": http_date(NOW)}, 30.0),
        ({"Retry-After": http_date(NOW - timedelta(seconds=30)), "Date": http_date(NOW)}, 0.0),
        ({"Retry-After": "Sun, 01 Mar 2026 12:00:45 GMT", "Date": http_date(NOW)}, 45.0),
        ({"Retry-After": "Sunday, 01-Mar-26 12:00:45 GMT", "Date": http_date(NOW)}, 45.0),
        ({"Retry-After": "Sun Mar  1 12:00:45 2026", "Date": http_date(NOW)}, 45.0),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-3"}, None),
        ({"Retry-After": ""}, None),
        ({}, None),
    ],
)
def test_both_forms_are_read_and_garbage_is_no_hint(
    headers: dict[str, str], expected: float | None
) -> None:
    assert retry_after_s(answer(headers), NOW) == expected


def test_a_date_counts_from_the_vendors_date_not_from_our_clock() -> None:
    vendor_now = NOW + timedelta(minutes=5)  # our clock runs five minutes behind the vendor's
    headers = {
        "Retry-After": http_date(vendor_now + timedelta(seconds=20)),
        "Date": http_date(vendor_now),
    }

    assert retry_after_s(answer(headers), NOW) == 20.0


def test_a_date_without_the_vendors_date_counts_from_our_clock() -> None:
    headers = {"Retry-After": http_date(NOW + timedelta(seconds=12))}

    assert retry_after_s(answer(headers), NOW) == 12.0
    assert retry_after_s(answer(headers)) is None, "nothing to count from"


def test_the_client_waits_as_long_as_a_date_asks() -> None:
    clock = ManualClock(NOW)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            until = http_date(clock.now() + timedelta(seconds=42))
            return httpx.Response(429, headers={"Retry-After": until})  # no Date: our clock
        return httpx.Response(200, json={"ok": 1})

    deps = ConnectorDeps(transport=httpx.MockTransport(handler), clock=clock)
    policy = HttpPolicy(timeout_s=5, max_attempts=4, max_retry_s=60)
    client = VendorClient("vendor", ClientSpec(base_url="https://api.test"), policy, deps)

    response = client.request("GET", "/things")

    assert response.status_code == 200
    assert clock.slept == [42.0]
