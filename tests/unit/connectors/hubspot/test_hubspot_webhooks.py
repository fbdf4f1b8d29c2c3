"""HubSpot webhook deliveries: signature v3, the five-minute window, and event decoding."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.base import (
    ChangeKind,
    ConnectorDeps,
    Secret,
    WebhookEvent,
    WebhookRejectedError,
    WebhookRequest,
    WriteOp,
)
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.sandbox import HubSpotSandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson

URL = "https://crmsync.example/webhooks/hubspot?system=crm"
AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def connector(sandbox: HubSpotSandbox, clock: ManualClock) -> Iterator[HubSpotConnector]:
    connector = HubSpotConnector(
        sandbox.settings("crm", "http://127.0.0.1:9"), ConnectorDeps(clock=clock)
    )
    yield connector
    connector.close()


def _event(kind: str, object_id: int = 101, **extra: Any) -> dict[str, Any]:
    return {
        "eventId": 9001, "subscriptionId": 1, "portalId": 62515, "appId": 424242,
        "occurredAt": 1767225600000, "subscriptionType": f"contact.{kind}", "attemptNumber": 0,
        "objectId": object_id, "changeSource": "CRM_UI", "sourceId": "userId:424242", **extra,
    }  # fmt: skip


def _request(
    sandbox: HubSpotSandbox, events: list[dict[str, Any]], url: str = URL
) -> WebhookRequest:
    headers, body = sandbox.webhook_delivery(events, url)
    return WebhookRequest("POST", url, headers, body, received_at=AT)


def test_a_signed_property_change_becomes_a_change_event(
    connector: HubSpotConnector, sandbox: HubSpotSandbox
) -> None:
    request = _request(sandbox, [_event("propertyChange", propertyName="firstname")])

    events = connector.parse_webhook(request)

    assert events == [
        WebhookEvent("contacts", "101", ChangeKind.CHANGED, "9001", AT, None, None, False)
    ]


def test_a_tampered_body_is_rejected(connector: HubSpotConnector, sandbox: HubSpotSandbox) -> None:
    request = _request(sandbox, [_event("creation")])
    tampered = replace(request, body=request.body.replace(b"101", b"102"))

    with pytest.raises(WebhookRejectedError):
        connector.parse_webhook(tampered)


def test_a_delivery_signed_with_another_secret_is_rejected(
    connector: HubSpotConnector, sandbox: HubSpotSandbox
) -> None:
    sandbox.client_secret = "someone-elses-secret"
    request = _request(sandbox, [_event("creation")])

    with pytest.raises(WebhookRejectedError):
        connector.parse_webhook(request)


def test_a_delivery_older_than_five_minutes_is_rejected(
    connector: HubSpotConnector, sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    request = _request(sandbox, [_event("creation")])
    clock.advance(5 * 60 + 1)

    with pytest.raises(WebhookRejectedError):
        connector.parse_webhook(request)


def test_a_delivery_within_five_minutes_is_accepted(
    connector: HubSpotConnector, sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    request = _request(sandbox, [_event("creation")])
    clock.advance(4 * 60)

    assert len(connector.parse_webhook(request)) == 1


def test_url_encoded_characters_are_decoded_before_checking(
    connector: HubSpotConnector, sandbox: HubSpotSandbox
) -> None:
    headers, body = sandbox.webhook_delivery(
        [_event("creation")], "https://crmsync.example/h?x=a:b"
    )
    request = WebhookRequest("POST", "https://crmsync.example/h?x=a%3Ab", headers, body, AT)

    assert len(connector.parse_webhook(request)) == 1


def test_a_missing_timestamp_is_rejected(
    connector: HubSpotConnector, sandbox: HubSpotSandbox
) -> None:
    request = _request(sandbox, [_event("creation")])
    headers = {k: v for k, v in request.headers.items() if k != "X-HubSpot-Request-Timestamp"}

    with pytest.raises(WebhookRejectedError):
        connector.parse_webhook(replace(request, headers=headers))


def test_without_a_client_secret_nothing_is_accepted(
    sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    settings = sandbox.settings("crm", "http://127.0.0.1:9")
    settings = replace(settings, credentials={"token": Secret("t")})
    connector = HubSpotConnector(settings, ConnectorDeps(clock=clock))

    with pytest.raises(WebhookRejectedError):
        connector.parse_webhook(_request(sandbox, [_event("creation")]))
    connector.close()


def test_a_merge_re_points_every_absorbed_id_to_the_new_record(
    connector: HubSpotConnector, sandbox: HubSpotSandbox
) -> None:
    merge = _event("merge", 301, primaryObjectId=101, mergedObjectIds=[102], newObjectId=301)

    events = connector.parse_webhook(_request(sandbox, [merge]))

    assert [(e.kind, e.external_id, e.previous_id, e.event_id) for e in events] == [
        (ChangeKind.MERGED, "301", "101", "9001:101"),
        (ChangeKind.MERGED, "301", "102", "9001:102"),
    ]


@pytest.mark.parametrize("kind", ["deletion", "privacyDeletion"])
def test_deletions_are_deletion_events(
    kind: str, connector: HubSpotConnector, sandbox: HubSpotSandbox
) -> None:
    (event,) = connector.parse_webhook(_request(sandbox, [_event(kind)]))

    assert event.kind is ChangeKind.DELETED


def test_our_own_writes_are_marked_and_a_user_with_the_same_number_is_not(
    connector: HubSpotConnector, sandbox: HubSpotSandbox
) -> None:
    ours = _event("propertyChange", changeSource="INTEGRATION", sourceId="424242")
    user = _event("propertyChange", changeSource="CRM_UI", sourceId="userId:424242")

    events = connector.parse_webhook(_request(sandbox, [ours, user]))

    assert [e.is_own_write for e in events] == [True, False]


def test_unsubscribed_object_types_are_left_out(
    connector: HubSpotConnector, sandbox: HubSpotSandbox
) -> None:
    deal = _event("creation") | {"subscriptionType": "deal.creation"}
    association = _event("associationChange")
    company = _event("creation") | {"subscriptionType": "company.creation"}

    events = connector.parse_webhook(_request(sandbox, [deal, association, company]))

    assert [(e.stream, e.kind) for e in events] == [("companies", ChangeKind.CHANGED)]


def test_a_body_that_is_not_events_is_rejected(
    connector: HubSpotConnector, sandbox: HubSpotSandbox
) -> None:
    with pytest.raises(WebhookRejectedError):
        connector.parse_webhook(_request(sandbox, [{"hello": "world"}]))


def test_the_sandbox_logs_changes_as_the_events_hubspot_would_send(
    connector: HubSpotConnector, sandbox: HubSpotSandbox
) -> None:
    (row_id,) = sandbox.seed([SeedPerson(email="a@example.org")])
    sandbox.edit(row_id, {"firstname": "Ann"})

    events = connector.parse_webhook(_request(sandbox, sandbox.take_events()))

    assert [(e.external_id, e.kind, e.is_own_write) for e in events] == [
        (row_id, ChangeKind.CHANGED, False)
    ]


def test_events_for_the_connectors_own_writes_are_marked_as_echoes(
    make_connector: Callable[..., HubSpotConnector], sandbox: HubSpotSandbox
) -> None:
    (row_id,) = sandbox.seed([SeedPerson(email="a@example.org")])
    connector = make_connector()
    connector.write("contacts", [WriteOp("op1", row_id, {"city": "Bonn"})])
    sandbox.edit(row_id, {"zip": "53111"})

    events = connector.parse_webhook(_request(sandbox, sandbox.take_events()))

    assert [e.is_own_write for e in events] == [True, False]
