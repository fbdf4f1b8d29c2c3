"""The HubSpot sandbox answers as HubSpot does: caps, 207s, merges, limits, lag, preferences."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.hubspot.sandbox import HubSpotSandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.contract import seed_people
from connectors.toolkit.sandbox import SeedPerson

CONTACTS = "/crm/v3/objects/contacts"


def _since(ms: int, limit: int = 10, after: int | None = None) -> dict[str, Any]:
    flt = {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(ms)}
    body: dict[str, Any] = {"filterGroups": [{"filters": [flt]}], "limit": limit}
    body["sorts"] = [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    if after is not None:
        body["after"] = str(after)
    return body


def _upsert(email: str, trace: str | None, **props: str) -> dict[str, Any]:
    item: dict[str, Any] = {"id": email, "idProperty": "email", "properties": props}
    if trace is not None:
        item["objectWriteTraceId"] = trace
    return item


def test_ids_are_numeric_strings_and_lists_page_with_after(
    api: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    ids = sandbox.seed(seed_people(3))

    first = api.get(CONTACTS, params={"limit": 2}).json()
    second = api.get(
        CONTACTS, params={"limit": 2, "after": first["paging"]["next"]["after"]}
    ).json()

    assert [r["id"] for r in first["results"] + second["results"]] == ids
    assert all(i.isdigit() for i in ids)
    assert "paging" not in second


def test_every_answer_carries_one_date_from_hubspots_clock(
    api: httpx.Client, server: Any, clock: ManualClock
) -> None:
    clock.advance(3600)

    answered = api.post(CONTACTS + "/search", json=_since(0))
    refused = httpx.get(server.base_url + CONTACTS, headers={"Authorization": "Bearer wrong"})

    for response in (answered, refused):
        assert response.headers.get_list("date") == ["Thu, 01 Jan 2026 01:00:00 GMT"]


def test_a_bad_token_gets_401_with_hubspots_error_body(server: Any) -> None:
    response = httpx.get(server.base_url + CONTACTS, headers={"Authorization": "Bearer wrong"})

    body = response.json()
    assert (response.status_code, body["status"], body["category"]) == (
        401,
        "error",
        "INVALID_AUTHENTICATION",
    )
    assert body["correlationId"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", CONTACTS + "?limit=101", None),
        ("POST", CONTACTS + "/search", _since(0, limit=201)),
        ("POST", CONTACTS + "/batch/read", {"inputs": [{"id": str(i)} for i in range(101)]}),
        (
            "POST",
            CONTACTS + "/batch/upsert",
            {"inputs": [_upsert(f"{i}@x.org", None) for i in range(101)]},
        ),
    ],
)
def test_requests_over_hubspots_caps_are_refused(
    api: httpx.Client, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = api.request(method, path, json=body)

    assert (response.status_code, response.json()["category"]) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize("sandbox_limits", [{"search_result_cap": 20}])
def test_search_pages_stop_at_the_result_cap_and_refuse_to_go_beyond(
    api: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    sandbox.seed(seed_people(30))

    last = api.post(CONTACTS + "/search", json=_since(0, limit=10, after=10)).json()
    beyond = api.post(CONTACTS + "/search", json=_since(0, limit=10, after=20))

    assert (last["total"], len(last["results"]), "paging" in last) == (30, 10, False)
    assert beyond.status_code == 400


def test_search_sorts_by_one_property_only(api: httpx.Client) -> None:
    body = _since(0) | {"sorts": [{"propertyName": "email"}, {"propertyName": "firstname"}]}

    assert api.post(CONTACTS + "/search", json=body).status_code == 400


def test_search_filters_by_other_properties(api: httpx.Client, sandbox: HubSpotSandbox) -> None:
    ids = sandbox.seed(seed_people(5))
    flt = {"propertyName": "email", "operator": "EQ", "value": "PERSON00003@example.org"}

    body = api.post(CONTACTS + "/search", json={"filterGroups": [{"filters": [flt]}]}).json()

    assert [r["id"] for r in body["results"]] == [ids[3]]


def test_a_mixed_batch_with_trace_ids_answers_207_per_input(
    api: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    inputs = [_upsert("good@example.org", "t1", firstname="G"), _upsert("bad", "t2")]

    response = api.post(CONTACTS + "/batch/upsert", json={"inputs": inputs})

    body = response.json()
    assert response.status_code == 207
    assert [(r["objectWriteTraceId"], r["new"]) for r in body["results"]] == [("t1", True)]
    assert [(e["category"], e["context"]["objectWriteTraceId"]) for e in body["errors"]] == [
        ("VALIDATION_ERROR", ["t2"])
    ]


def test_a_bad_input_without_trace_ids_fails_the_whole_batch_and_changes_nothing(
    api: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    inputs = [_upsert("good@example.org", None), _upsert("bad", None)]

    response = api.post(CONTACTS + "/batch/upsert", json={"inputs": inputs})

    assert response.status_code == 400
    assert api.get(CONTACTS).json()["results"] == []


def test_upserting_by_a_non_unique_property_is_refused(api: httpx.Client) -> None:
    item = {"id": "acme.example", "idProperty": "domain", "properties": {"name": "Acme"}}

    response = api.post("/crm/v3/objects/companies/batch/upsert", json={"inputs": [item]})

    assert response.status_code == 400
    assert "non-unique" in response.json()["message"]


def test_read_only_properties_cannot_be_written(api: httpx.Client) -> None:
    inputs = [_upsert("a@example.org", "t1", hs_email_optout="true")]

    body = api.post(CONTACTS + "/batch/upsert", json={"inputs": inputs}).json()

    assert body["errors"][0]["errors"][0]["code"] == "READ_ONLY_VALUE"


def test_archiving_answers_204_even_for_unknown_ids(
    api: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    (row_id,) = sandbox.seed(seed_people(1))
    inputs = {"inputs": [{"id": row_id}, {"id": "999999"}]}

    first = api.post(CONTACTS + "/batch/archive", json=inputs)
    again = api.post(CONTACTS + "/batch/archive", json=inputs)

    archived = api.get(CONTACTS, params={"archived": "true"}).json()["results"]
    assert (first.status_code, again.status_code) == (204, 204)
    assert [(r["id"], r["archived"]) for r in archived] == [(row_id, True)]
    assert api.get(f"{CONTACTS}/{row_id}").status_code == 404


def test_a_merge_creates_a_new_record_that_old_ids_resolve_to(
    api: httpx.Client, sandbox: HubSpotSandbox
) -> None:
    first, second = sandbox.seed(seed_people(2))

    new_id = sandbox.merge(first, second)

    old = api.get(
        f"{CONTACTS}/{second}", params={"properties": "hs_merged_object_ids,email"}
    ).json()
    upserted = api.post(
        CONTACTS + "/batch/upsert", json={"inputs": [_upsert("person00001@example.org", "t")]}
    ).json()
    assert new_id not in (first, second)
    assert old["id"] == new_id
    assert old["properties"] == {
        "hs_merged_object_ids": f"{first};{second}",
        "email": "person00000@example.org",
    }
    assert upserted["results"][0]["id"] == new_id


@pytest.mark.parametrize("sandbox_limits", [{"burst": 3}])
def test_rate_headers_count_down_and_the_429_names_its_policy(api: httpx.Client) -> None:
    answers = [api.get(CONTACTS) for _ in range(4)]

    remaining = [a.headers.get("X-HubSpot-RateLimit-Remaining") for a in answers]
    throttled = answers[-1].json()
    assert remaining == ["2", "1", "0", "0"]
    assert answers[0].headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert (answers[-1].status_code, throttled["errorType"], throttled["policyName"]) == (
        429,
        "RATE_LIMIT",
        "TEN_SECONDLY_ROLLING",
    )


@pytest.mark.parametrize("sandbox_limits", [{"burst": 1}])
def test_the_burst_window_reopens_on_the_clock(api: httpx.Client, clock: ManualClock) -> None:
    api.get(CONTACTS)
    throttled = api.get(CONTACTS).status_code
    clock.advance(10)

    assert (throttled, api.get(CONTACTS).status_code) == (429, 200)


@pytest.mark.parametrize("sandbox_limits", [{"search": 2}])
def test_search_has_its_own_limit_and_no_rate_headers(api: httpx.Client) -> None:
    answers = [api.post(CONTACTS + "/search", json=_since(0)) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert not any("x-hubspot-ratelimit-max" in a.headers for a in answers)
    assert answers[-1].json()["policyName"] == "SECONDLY"
    assert api.get(CONTACTS).status_code == 200


@pytest.mark.parametrize("sandbox_limits", [{"index_lag_create_s": 10, "index_lag_update_s": 60}])
def test_search_sees_writes_only_after_the_index_lag(
    api: httpx.Client, sandbox: HubSpotSandbox, clock: ManualClock
) -> None:
    (row_id,) = sandbox.seed(seed_people(1))
    api.post(CONTACTS + "/batch/upsert", json={"inputs": [_upsert("fresh@example.org", "t")]})
    sandbox.edit(row_id, {"firstname": "Changed"})
    search = {"properties": ["firstname"], "limit": 10}

    def firstnames() -> list[str | None]:
        return [
            r["properties"]["firstname"]
            for r in api.post(CONTACTS + "/search", json=search).json()["results"]
        ]

    at_once = firstnames()
    clock.advance(10)
    after_create_lag = firstnames()
    clock.advance(50)
    after_update_lag = firstnames()

    assert at_once == ["First0"]
    assert after_create_lag == ["First0", None]
    assert after_update_lag == ["Changed", None]


def test_the_properties_endpoint_describes_types(api: httpx.Client) -> None:
    body = api.get("/crm/v3/properties/contacts").json()

    types = {p["name"]: (p["type"], p["fieldType"]) for p in body["results"]}
    assert types["date_of_birth"] == ("date", "date")
    assert types["hs_email_optout"] == ("bool", "booleancheckbox")


def test_unsubscribe_all_opts_the_contact_out(api: httpx.Client, sandbox: HubSpotSandbox) -> None:
    (row_id,) = sandbox.seed([SeedPerson(email="ann@example.org")])

    response = api.post(
        "/communication-preferences/v4/statuses/ann@example.org/unsubscribe-all",
        params={"channel": "EMAIL"},
    )

    wide = api.get("/communication-preferences/v4/statuses/ann@example.org/unsubscribe-all")
    assert response.status_code == 200
    assert (sandbox.properties_of(row_id) or {})["hs_email_optout"] == "true"
    assert wide.json()["results"][0]["status"] == "NOT_SUBSCRIBED"


def test_resubscribing_needs_a_legal_basis(api: httpx.Client, sandbox: HubSpotSandbox) -> None:
    (row_id,) = sandbox.seed([SeedPerson(email="ann@example.org", email_status="unsubscribed")])
    path = "/communication-preferences/v4/statuses/ann@example.org"
    body = {"channel": "EMAIL", "statusState": "SUBSCRIBED", "subscriptionId": 1}

    without = api.post(path, json=body)
    opted_out = (sandbox.properties_of(row_id) or {})["hs_email_optout"]
    with_basis = api.post(path, json=body | {"legalBasis": "CONSENT_WITH_NOTICE"})

    assert (without.status_code, opted_out) == (400, "true")
    assert with_basis.status_code == 200
    assert (sandbox.properties_of(row_id) or {})["hs_email_optout"] == "false"


def test_write_calls_count_writes_only(api: httpx.Client, sandbox: HubSpotSandbox) -> None:
    api.get(CONTACTS)
    api.post(CONTACTS + "/batch/upsert", json={"inputs": [_upsert("a@example.org", "t")]})
    api.post(CONTACTS + "/batch/archive", json={"inputs": [{"id": "1"}]})

    assert sandbox.write_calls() == 2


def test_an_unknown_api_version_gets_a_json_404(api: httpx.Client) -> None:
    response = api.get("/crm/objects/2099-01/contacts")

    assert (response.status_code, response.json()["status"]) == (404, "error")
