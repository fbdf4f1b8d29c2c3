"""The seeded fault mode of sandboxes: each storm as a client meets it over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.base import ConnectorDeps, HttpPolicy
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.errors import retry_after_s
from connectors.toolkit.fault_mode import FaultMode, FaultModeLayer, Storm
from connectors.toolkit.http import ClientSpec, VendorClient
from connectors.toolkit.sandbox import DateHeader, SandboxServer


class Tally:
    """A tiny vendor: ``POST /count`` adds one, ``GET /count`` tells the total."""

    def __init__(self, clock: ManualClock) -> None:
        self.count = 0
        app = Starlette(routes=[Route("/count", self._count, methods=["GET", "POST"])])
        self.layer = FaultModeLayer(DateHeader(app, clock), clock)

    async def _count(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            self.count += 1
        return JSONResponse({"count": self.count})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def tally(clock: ManualClock) -> Tally:
    return Tally(clock)


@pytest.fixture
def http(tally: Tally) -> Iterator[httpx.Client]:
    with SandboxServer(tally.layer) as server, httpx.Client(base_url=server.base_url) as client:
        yield client


def test_without_a_mode_every_request_passes_untouched(tally: Tally, http: httpx.Client) -> None:
    statuses = [http.post("/count").status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert tally.count == 5


def test_server_errors_change_nothing_and_off_restores_the_vendor(
    tally: Tally, http: httpx.Client
) -> None:
    record = tally.layer.switch(FaultMode(server_error_rate=1.0))

    during = [http.post("/count").status_code for _ in range(4)]
    tally.layer.switch(None)
    after = http.post("/count").status_code

    assert all(s in (500, 502, 503) for s in during)
    assert record.faults[Storm.SERVER_ERROR] == 4
    assert (after, tally.count) == (200, 1)


def test_a_429_in_seconds_refuses_until_it_has_elapsed_and_records_early_requests(
    tally: Tally, http: httpx.Client, clock: ManualClock
) -> None:
    record = tally.layer.switch(FaultMode(throttle_rate=1.0, retry_after_s=5))

    first = http.get("/count")
    early = http.get("/count")
    clock.advance(5)
    on_time = http.get("/count")

    assert (first.status_code, first.headers["retry-after"]) == (429, "5")
    assert early.status_code == 429
    assert [(e.path, e.until - e.at) for e in record.early] == [("/count", timedelta(seconds=5))]
    assert on_time.status_code == 429, "a new burst (rate 1), not an early request"
    assert len(record.early) == 1


def test_a_429_as_a_date_names_the_end_of_the_refusal_on_the_sandboxs_clock(
    tally: Tally, http: httpx.Client, clock: ManualClock
) -> None:
    clock.advance(0.4)  # mid-second: the date is rounded up to the next whole second
    tally.layer.switch(FaultMode(throttle_rate=1.0, retry_after_s=5, retry_after_as_date=True))

    refused = http.get("/count")
    until = parsedate_to_datetime(refused.headers["retry-after"])

    assert refused.status_code == 429
    assert retry_after_s(refused) == 6.0, "counted from the answer's own Date header"
    assert until >= clock.now() + timedelta(seconds=5)
    assert refused.json() == {"status": 429}


def test_a_lost_write_is_applied_and_answered_502(tally: Tally, http: httpx.Client) -> None:
    record = tally.layer.switch(FaultMode(lost_write_rate=1.0))

    read = http.get("/count")
    written = http.post("/count")

    assert read.status_code == 200, "a read is no write"
    assert written.status_code == 502
    assert tally.count == 1
    assert record.faults == {Storm.LOST_WRITE: 1}


def test_a_slow_answer_outlasts_the_clients_timeout(tally: Tally, http: httpx.Client) -> None:
    tally.layer.switch(FaultMode(slow_rate=1.0, slow_hold_s=5.0))

    with pytest.raises(httpx.ReadTimeout):
        http.post("/count", timeout=0.2)
    tally.layer.switch(None)

    assert http.get("/count").json() == {"count": 1}, "applied, only the answer was late"


def test_a_reset_closes_the_connection_without_an_answer(tally: Tally, http: httpx.Client) -> None:
    record = tally.layer.switch(FaultMode(reset_rate=1.0))

    with pytest.raises(httpx.TransportError):
        http.post("/count")
    tally.layer.switch(None)

    assert (http.get("/count").json(), record.faults) == ({"count": 0}, {Storm.RESET: 1})


def test_one_seed_gives_one_storm(clock: ManualClock) -> None:
    mode = FaultMode(seed=7, server_error_rate=0.3, throttle_rate=0.1, retry_after_s=0)

    def statuses() -> list[int]:
        tally = Tally(clock)
        tally.layer.switch(mode)
        with SandboxServer(tally.layer) as server, httpx.Client(base_url=server.base_url) as c:
            return [c.get("/count").status_code for _ in range(30)]

    first, second = statuses(), statuses()

    assert first == second
    assert {200, 429} <= set(first)
    assert set(first) & {500, 502, 503}


@pytest.mark.parametrize(
    ("retry_hint", "has_early"),
    [(retry_after_s, False), (lambda response, now: None, True)],
    ids=["date honoured", "date ignored"],
)
def test_the_sandbox_catches_a_client_that_comes_back_before_a_dated_retry_after(
    tally: Tally, clock: ManualClock, retry_hint: object, has_early: bool
) -> None:
    record = tally.layer.switch(
        FaultMode(seed=3, throttle_rate=0.3, retry_after_s=20, retry_after_as_date=True)
    )
    with SandboxServer(tally.layer) as server:
        spec = ClientSpec(base_url=server.base_url, retry_hint=retry_hint)  # type: ignore[arg-type]
        policy = HttpPolicy(timeout_s=5, max_attempts=10, max_retry_s=600)
        client = VendorClient("vendor", spec, policy, ConnectorDeps(clock=clock))
        for _ in range(10):
            client.request("POST", "/count")
        client.close()

    assert record.faults[Storm.THROTTLE] > 0
    assert bool(record.early) is has_early
    assert tally.count == 10


def test_a_mode_travels_as_json_and_refuses_impossible_rates() -> None:
    mode = FaultMode(seed=1, throttle_rate=0.2, retry_after_as_date=True)

    assert FaultMode.from_json(mode.to_json()) == mode
    with pytest.raises(ValueError, match="at most 1"):
        FaultMode(server_error_rate=0.7, reset_rate=0.5)
    with pytest.raises(ValueError, match="unknown"):
        FaultMode.from_json('{"typo_rate": 0.1}')
