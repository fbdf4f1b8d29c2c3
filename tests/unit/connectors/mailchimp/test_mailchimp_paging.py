"""Scanning members by ``last_changed`` with offsets: cursors, boundaries, a moving dataset."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.base import CursorExpiredError
from connectors.mailchimp.connector import MailchimpConnector
from connectors.mailchimp.paging import Scan, Window, decode_cursor, start_window
from connectors.mailchimp.sandbox import MailchimpSandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson

Item = tuple[int, str]
"""``(last_changed second, member id)``, the order Mailchimp sorts ``last_changed`` ASC in."""


def query(data: list[Item], window: Window, count: int) -> list[Item]:
    """What the API answers: members changed at or after ``since``, sorted, after ``offset``."""
    matching = sorted(i for i in data if window.since is None or i[0] >= window.since)
    return matching[window.offset : window.offset + count]


def test_cursors_round_trip() -> None:
    window = Window(1_767_225_600, 7)

    assert decode_cursor(window.encode()) == window
    assert decode_cursor(Window().encode()) == Window()


@pytest.mark.parametrize("cursor", ["", "garbage", "mc1:x:1", "hs1:10:2", "mc1:10:"])
def test_a_foreign_cursor_asks_for_a_full_read(cursor: str) -> None:
    with pytest.raises(CursorExpiredError):
        decode_cursor(cursor)


def test_since_starts_at_its_whole_second() -> None:
    since = datetime(2026, 1, 1, 12, 0, 5, 900_000, tzinfo=UTC)

    window = start_window(None, since)

    assert window == Window(int(datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC).timestamp()), 0)
    assert window.since_param() == "2026-01-01T12:00:04+00:00"


def test_a_page_ending_in_a_new_second_anchors_there_minus_the_overlap() -> None:
    scan = Scan(Window(), page_size=10)

    is_done = scan.advance([1, 1, 2, 3, 3, 3, 3, 5, 5, 5], item_count=10)

    assert is_done is False
    assert scan.window == Window(5, 3 - 1)


def test_a_page_inside_one_second_moves_the_offset_on() -> None:
    scan = Scan(Window(5, 2), page_size=10)

    scan.advance([5] * 10, item_count=10)

    assert scan.window == Window(5, 2 + 10 - 1)


def test_a_short_page_ends_on_the_newest_second_to_be_read_again() -> None:
    scan = Scan(Window(5, 4), page_size=10)

    is_done = scan.advance([5, 6, 8], item_count=3)

    assert is_done is True
    assert scan.window == Window(8, 0)


def scan_all(data: list[Item], page_size: int, mutate: int = 0) -> tuple[list[str], Window]:
    """Read ``data`` as the connector does; after each of the first pages ``mutate`` change.

    Changes stop after as many pages as the list has, or a scan chasing one change per page
    that it reads only one member further per page would never end.
    """
    scan = Scan(Window(), page_size)
    emitted: list[str] = []
    for page_number in range(10_000):
        page = query(data, scan.window, page_size)
        emitted += [member for second, member in page if scan.is_new(member, second)]
        if scan.advance([second for second, _ in page], len(page)):
            return emitted, scan.window
        if page_number >= len(data):
            continue
        for _ in range(mutate):
            # The oldest member changes now: it leaves its place and moves to the end.
            oldest = min(data)
            data.remove(oldest)
            data.append((max(data)[0] + 1, oldest[1]))
    raise AssertionError("the scan did not end")


seconds = st.lists(st.integers(min_value=0, max_value=5), min_size=0, max_size=120)


@settings(max_examples=200, deadline=None)
@given(seconds, st.integers(min_value=1, max_value=30))
def test_a_static_list_is_read_once_whatever_the_ties(stamps: list[int], page_size: int) -> None:
    data = [(second, f"m{i:03d}") for i, second in enumerate(stamps)]

    emitted, _ = scan_all(list(data), page_size)

    assert sorted(emitted) == sorted(member for _, member in data)


@settings(max_examples=200, deadline=None)
@given(seconds, st.integers(min_value=2, max_value=30))
def test_members_changing_during_a_scan_are_never_lost(stamps: list[int], page_size: int) -> None:
    data = [(second, f"m{i:03d}") for i, second in enumerate(stamps)]

    emitted, _ = scan_all(data, page_size, mutate=1)

    assert {member for _, member in data} <= set(emitted)


def test_a_scan_ends_on_a_watermark_that_rereads_its_second() -> None:
    data = [(1, "a"), (2, "b"), (2, "c")]

    _, watermark = scan_all(data, page_size=10)

    assert query([*data, (2, "late")], watermark, 10) == [(2, "b"), (2, "c"), (2, "late")]


# --- against the sandbox ------------------------------------------------------------------------


def test_members_changed_during_a_read_are_all_delivered(
    make_connector: Callable[..., MailchimpConnector], sandbox: MailchimpSandbox, clock: ManualClock
) -> None:
    ids = sandbox.seed([SeedPerson(email=f"p{i:02d}@example.org") for i in range(60)])
    connector = make_connector(page_size=10)
    pages = connector.read("members", None)
    seen: list[str] = [r.external_id for r in next(pages).records]

    for page in pages:
        clock.advance(1)
        # Members already read change, so every later member shifts one place up.
        sandbox.edit_member(seen[len(seen) // 2], merge_fields={"LNAME": "Changed"})
        seen += [r.external_id for r in page.records]

    assert set(ids) <= set(seen)


def test_plain_offset_paging_would_lose_members_there(
    sandbox: MailchimpSandbox, clock: ManualClock, api: httpx.Client
) -> None:
    ids = sandbox.seed([SeedPerson(email=f"p{i:02d}@example.org") for i in range(30)])
    params: dict[str, str | int] = {
        "count": 10,
        "sort_field": "last_changed",
        "sort_dir": "ASC",
        "fields": "members.id",
    }
    seen: list[str] = []
    for offset in range(0, 30, 10):
        members = api.get("/members", params={**params, "offset": offset}).json()["members"]
        seen += [m["id"] for m in members]
        clock.advance(1)
        sandbox.edit_member(seen[offset // 10], merge_fields={"LNAME": "Changed"})

    assert len(set(ids) - set(seen)) == 2


def test_a_member_written_in_the_watermarks_second_is_read_next_time(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, clock: ManualClock
) -> None:
    sandbox.seed([SeedPerson(email=f"p{i:02d}@example.org") for i in range(5)])
    *_, last = connector.read("members", None)
    (late,) = sandbox.seed([SeedPerson(email="late@example.org")])  # same second, after the read

    later = [r.external_id for p in connector.read("members", last.cursor) for r in p.records]

    assert late in later
