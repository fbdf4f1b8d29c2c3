"""Incremental reads of members: a quiet list reads (almost) nothing, and nothing is missed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connectors.mailchimp.connector import MailchimpConnector
from connectors.mailchimp.paging import Scan, Window
from connectors.mailchimp.sandbox import MailchimpSandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson

ConnectorFactory = Callable[..., MailchimpConnector]


def people(count: int, prefix: str = "p") -> list[SeedPerson]:
    return [SeedPerson(email=f"{prefix}{i:04d}@example.org") for i in range(count)]


def read(connector: MailchimpConnector, cursor: str | None) -> tuple[list[str], str | None]:
    """The ids one read returns and the cursor it ends on."""
    ids: list[str] = []
    for page in connector.read("members", cursor):
        ids += [r.external_id for r in page.records]
        cursor = page.cursor
    return ids, cursor


def test_a_batch_sharing_one_second_is_not_read_again_once_that_second_has_settled(
    make_connector: ConnectorFactory, sandbox: MailchimpSandbox, clock: ManualClock
) -> None:
    ids = sandbox.seed(people(678))  # one batch: every member changed in the same second
    connector = make_connector(page_size=100)
    clock.advance(120)
    first, cursor = read(connector, None)
    clock.advance(60)

    quiet, _ = read(connector, cursor)

    assert sorted(first) == sorted(ids)
    assert quiet == []


def test_a_second_too_fresh_to_be_safe_is_read_once_more_and_then_not_again(
    make_connector: ConnectorFactory, sandbox: MailchimpSandbox, clock: ManualClock
) -> None:
    ids = sandbox.seed(people(5))
    connector = make_connector()
    first, cursor = read(connector, None)  # in the very second of the changes
    (late,) = sandbox.seed(people(1, prefix="late"))  # same second, after the read
    clock.advance(120)

    again, cursor = read(connector, cursor)
    clock.advance(60)
    quiet, _ = read(connector, cursor)

    assert sorted(first) == sorted(ids)
    assert sorted(again) == sorted([*ids, late]), "read once more, with the late member"
    assert quiet == []


def test_changes_after_a_quiet_read_are_read_and_only_they(
    make_connector: ConnectorFactory, sandbox: MailchimpSandbox, clock: ManualClock
) -> None:
    ids = sandbox.seed(people(20))
    connector = make_connector(page_size=7)
    clock.advance(120)
    _, cursor = read(connector, None)
    clock.advance(30)
    sandbox.edit_member(ids[3], merge_fields={"FNAME": "Changed"})
    clock.advance(120)

    changed, cursor = read(connector, cursor)
    clock.advance(60)
    quiet, _ = read(connector, cursor)

    assert (changed, quiet) == ([ids[3]], [])


@pytest.mark.parametrize(
    ("since", "newest", "expected"),
    [
        (20, 30, Window(31, 0)),  # older than the read's start minus settle_s: after its second
        (20, 50, Window(40, 0)),  # fresher: again from where the list had settled
        (45, 50, Window(45, 0)),  # but never before where this read began
    ],
)
def test_the_watermark_depends_on_how_settled_the_newest_change_is(
    since: int, newest: int, expected: Window
) -> None:
    scan = Scan(Window(since, 0), page_size=10, settle_s=60)
    scan.observe_start(100)  # Mailchimp's Date at the read's first answer
    scan.observe_start(500)  # later answers do not move the read's start

    scan.advance([since, newest], item_count=2)

    assert scan.window == expected


def test_without_mailchimps_time_the_newest_second_is_read_again() -> None:
    scan = Scan(Window(20, 0), page_size=10, settle_s=60)

    scan.advance([20, 30], item_count=2)

    assert scan.window == Window(30, 0)


def test_a_read_that_finds_nothing_keeps_its_watermark() -> None:
    scan = Scan(Window(31, 0), page_size=10, settle_s=60)
    scan.observe_start(1000)

    scan.advance([], item_count=0)

    assert scan.window == Window(31, 0)
