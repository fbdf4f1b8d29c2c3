"""The limit of simultaneous connections: the sandbox enforces it, the connector keeps it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from connectors.mailchimp.connector import MailchimpConnector
from connectors.mailchimp.sandbox import MailchimpSandbox
from connectors.toolkit.sandbox import SandboxServer, SeedPerson


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Held requests stay open until this is set; it is set at the end whatever happens."""
    event = threading.Event()
    yield event
    event.set()


def get_members(base_url: str, api_key: str) -> int:
    with httpx.Client(base_url=base_url, auth=("any", api_key)) as client:
        return client.get("/members").status_code


def test_an_eleventh_simultaneous_request_is_refused(
    sandbox: MailchimpSandbox, server: SandboxServer, release: threading.Event
) -> None:
    base = f"{server.base_url}/3.0/lists/{sandbox.list_id}"
    sandbox.traffic.hold(release)
    with ThreadPoolExecutor(10) as pool:
        held = [pool.submit(get_members, base, sandbox.api_key) for _ in range(10)]
        assert sandbox.traffic.wait_for_in_flight(10)
        with httpx.Client(base_url=base, auth=("any", sandbox.api_key)) as client:
            eleventh = client.get("/members")
        release.set()
        statuses = [f.result() for f in held]

    assert (eleventh.status_code, eleventh.json()["title"]) == (429, "Too Many Requests")
    assert statuses == [200] * 10


@pytest.mark.parametrize("limit", [10, 3])
def test_concurrent_callers_share_the_connectors_connection_budget(
    make_connector: Callable[..., MailchimpConnector],
    sandbox: MailchimpSandbox,
    release: threading.Event,
    limit: int,
) -> None:
    ids = sandbox.seed([SeedPerson(email=f"p{i:02d}@example.org") for i in range(20)])
    connector = make_connector(max_connections=limit)
    connector.merge_schema()  # read once up front, so every held request is a fetch
    sandbox.traffic.hold(release)

    with ThreadPoolExecutor(20) as pool:
        fetches = [pool.submit(connector.fetch, "members", [i]) for i in ids]
        assert sandbox.traffic.wait_for_in_flight(limit)
        release.set()
        fetched = [r.external_id for f in fetches for r in f.result()]

    assert sorted(fetched) == sorted(ids)
    assert (sandbox.traffic.peak, sandbox.traffic.refused) == (limit, 0)
