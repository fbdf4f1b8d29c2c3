"""Batch e-mail opt-outs: the sandbox's batch unsubscribe-all route and the connector using it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from connectors.base import (
    Consent,
    ConsentStatus,
    FailureKind,
    WriteOp,
    WriteOutcome,
    WriteResult,
)
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.sandbox import HubSpotSandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.contract import seed_people
from connectors.toolkit.sandbox import SeedPerson

ConnectorFactory = Callable[..., HubSpotConnector]
BATCH = "/communication-preferences/v4/statuses/batch/unsubscribe-all"
EMAIL_VERBOSE = {"channel": "EMAIL", "verbose": "true"}
WITHDRAWN = Consent("email", ConsentStatus.WITHDRAWN)
GRANTED = Consent("email", ConsentStatus.GRANTED)


def _optouts(sandbox: HubSpotSandbox, ids: list[str]) -> list[str | None]:
    return [(sandbox.properties_of(i) or {}).get("hs_email_optout") for i in ids]


def _withdrawals(ids: list[str], emails: list[str], **fields: Any) -> list[WriteOp]:
    return [
        WriteOp(f"op{n}", row_id, dict(fields), key=email, consent=(WITHDRAWN,))
        for n, (row_id, email) in enumerate(zip(ids, emails, strict=True))
    ]


# --- the sandbox route --------------------------------------------------------------------


def test_a_batch_opts_valid_inputs_out_and_reports_invalid_ones_in_one_write_call(
    api: httpx.Client, sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    ids = sandbox.seed([SeedPerson(email="ann@example.org"), SeedPerson(email="bo@example.org")])
    before = [(sandbox.properties_of(i) or {})["lastmodifieddate"] for i in ids]
    calls = sandbox.write_calls()
    clock.advance(60)
    inputs = ["Ann@example.org", "not-an-email", "bo@example.org"]

    response = api.post(BATCH, params=EMAIL_VERBOSE, json={"inputs": inputs})

    body = response.json()
    (error,) = body["errors"]
    after = [(sandbox.properties_of(i) or {})["lastmodifieddate"] for i in ids]
    assert (response.status_code, body["status"], body["numErrors"]) == (200, "COMPLETE", 1)
    assert [r["subscriberIdString"] for r in body["results"]] == [
        "ann@example.org",
        "bo@example.org",
    ]
    assert (error["category"], error["subCategory"], error["context"]) == (
        "VALIDATION_ERROR",
        "INVALID_EMAIL",
        {"subscriberIdString": ["not-an-email"]},
    )
    assert _optouts(sandbox, ids) == ["true", "true"]
    assert all(a > b for a, b in zip(after, before, strict=True))
    assert sandbox.write_calls() == calls + 1


def test_a_batch_reports_no_change_for_a_contact_already_opted_out(
    api: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    sandbox.seed([SeedPerson(email="ann@example.org", email_status="unsubscribed")])

    body = api.post(BATCH, params=EMAIL_VERBOSE, json={"inputs": ["ann@example.org"]}).json()

    (result,) = body["results"]
    reasons = {s["setStatusSuccessReason"] for s in result["statuses"]}
    assert (reasons, {s["status"] for s in result["statuses"]}) == (
        {"NO_STATUS_CHANGE"},
        {"NOT_SUBSCRIBED"},
    )


def test_without_verbose_the_answer_lists_no_results_but_the_opt_out_happens(
    api: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    ids = sandbox.seed([SeedPerson(email="ann@example.org")])

    body = api.post(BATCH, params={"channel": "EMAIL"}, json={"inputs": ["ann@example.org"]}).json()

    assert (body["results"], body["numErrors"]) == ([], 0)
    assert _optouts(sandbox, ids) == ["true"]


@pytest.mark.parametrize(
    ("params", "inputs"),
    [
        ({}, ["ann@example.org"]),
        ({"channel": "SMS"}, ["ann@example.org"]),
        ({"channel": "EMAIL"}, []),
        ({"channel": "EMAIL"}, [f"p{i}@example.org" for i in range(101)]),
    ],
    ids=["no-channel", "other-channel", "no-inputs", "over-the-cap"],
)
def test_a_malformed_batch_is_a_400_and_writes_nothing(
    api: httpx.Client, sandbox: HubSpotSandbox, params: dict[str, str], inputs: list[str]
) -> None:
    calls = sandbox.write_calls()

    response = api.post(BATCH, params=params, json={"inputs": inputs})

    assert (response.status_code, response.json()["category"]) == (400, "VALIDATION_ERROR")
    assert sandbox.write_calls() == calls


def test_the_batch_route_needs_the_token(server: Any) -> None:
    response = httpx.post(
        server.base_url + BATCH,
        params={"channel": "EMAIL"},
        json={"inputs": ["ann@example.org"]},
        headers={"Authorization": "Bearer wrong"},
    )

    assert response.status_code == 401


@pytest.mark.parametrize("sandbox_limits", [{"burst": 1}])
def test_the_batch_route_counts_against_the_burst_limit(api: httpx.Client) -> None:
    body = {"inputs": ["ann@example.org"]}

    answers = [api.post(BATCH, params={"channel": "EMAIL"}, json=body) for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 429]
    assert answers[1].json()["policyName"] == "TEN_SECONDLY_ROLLING"


@pytest.mark.parametrize("sandbox_limits", [{"has_batch_preferences_scope": False}])
def test_a_portal_without_the_batch_scope_answers_403(api: httpx.Client) -> None:
    response = api.post(BATCH, params={"channel": "EMAIL"}, json={"inputs": ["a@example.org"]})

    assert (response.status_code, response.json()["category"]) == (403, "MISSING_SCOPES")


# --- the connector ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected_calls"),
    [({}, 3), ({"jobtitle": "Engineer"}, 6)],
    ids=["opt-out-only", "with-a-field-change"],
)
def test_250_opt_outs_in_one_write_take_one_consent_call_per_100(
    make_connector: ConnectorFactory,
    sandbox: HubSpotSandbox,
    fields: dict[str, str],
    expected_calls: int,
) -> None:
    people = seed_people(250)
    ids = sandbox.seed(people)
    ops = _withdrawals(ids, [p.email or "" for p in people], **fields)
    calls = sandbox.write_calls()

    results = make_connector().write("contacts", ops)

    assert {r.outcome for r in results} == {WriteOutcome.UPDATED}
    assert set(_optouts(sandbox, ids)) == {"true"}
    assert sandbox.write_calls() - calls == expected_calls


def test_the_opt_out_batch_size_is_an_option(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    people = seed_people(5)
    ids = sandbox.seed(people)
    calls = sandbox.write_calls()

    make_connector(opt_out_batch_size=2).write(
        "contacts", _withdrawals(ids, [p.email or "" for p in people])
    )

    assert sandbox.write_calls() - calls == 3
    assert set(_optouts(sandbox, ids)) == {"true"}


def test_an_invalid_email_fails_only_its_own_op(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    results, ids, calls = _withdraw_with_an_invalid_email(make_connector, sandbox)

    _assert_only_the_invalid_one_failed(results, sandbox, ids)
    assert calls == 1


def test_ops_without_an_email_are_looked_up_and_batched(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    ids = sandbox.seed(seed_people(3))
    ops = [WriteOp(f"op{n}", i, {}, consent=(WITHDRAWN,)) for n, i in enumerate(ids)]
    calls = sandbox.write_calls()

    results = make_connector().write("contacts", ops)

    assert {r.outcome for r in results} == {WriteOutcome.UPDATED}
    assert set(_optouts(sandbox, ids)) == {"true"}
    assert sandbox.write_calls() - calls == 1


def test_grants_stay_per_contact_beside_a_batched_opt_out(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    out, back = sandbox.seed(
        [
            SeedPerson(email="ann@example.org"),
            SeedPerson(email="bo@example.org", email_status="unsubscribed"),
        ]
    )
    connector = make_connector(legal_basis="CONSENT_WITH_NOTICE", subscription_id=1)
    ops = [
        WriteOp("a", out, {}, key="ann@example.org", consent=(WITHDRAWN,)),
        WriteOp("b", back, {}, key="bo@example.org", consent=(GRANTED,)),
    ]
    calls = sandbox.write_calls()

    results = connector.write("contacts", ops)

    assert [r.outcome for r in results] == [WriteOutcome.UPDATED, WriteOutcome.UPDATED]
    assert _optouts(sandbox, [out, back]) == ["true", "false"]
    assert sandbox.write_calls() - calls == 2


def test_an_op_that_withdraws_never_writes_its_grant(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    (row_id,) = sandbox.seed([SeedPerson(email="ann@example.org")])
    connector = make_connector(legal_basis="CONSENT_WITH_NOTICE", subscription_id=1)
    op = WriteOp("a", row_id, {}, key="ann@example.org", consent=(GRANTED, WITHDRAWN))

    (result,) = connector.write("contacts", [op])

    assert (result.outcome, _optouts(sandbox, [row_id])) == (WriteOutcome.UPDATED, ["true"])


@pytest.mark.parametrize(
    ("consents", "expected"),
    [((GRANTED, WITHDRAWN), "true"), ((WITHDRAWN, GRANTED), "false")],
    ids=["grant-then-opt-out", "opt-out-then-grant"],
)
def test_two_ops_for_one_contact_end_as_if_written_in_order(
    make_connector: ConnectorFactory,
    sandbox: HubSpotSandbox,
    consents: tuple[Consent, Consent],
    expected: str,
) -> None:
    (row_id,) = sandbox.seed([SeedPerson(email="ann@example.org")])
    connector = make_connector(legal_basis="CONSENT_WITH_NOTICE", subscription_id=1)
    ops = [
        WriteOp(f"op{n}", row_id, {}, key="ann@example.org", consent=(consent,))
        for n, consent in enumerate(consents)
    ]

    results = connector.write("contacts", ops)

    assert [r.outcome for r in results] == [WriteOutcome.UPDATED, WriteOutcome.UPDATED]
    assert _optouts(sandbox, [row_id]) == [expected]


@pytest.mark.parametrize("sandbox_limits", [{"has_batch_preferences_scope": False}])
def test_without_the_batch_scope_opt_outs_go_one_by_one_and_batch_is_not_retried(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    people = seed_people(4)
    ids = sandbox.seed(people)
    ops = _withdrawals(ids, [p.email or "" for p in people])
    connector = make_connector()
    calls = sandbox.write_calls()

    with capture_logs() as logs:
        first = connector.write("contacts", ops[:2])
        second = connector.write("contacts", ops[2:])

    refusals = [e for e in logs if e["event"] == "hubspot.consent_batch_refused"]
    assert {r.outcome for r in first + second} == {WriteOutcome.UPDATED}
    assert set(_optouts(sandbox, ids)) == {"true"}
    assert (sandbox.write_calls() - calls, len(refusals)) == (4, 1)


@pytest.mark.parametrize("sandbox_limits", [{"preferences_batch_max": 2}])
def test_a_batch_refused_as_a_whole_is_sent_one_contact_at_a_time(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> None:
    results, ids, calls = _withdraw_with_an_invalid_email(make_connector, sandbox)

    _assert_only_the_invalid_one_failed(results, sandbox, ids)
    assert calls == 2


def _withdraw_with_an_invalid_email(
    make_connector: ConnectorFactory, sandbox: HubSpotSandbox
) -> tuple[list[WriteResult], list[str], int]:
    """Withdrawals for three contacts, the second with an address HubSpot refuses: the results,
    the contact ids and the write calls the sandbox counted."""
    people = seed_people(3)
    ids = sandbox.seed(people)
    emails = [people[0].email or "", "not-an-email", people[2].email or ""]
    calls = sandbox.write_calls()
    results = make_connector().write("contacts", _withdrawals(ids, emails))
    return results, ids, sandbox.write_calls() - calls


def _assert_only_the_invalid_one_failed(
    results: list[WriteResult], sandbox: HubSpotSandbox, ids: list[str]
) -> None:
    failure = results[1].failure
    assert [r.outcome for r in results] == [
        WriteOutcome.UPDATED,
        WriteOutcome.FAILED,
        WriteOutcome.UPDATED,
    ]
    assert failure is not None
    assert (failure.kind, failure.code) == (FailureKind.REJECTED, "INVALID_EMAIL")
    assert _optouts(sandbox, [ids[0], ids[2]]) == ["true", "true"]
