"""HubSpot writes, fetches and configuration through the connector, against the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from connectors.base import (
    ConfigurationError,
    ConnectorDeps,
    Consent,
    ConsentStatus,
    FailureKind,
    WriteOp,
    WriteOutcome,
)
from connectors.hubspot.client import parse_limit_headers, retry_hint
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.sandbox import HubSpotSandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.contract import seed_people
from connectors.toolkit.ratelimit import LimitObservation
from connectors.toolkit.sandbox import SeedPerson

ConnectorFactory = Callable[..., HubSpotConnector]
WITHDRAWN = Consent("email", ConsentStatus.WITHDRAWN)
GRANTED = Consent("email", ConsentStatus.GRANTED)


def _optout(sandbox: HubSpotSandbox, external_id: str) -> str | None:
    return (sandbox.properties_of(external_id) or {}).get("hs_email_optout")


def test_an_update_by_id_changes_only_the_given_fields(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    (row_id,) = sandbox.seed(seed_people(1))
    op = WriteOp("op1", row_id, {"jobtitle": "Engineer", "firstname": None})

    (result,) = make_connector().write("contacts", [op])

    stored = sandbox.properties_of(row_id) or {}
    assert (result.outcome, result.external_id) == (WriteOutcome.UPDATED, row_id)
    assert (stored.get("jobtitle"), stored.get("firstname"), stored["lastname"]) == (
        "Engineer",
        None,
        "Last0",
    )


def test_a_delete_archives_and_the_record_is_no_longer_fetched(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    ids = sandbox.seed(seed_people(2))
    connector = make_connector()

    (result,) = connector.write("contacts", [WriteOp("op1", ids[0], {}, is_delete=True)])

    assert result.outcome is WriteOutcome.DELETED
    assert [r.external_id for r in connector.fetch("contacts", ids)] == [ids[1]]


def test_two_updates_of_one_record_in_a_batch_are_sent_one_by_one(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    (row_id,) = sandbox.seed(seed_people(1))
    ops = [WriteOp("a", row_id, {"city": "Bonn"}), WriteOp("b", row_id, {"zip": "53111"})]

    results = make_connector().write("contacts", ops)

    stored = sandbox.properties_of(row_id) or {}
    assert [r.outcome for r in results] == [WriteOutcome.UPDATED, WriteOutcome.UPDATED]
    assert (stored["city"], stored["zip"]) == ("Bonn", "53111")


def test_an_update_of_an_unknown_id_is_a_conflict(make_connector: ConnectorFactory) -> None:
    (result,) = make_connector().write("contacts", [WriteOp("op1", "999999", {"city": "Bonn"})])

    assert result.failure is not None
    assert (result.outcome, result.failure.kind) == (WriteOutcome.FAILED, FailureKind.CONFLICT)


def test_taking_an_email_another_contact_has_is_a_conflict(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    first, _ = sandbox.seed(seed_people(2))
    op = WriteOp("op1", first, {"email": "person00001@example.org"})

    (result,) = make_connector().write("contacts", [op])

    assert result.failure is not None
    assert result.failure.kind is FailureKind.CONFLICT


def test_an_opt_out_goes_through_communication_preferences(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    (row_id,) = sandbox.seed([SeedPerson(email="ann@example.org")])
    connector = make_connector()

    (result,) = connector.write("contacts", [WriteOp("op1", row_id, {}, consent=(WITHDRAWN,))])

    (record,) = connector.fetch("contacts", [row_id])
    assert result.outcome is WriteOutcome.UPDATED
    assert [c.status for c in record.consent] == [ConsentStatus.WITHDRAWN]


def test_a_grant_is_never_written_without_a_legal_basis(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    person = SeedPerson(email="ann@example.org", email_status="unsubscribed")
    (row_id,) = sandbox.seed([person])
    calls = sandbox.write_calls()

    (result,) = make_connector().write("contacts", [WriteOp("op1", row_id, {}, consent=(GRANTED,))])

    assert result.outcome is WriteOutcome.UPDATED
    assert (_optout(sandbox, row_id), sandbox.write_calls()) == ("true", calls)


def test_an_implicit_grant_is_never_written_even_with_a_legal_basis(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    (row_id,) = sandbox.seed([SeedPerson(email="ann@example.org", email_status="unsubscribed")])
    connector = make_connector(legal_basis="CONSENT_WITH_NOTICE", subscription_id=1)
    implicit = Consent("email", ConsentStatus.GRANTED, is_explicit=False)

    connector.write("contacts", [WriteOp("op1", row_id, {}, consent=(implicit,))])

    assert _optout(sandbox, row_id) == "true"


def test_an_explicit_grant_with_a_legal_basis_resubscribes(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    (row_id,) = sandbox.seed([SeedPerson(email="ann@example.org", email_status="unsubscribed")])
    connector = make_connector(legal_basis="CONSENT_WITH_NOTICE", subscription_id=1)

    (result,) = connector.write("contacts", [WriteOp("op1", row_id, {}, consent=(GRANTED,))])

    assert result.outcome is WriteOutcome.UPDATED
    assert _optout(sandbox, row_id) == "false"


def test_a_new_contact_with_an_opt_out_is_created_opted_out(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    op = WriteOp("op1", None, {"firstname": "Bo"}, key="bo@example.org", consent=(WITHDRAWN,))

    (result,) = make_connector().write("contacts", [op])

    assert result.outcome is WriteOutcome.CREATED
    assert _optout(sandbox, result.external_id or "") == "true"


def test_companies_without_a_unique_property_are_not_created_blindly(
    make_connector: ConnectorFactory,
) -> None:
    connector = make_connector(company_id_property=None)
    op = WriteOp("op1", None, {"name": "Acme"}, key="acme.example")

    (result,) = connector.write("companies", [op])

    assert result.failure is not None
    assert (result.failure.kind, result.failure.code) == (FailureKind.REJECTED, "NO_UNIQUE_KEY")


def test_a_create_without_a_key_is_rejected(make_connector: ConnectorFactory) -> None:
    (result,) = make_connector().write("contacts", [WriteOp("op1", None, {"firstname": "A"})])

    assert result.failure is not None
    assert result.failure.code == "NO_KEY"


def test_fetching_a_merged_away_id_returns_the_survivor(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    first, second = sandbox.seed(seed_people(2))
    survivor = sandbox.merge(first, second)

    (record,) = make_connector().fetch("contacts", [first, second])

    assert (record.external_id, record.previous_ids) == (survivor, (first, second))


@pytest.mark.parametrize(
    "options",
    [{"page_size": 500}, {"search_overlap_s": -1}, {"legal_basis": "BECAUSE"}, {"colour": "blue"}],
)
def test_bad_options_are_configuration_errors(
    sandbox: HubSpotSandbox, clock: ManualClock, options: dict[str, Any]
) -> None:
    settings = sandbox.settings("crm", "http://127.0.0.1:9")
    bad = replace(settings, options=options)

    with pytest.raises(ConfigurationError):
        HubSpotConnector(bad, ConnectorDeps(clock=clock))


def test_unknown_read_fields_are_a_configuration_error(
    sandbox: HubSpotSandbox, server: Any, clock: ManualClock
) -> None:
    settings = sandbox.settings("crm", server.base_url)
    bad = replace(settings, read_fields={"contacts": ("shoe_size",)})
    connector = HubSpotConnector(bad, ConnectorDeps(clock=clock))

    with pytest.raises(ConfigurationError):
        list(connector.read("contacts", None))
    connector.close()


def test_limit_headers_are_read_as_the_burst_window() -> None:
    headers = httpx.Headers(
        {
            "X-HubSpot-RateLimit-Max": "190",
            "X-HubSpot-RateLimit-Remaining": "17",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        }
    )

    assert parse_limit_headers(headers) == LimitObservation(190, 17, 10.0)
    assert parse_limit_headers(httpx.Headers({})) is None


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/crm/v3/objects/contacts", {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, 10.0),
        ("/crm/v3/objects/contacts/search", {}, 1.0),
        ("/crm/v3/objects/contacts", {"Retry-After": "3"}, 3.0),
        ("/crm/v3/objects/contacts", {}, None),
    ],
)
def test_a_429_waits_out_the_window_it_hit(
    path: str, headers: dict[str, str], expected: float | None
) -> None:
    request = httpx.Request("GET", "https://api.hubapi.com" + path)

    assert retry_hint(httpx.Response(429, headers=headers, request=request)) == expected


def test_a_spent_daily_budget_asks_to_come_back_much_later() -> None:
    request = httpx.Request("GET", "https://api.hubapi.com/crm/v3/objects/contacts")
    body = {"status": "error", "errorType": "RATE_LIMIT", "policyName": "DAILY"}
    headers = {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}

    assert retry_hint(httpx.Response(429, json=body, headers=headers, request=request)) == 3600.0


def test_updating_a_merged_away_id_updates_and_names_the_survivor(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    first, second = sandbox.seed(seed_people(2))
    survivor = sandbox.merge(first, second)

    (result,) = make_connector().write("contacts", [WriteOp("op1", second, {"city": "Kiel"})])

    assert (result.outcome, result.external_id) == (WriteOutcome.UPDATED, survivor)
    assert (sandbox.properties_of(survivor) or {})["city"] == "Kiel"
