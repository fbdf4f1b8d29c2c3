"""Mailchimp webhooks: URL-secret verification, form payloads, address changes, own writes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from connectors.base import (
    ChangeKind,
    ConnectorDeps,
    Consent,
    ConsentStatus,
    Record,
    WebhookRejectedError,
    WebhookRequest,
    WriteOp,
)
from connectors.mailchimp.connector import MailchimpConnector
from connectors.mailchimp.mapping import subscriber_hash
from connectors.mailchimp.sandbox import MailchimpSandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SandboxServer, SeedPerson

URL = "https://crmsync.example/webhooks/newsletter"
FIRED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def ada(sandbox: MailchimpSandbox) -> str:
    (member_id,) = sandbox.seed(
        [SeedPerson(email="ada@example.org", first_name="Ada", email_status="subscribed")]
    )
    return member_id


def delivered(
    sandbox: MailchimpSandbox, *, secret: str | None = None, url: str = URL
) -> WebhookRequest:
    (delivery,) = sandbox.deliveries()
    return sandbox.webhook_request(delivery, url, secret=secret)


def test_a_profile_change_carries_the_decoded_merge_fields(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, ada: str, clock: ManualClock
) -> None:
    clock.advance(90)
    sandbox.edit_member(ada, merge_fields={"LNAME": "Lovelace", "BIRTHDAY": "12/10"})

    (event,) = connector.parse_webhook(delivered(sandbox))

    assert (event.kind, event.external_id, event.is_own_write) == (ChangeKind.CHANGED, ada, False)
    assert event.occurred_at == datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)
    assert event.record is not None
    assert event.record.consent == ()
    assert {k: v for k, v in event.record.fields.items() if v} == {
        "email_address": "ada@example.org",
        "merge_fields.FNAME": "Ada",
        "merge_fields.LNAME": "Lovelace",
        "merge_fields.BIRTHDAY": "--12-10",
    }


def test_an_unsubscribe_withdraws_consent(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, ada: str
) -> None:
    sandbox.edit_member(ada, source="user", status="unsubscribed")

    (event,) = connector.parse_webhook(delivered(sandbox))

    assert event.record is not None
    assert event.record.consent == (Consent("email", ConsentStatus.WITHDRAWN, FIRED),)


def test_a_subscribe_grants_consent(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    (member_id,) = sandbox.seed([SeedPerson(email="back@example.org", email_status="unsubscribed")])
    sandbox.edit_member(member_id, source="user", status="subscribed")

    (event,) = connector.parse_webhook(delivered(sandbox))

    assert event.record is not None
    assert event.record.consent == (Consent("email", ConsentStatus.GRANTED, FIRED),)


def test_an_archive_is_a_delete(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, ada: str
) -> None:
    connector.write("members", [WriteOp("d", ada, {}, is_delete=True)])

    (event,) = connector.parse_webhook(delivered(sandbox))

    assert (event.kind, event.external_id) == (ChangeKind.DELETED, ada)
    assert event.record is not None
    assert event.record.is_deleted


def test_an_address_change_moves_the_id(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, ada: str
) -> None:
    sandbox.edit_member(ada, new_email="ada@lovelace.example")

    (event,) = connector.parse_webhook(delivered(sandbox))

    new_id = subscriber_hash("ada@lovelace.example")
    assert (event.kind, event.external_id, event.previous_id) == (
        ChangeKind.ID_CHANGED,
        new_id,
        ada,
    )
    assert event.record == Record(
        new_id, {"email_address": "ada@lovelace.example"}, FIRED, previous_ids=(ada,)
    )


def test_changes_through_the_api_webhook_are_our_own(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, ada: str
) -> None:
    connector.write(
        "members", [WriteOp("w", None, {"merge_fields.LNAME": "L"}, key="ada@example.org")]
    )

    (event,) = connector.parse_webhook(delivered(sandbox, url=URL + "?source=api"))

    assert event.is_own_write is True


def test_a_wrong_or_missing_secret_is_refused(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, ada: str
) -> None:
    sandbox.edit_member(ada, merge_fields={"LNAME": "X"})
    (delivery,) = sandbox.deliveries()
    forged = sandbox.webhook_request(delivery, URL, secret="guessed")
    bare = delivery.request(URL, secret=None)

    for request in (forged, bare):
        with pytest.raises(WebhookRejectedError):
            connector.parse_webhook(request)


def test_without_a_configured_secret_nothing_is_accepted(
    sandbox: MailchimpSandbox, server: SandboxServer, clock: ManualClock, ada: str
) -> None:
    settings = sandbox.settings("newsletter", server.base_url)
    keyless = replace(settings, credentials={"api_key": settings.credentials["api_key"]})
    connector = MailchimpConnector(keyless, ConnectorDeps(clock=clock))
    sandbox.edit_member(ada, merge_fields={"LNAME": "X"})

    with pytest.raises(WebhookRejectedError):
        connector.parse_webhook(delivered(sandbox))
    connector.close()


def test_a_redelivery_has_the_same_event_id(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, ada: str
) -> None:
    sandbox.edit_member(ada, merge_fields={"LNAME": "X"})
    request = delivered(sandbox)

    first, again = connector.parse_webhook(request), connector.parse_webhook(request)

    assert first[0].event_id == again[0].event_id


def test_the_url_check_at_registration_is_answered_with_no_events(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    check = WebhookRequest("GET", URL + "?secret=" + sandbox.webhook_secret, {}, b"", FIRED)

    assert connector.parse_webhook(check) == []


def test_events_of_another_audience_or_type_are_ignored(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    fired = {"fired_at": "2026-01-01 00:00:00"}
    other_list = {"type": "profile", **fired, "data[list_id]": "zzz", "data[email]": "a@b.org"}
    campaign = {"type": "campaign", **fired, "data[id]": "c1"}
    url = URL + "?secret=" + sandbox.webhook_secret

    for form in (other_list, campaign):
        body = urlencode(form).encode()
        assert connector.parse_webhook(WebhookRequest("POST", url, {}, body, FIRED)) == []


@pytest.mark.parametrize(
    "body",
    [b"type=profile&data%5Bemail%5D=a%40b.org", b"type=profile&fired_at=2026-01-01T00:00:00Z"],
)
def test_a_malformed_delivery_is_refused(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, body: bytes
) -> None:
    url = URL + "?secret=" + sandbox.webhook_secret

    with pytest.raises(WebhookRejectedError):
        connector.parse_webhook(WebhookRequest("POST", url, {}, body, FIRED))


def test_a_cleaned_address_withdraws_consent_as_cleaned(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, ada: str
) -> None:
    sandbox.edit_member(ada, status="cleaned")

    (event,) = connector.parse_webhook(delivered(sandbox))

    assert event.record is not None
    assert event.record.consent == (
        Consent("email", ConsentStatus.WITHDRAWN, FIRED, source_status="cleaned"),
    )


def test_address_merges_arrive_as_parts(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, ada: str
) -> None:
    home = {"addr1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}
    sandbox.edit_member(ada, merge_fields={"ADDRESS": home})

    (event,) = connector.parse_webhook(delivered(sandbox))

    assert event.record is not None
    assert event.record.fields["merge_fields.ADDRESS.city"] == "Springfield"
    assert event.record.fields["merge_fields.ADDRESS.country"] == "US"
