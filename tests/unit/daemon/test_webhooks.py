"""Taking in a delivery without HTTP, on both backends: stored once however often it comes,
our own echoes kept as processed, events of streams we do not sync ignored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from connectors.base import WebhookRequest
from sync import webhooks
from sync.store import journal

from .seeded import Setup

URL = "https://crmsync.example/webhooks/crm"


def crm_request(setup: Setup, events: list[dict[str, Any]]) -> WebhookRequest:
    crm: Any = setup.world.sandboxes["crm"]
    headers, body = crm.webhook_delivery(events, URL)
    return WebhookRequest("POST", URL, headers, body, setup.clock.now())


def inbox(setup: Setup) -> list[tuple[str, str, bool]]:
    table = journal.INBOX
    query = select(table.c.stream, table.c.external_id, table.c.processed_at).order_by(table.c.id)
    with setup.rt.store.transaction() as conn:
        return [(s, e, at is not None) for s, e, at in conn.execute(query)]


def test_a_redelivered_delivery_is_stored_once(setup: Setup) -> None:
    crm: Any = setup.world.sandboxes["crm"]
    crm.edit(setup.crm_ids[0], {"city": "Hamburg"})
    request = crm_request(setup, crm.take_events())

    first = webhooks.accept(setup.rt, "crm", request)
    again = webhooks.accept(setup.rt, "crm", request)

    assert (first.stored, again.stored) == (1, 1)
    assert inbox(setup) == [("contacts", setup.crm_ids[0], False)]


def company_event(event_id: int) -> dict[str, Any]:
    """A change of a company: a stream the demo configuration does not sync."""
    return {
        "eventId": event_id,
        "subscriptionType": "company.propertyChange",
        "objectId": 77,
        "changeSource": "CRM_UI",
        "sourceId": "userId:1",
    }


def test_own_writes_are_kept_processed_and_unsynced_streams_ignored(setup: Setup) -> None:
    crm: Any = setup.world.sandboxes["crm"]
    crm.portal.edit("contacts", setup.crm_ids[1], {"city": "Köln"}, source="INTEGRATION")
    events = [*crm.take_events(), company_event(9001)]
    woken: list[tuple[str, str]] = []

    accepted = webhooks.accept(
        setup.rt, "crm", crm_request(setup, events), lambda *key: woken.append(key)
    )

    assert (accepted, woken) == (webhooks.Accepted(stored=0, own=1, ignored=1), [])
    assert inbox(setup) == [("contacts", setup.crm_ids[1], True)]


def test_the_streams_with_new_events_are_woken(setup: Setup) -> None:
    crm: Any = setup.world.sandboxes["crm"]
    crm.edit(setup.crm_ids[0], {"city": "Hamburg", "lastname": "Yılmaz-Demir"})
    woken: list[tuple[str, str]] = []

    accepted = webhooks.accept(
        setup.rt, "crm", crm_request(setup, crm.take_events()), lambda *key: woken.append(key)
    )

    assert (accepted.stored, accepted.streams, woken) == (2, ("contacts",), [("crm", "contacts")])
