"""Incremental HubSpot reads: past the search result cap, through ties, across index lag."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from connectors.base import CursorExpiredError, Page, WriteOp
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.sandbox import HubSpotSandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.contract import seed_people

# The client-side search bucket is raised above the sandbox's 5/s so that these tests never
# drain it: TokenBucket.acquire in connectors/toolkit/ratelimit.py spins forever on a
# ManualClock when float rounding leaves 0.999... tokens (sleeping 4e-17 s moves no hands).
# The sandbox still throttles at 5/s, so its 429s and the retry hint are exercised.
ConnectorFactory = Callable[..., HubSpotConnector]
SMALL = {"page_size": 10, "search_page_size": 10, "search_overlap_s": 60, "search_rate_limit": 1000}


def _ids(pages: list[Page]) -> list[str]:
    return [r.external_id for p in pages for r in p.records]


def _last_cursor(pages: list[Page]) -> str:
    cursors = [p.cursor for p in pages if p.cursor]
    return cursors[-1]


@pytest.mark.parametrize("sandbox_limits", [{"search_result_cap": 25}])
def test_an_incremental_read_walks_past_the_search_result_cap(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    ids = sandbox.seed(seed_people(60, until=clock.now()))
    connector = make_connector(**SMALL)

    pages = list(connector.read("contacts", None, since=clock.now() - timedelta(days=30)))

    assert sorted(_ids(pages)) == sorted(ids)
    assert len(_ids(pages)) == len(ids)


def test_more_same_millisecond_changes_than_a_page_are_read_once_each(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    bulk = sandbox.seed(seed_people(35))  # a bulk import: one modification time for all
    clock.advance(1)
    later = sandbox.seed([seed_people(36)[35]])
    connector = make_connector(**SMALL)

    pages = list(connector.read("contacts", None, since=clock.now() - timedelta(hours=1)))

    assert _ids(pages) == bulk + later


def test_resuming_from_any_incremental_cursor_loses_nothing(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    ids = sandbox.seed(seed_people(45, until=clock.now()))
    connector = make_connector(**SMALL)
    since = clock.now() - timedelta(days=3)
    pages = list(connector.read("contacts", None, since=since))

    for index, page in enumerate(pages):
        before = set(_ids(pages[: index + 1]))
        after = set(_ids(list(connector.read("contacts", page.cursor))))
        assert before | after == set(ids)


@pytest.mark.parametrize("sandbox_limits", [{"index_lag_update_s": 45}])
def test_the_overlap_catches_a_change_the_index_had_not_seen_yet(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    first, second, _ = sandbox.seed(seed_people(3, until=clock.now()))
    connector = make_connector(**SMALL)
    cursor = _last_cursor(list(connector.read("contacts", None)))
    clock.advance(120)
    sandbox.edit(first, {"firstname": "Lagging"})
    clock.advance(1)
    sandbox.seed([seed_people(4)[3]])

    early = list(connector.read("contacts", cursor))
    clock.advance(45)
    late = list(connector.read("contacts", _last_cursor(early)))

    assert first not in _ids(early)
    assert first in _ids(late)
    assert second not in _ids(early) + _ids(late)


def test_a_quiet_stream_is_not_read_again_once_the_index_has_settled(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    ids = sandbox.seed(seed_people(5, until=clock.now()))
    connector = make_connector(**SMALL)
    cursor = _last_cursor(list(connector.read("contacts", None)))
    clock.advance(120)
    for external_id in ids[:3]:  # a burst of changes within one overlap window
        sandbox.edit(external_id, {"firstname": "Burst"})
        clock.advance(1)
    clock.advance(300)

    changed = list(connector.read("contacts", cursor))
    quiet = list(connector.read("contacts", _last_cursor(changed)))

    assert set(ids[:3]) <= set(_ids(changed))
    assert _ids(quiet) == [ids[2]], "only the newest change itself, read with >=, comes again"


def test_a_full_read_ends_on_an_incremental_watermark(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    sandbox.seed(seed_people(12, until=clock.now()))
    connector = make_connector(**SMALL)

    cursor = json.loads(_last_cursor(list(connector.read("contacts", None))))

    newest_ms = int((clock.now() - timedelta(hours=1)).timestamp() * 1000)
    assert cursor == {"v": 1, "since": newest_ms - 60_000}


def test_a_full_read_reports_archived_records_as_deletions(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    ids = sandbox.seed(seed_people(3))
    connector = make_connector(**SMALL)
    connector.write("contacts", [_delete(ids[1])])

    records = [r for p in connector.read("contacts", None) for r in p.records]

    assert [(r.external_id, r.is_deleted) for r in records] == [
        (ids[0], False),
        (ids[2], False),
        (ids[1], True),
    ]


def test_a_foreign_cursor_asks_for_a_full_resync(make_connector: ConnectorFactory) -> None:
    connector = make_connector()

    with pytest.raises(CursorExpiredError):
        connector.read("contacts", "page=3")


def _delete(external_id: str) -> WriteOp:
    return WriteOp(op_id="del", external_id=external_id, fields={}, is_delete=True)
