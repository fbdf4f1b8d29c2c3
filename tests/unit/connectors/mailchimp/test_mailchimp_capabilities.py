"""What the Mailchimp connector says it can do matches what it does."""

from __future__ import annotations

from collections.abc import Callable

from connectors.base import Capability
from connectors.mailchimp.connector import MailchimpConnector


def test_members_offer_no_merge_because_mailchimp_has_none(
    make_connector: Callable[..., MailchimpConnector],
) -> None:
    (info,) = make_connector().streams().values()

    assert Capability.MERGE not in info.capabilities
