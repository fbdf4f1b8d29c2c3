"""The sandbox's own answers, checked against the spec: errors, filters, archive, batch."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from mailchimp_spec import SpecCheck

from connectors.mailchimp.sandbox import MailchimpSandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson

START = datetime(2026, 1, 1, tzinfo=UTC)


def seed(sandbox: MailchimpSandbox, count: int, **kw: Any) -> list[str]:
    people = [
        SeedPerson(email=f"p{i:02d}@example.org", modified_at=START + timedelta(minutes=i), **kw)
        for i in range(count)
    ]
    return sandbox.seed(people)


def batch(api: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    """``POST /lists/{list_id}`` itself (the client's base URL ends in a slash)."""
    return api.post(str(api.base_url).rstrip("/"), json=body)


def member_ids(response: httpx.Response) -> list[str]:
    return [m["id"] for m in response.json()["members"]]


def test_every_answer_has_a_request_id(api: httpx.Client) -> None:
    found, missing = api.get("/members"), api.get("/members/0000")

    assert found.headers["x-request-id"]
    assert missing.headers["x-request-id"] == missing.json()["instance"]


def test_a_wrong_key_is_a_401_problem(sandbox: MailchimpSandbox, api: httpx.Client) -> None:
    response = api.get("/members", auth=("anystring", "wrong-us6"))

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["title"] == "API Key Invalid"


def test_an_unknown_hash_is_a_404(api: httpx.Client) -> None:
    response = api.get("/members/62eeb292278cc15f5817cb78f7790b08")

    assert (response.status_code, response.json()["title"]) == (404, "Resource Not Found")


def test_members_are_addressed_by_hash_or_address(
    sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    (member_id,) = sandbox.seed([SeedPerson(email="Ada@Example.org")])

    by_address = api.get("/members/ada@example.org").json()

    assert by_address["id"] == member_id == hashlib.md5(b"ada@example.org").hexdigest()


def test_since_and_before_last_changed_are_exclusive(
    sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    ids = seed(sandbox, 5)
    window = {
        "since_last_changed": (START + timedelta(minutes=1)).isoformat(),
        "before_last_changed": (START + timedelta(minutes=4)).isoformat(),
    }

    response = api.get("/members", params={**window, "sort_field": "last_changed"})

    assert member_ids(response) == ids[2:4]
    assert response.json()["total_items"] == 2


def test_descending_order_and_offset(sandbox: MailchimpSandbox, api: httpx.Client) -> None:
    ids = seed(sandbox, 5)
    params: dict[str, str | int] = {
        "sort_field": "last_changed",
        "sort_dir": "DESC",
        "count": 2,
        "offset": 1,
    }

    assert member_ids(api.get("/members", params=params)) == [ids[3], ids[2]]


def test_status_filter(sandbox: MailchimpSandbox, api: httpx.Client) -> None:
    seed(sandbox, 3)
    (gone,) = sandbox.seed([SeedPerson(email="gone@example.org", email_status="cleaned")])

    assert member_ids(api.get("/members", params={"status": "cleaned"})) == [gone]


def test_fields_and_exclude_fields_trim_the_answer(
    sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    seed(sandbox, 1, first_name="Ada")
    fields = "members.id,members.merge_fields.FNAME,total_items"

    kept = api.get("/members", params={"fields": fields}).json()
    dropped = api.get("/members", params={"exclude_fields": "members.merge_fields"}).json()

    assert kept == {
        "members": [{"id": kept["members"][0]["id"], "merge_fields": {"FNAME": "Ada"}}],
        "total_items": 1,
    }
    assert "merge_fields" not in dropped["members"][0]
    assert "email_address" in dropped["members"][0]


def test_every_change_moves_last_changed(
    sandbox: MailchimpSandbox, api: httpx.Client, clock: ManualClock
) -> None:
    (member_id,) = seed(sandbox, 1)
    clock.advance(3600)

    api.patch(f"/members/{member_id}", json={"merge_fields": {"LNAME": "New"}})

    changed = api.get(f"/members/{member_id}").json()["last_changed"]
    assert changed == (START + timedelta(hours=1)).isoformat()


def test_put_creates_only_with_status_if_new(sandbox: MailchimpSandbox, api: httpx.Client) -> None:
    created = api.put(
        "/members/ada@example.org",
        json={"email_address": "ada@example.org", "status_if_new": "transactional"},
    )
    updated = api.put(
        "/members/ada@example.org",
        json={"email_address": "ada@example.org", "status_if_new": "subscribed"},
    )

    assert (created.status_code, created.json()["status"]) == (200, "transactional")
    assert updated.json()["status"] == "transactional"


def test_resubscribing_an_unsubscribed_member_is_a_compliance_error(
    sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    sandbox.seed([SeedPerson(email="left@example.org", email_status="unsubscribed")])

    refused = api.patch("/members/left@example.org", json={"status": "subscribed"})
    pending = api.patch("/members/left@example.org", json={"status": "pending"})

    assert (refused.status_code, refused.json()["title"]) == (400, "Member In Compliance State")
    assert pending.json()["status"] == "pending"


def test_delete_archives_and_a_new_status_does_not_restore_the_old_one(
    sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    sandbox.seed([SeedPerson(email="a@example.org", email_status="subscribed")])

    deleted = api.delete("/members/a@example.org")
    archived = api.get("/members/a@example.org").json()["status"]
    back = api.patch("/members/a@example.org", json={"status": "pending"}).json()["status"]

    assert (deleted.status_code, archived, back) == (204, "archived", "pending")


def test_an_archived_unsubscriber_stays_in_compliance_state(
    sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    sandbox.seed([SeedPerson(email="a@example.org", email_status="unsubscribed")])
    api.delete("/members/a@example.org")

    refused = api.patch("/members/a@example.org", json={"status": "subscribed"})

    assert refused.json()["title"] == "Member In Compliance State"


def test_a_permanently_deleted_address_cannot_come_back(
    sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    sandbox.seed([SeedPerson(email="a@example.org")])
    api.post("/members/a@example.org/actions/delete-permanent")

    again = api.put(
        "/members/a@example.org",
        json={"email_address": "a@example.org", "status_if_new": "pending"},
    )

    assert (again.status_code, again.json()["title"]) == (400, "Forgotten Email Not Subscribed")


def test_batch_subscribe_reports_each_member(sandbox: MailchimpSandbox, api: httpx.Client) -> None:
    sandbox.seed([SeedPerson(email="old@example.org", email_status="unsubscribed")])
    members = [
        {"email_address": "new@example.org", "status": "subscribed"},
        {"email_address": "old@example.org", "status": "subscribed"},
        {"email_address": "broken", "status": "subscribed"},
    ]

    answer = batch(api, {"members": members, "update_existing": True}).json()

    assert [m["email_address"] for m in answer["new_members"]] == ["new@example.org"]
    assert [(e["email_address"], e["error_code"]) for e in answer["errors"]] == [
        ("old@example.org", "ERROR_GENERIC"),
        ("broken", "ERROR_GENERIC"),
    ]
    assert "compliance state" in answer["errors"][0]["error"]
    assert (answer["total_created"], answer["total_updated"], answer["error_count"]) == (1, 0, 2)


def test_batch_without_update_existing_reports_existing_members(
    sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    sandbox.seed([SeedPerson(email="old@example.org")])
    members = [{"email_address": "old@example.org", "status": "transactional"}]

    answer = batch(api, {"members": members, "update_existing": False}).json()

    assert [e["error_code"] for e in answer["errors"]] == ["ERROR_CONTACT_EXISTS"]


def test_batch_of_more_than_500_is_refused(api: httpx.Client) -> None:
    members = [{"email_address": f"p{i}@example.org", "status": "subscribed"} for i in range(501)]

    response = batch(api, {"members": members})

    assert (response.status_code, response.json()["title"]) == (400, "Invalid Resource")


def test_tags_are_added_and_removed_by_name(sandbox: MailchimpSandbox, api: httpx.Client) -> None:
    sandbox.seed([SeedPerson(email="a@example.org", tags=("old",))])
    tags = [{"name": "new", "status": "active"}, {"name": "old", "status": "inactive"}]

    posted = api.post("/members/a@example.org/tags", json={"tags": tags})

    assert posted.status_code == 204
    assert [t["name"] for t in api.get("/members/a@example.org/tags").json()["tags"]] == ["new"]


def test_merge_values_are_validated_by_type(api: httpx.Client) -> None:
    body = {
        "email_address": "a@example.org",
        "status_if_new": "subscribed",
        "merge_fields": {"BIRTHDAY": "02/30"},
    }

    response = api.put("/members/a@example.org", json=body)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "BIRTHDAY", "message": "Please enter the birthday in the format MM/DD."}
    ]


def test_seeded_people_carry_stats_rating_and_crm_id(
    sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    person = SeedPerson(
        email="a@example.org",
        crm_ref="003XYZ",
        open_rate=0.4,
        click_rate=0.1,
        rating=5,
        street="1 Main St",
        city="Springfield",
        postcode="62701",
        country="US",
    )
    (member_id,) = sandbox.seed([person])

    member = api.get(f"/members/{member_id}").json()

    assert member["merge_fields"]["CRMID"] == "003XYZ"
    assert member["stats"] == {"avg_open_rate": 0.4, "avg_click_rate": 0.1}
    assert member["member_rating"] == 5
    assert member["merge_fields"]["ADDRESS"]["city"] == "Springfield"


def test_webhook_deliveries_name_their_source(sandbox: MailchimpSandbox, api: httpx.Client) -> None:
    sandbox.seed([SeedPerson(email="a@example.org")])
    api.patch("/members/a@example.org", json={"status": "unsubscribed"})
    sandbox.edit_member("a@example.org", source="user", status="subscribed")

    assert [(d.type, d.source) for d in sandbox.deliveries()] == [
        ("unsubscribe", "api"),
        ("subscribe", "user"),
    ]


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/segments", 404), ("DELETE", "/members", 405)]
)
def test_routes_the_sandbox_lacks_answer_as_mailchimp_would(
    api: httpx.Client, spec_check: SpecCheck, method: str, path: str, status: int
) -> None:
    spec_check.tolerate(method, api.build_request(method, path).url.path)

    response = api.request(method, path)

    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_batch_runs_later_and_leaves_its_results_in_a_tarball(
    sandbox: MailchimpSandbox, api: httpx.Client, clock: ManualClock
) -> None:
    batches = str(api.base_url).split("/lists/")[0] + "/batches"
    body = {"email_address": "a@example.org", "status_if_new": "subscribed"}
    operations = [
        {
            "method": "PUT",
            "path": f"/lists/{sandbox.list_id}/members/a@example.org",
            "body": json.dumps(body),
            "operation_id": "op-1",
        },
        {
            "method": "GET",
            "path": f"/lists/{sandbox.list_id}/members/nobody",
            "operation_id": "op-2",
        },
    ]

    submitted = api.post(batches, json={"operations": operations}).json()
    clock.advance(5)
    finished = api.get(f"{batches}/{submitted['id']}").json()
    archive = httpx.get(finished["response_body_url"]).content

    assert submitted["status"] == "pending"
    assert (finished["status"], finished["errored_operations"]) == ("finished", 1)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        (member,) = tar.getmembers()
        results = json.loads(tar.extractfile(member).read())  # type: ignore[union-attr]
    assert [(r["operation_id"], r["status_code"]) for r in results] == [
        ("op-1", 200),
        ("op-2", 404),
    ]
    assert sandbox.member("a@example.org").status == "subscribed"
