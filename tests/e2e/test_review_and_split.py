"""Explain and repair over the HubSpot and Mailchimp sandboxes: review list, accept and reject,
``customer --explain``, and a split that repairs links, golden records and every system."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import typer
from cast import BOTH
from typer.testing import CliRunner

from connectors.base import SystemClock
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson
from sync import lease
from sync.cli import customer, review
from sync.cycle import run_cycle
from sync.demo.world import World
from sync.job import push_lease
from sync.runtime import Runtime
from sync.store import review as review_store

JAN = SeedPerson("jan.becker@example.org", "Jan", "Becker", phone="+49 30 5550101")
NAMESAKE = SeedPerson(
    "j.becker@mail.example",
    "Jan",
    "Becker",
    phone="+49 89 5550303",
    company="Beta GmbH",
    email_status="transactional",
)
"""Another Jan Becker: same name, his own e-mail, phone and company. The matcher is unsure."""

runner = CliRunner()


def cli() -> typer.Typer:
    app = typer.Typer()
    customer.register(app)
    review.register(app)
    return app


def crmsync(world: World, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli(), [*args, "--config", str(world.config_path)])
    crashed = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.stdout + (f"\n{crashed!r}" if crashed else "")


def as_json(world: World, *args: str) -> Any:
    code, out = crmsync(world, *args, "--json")
    assert code == 0, out
    return json.loads(out)


@pytest.fixture
def namesakes(
    world: World, seeded: dict[str, list[str]], runtime: Runtime, clock: ManualClock
) -> dict[str, str]:
    """Both Jan Beckers synced once, among the cast; ids of the CRM contact and the member."""
    crm_id = world.sandboxes["crm"].seed([JAN])[0]
    member_id = world.sandboxes["newsletter"].seed([NAMESAKE])[0]
    clock.advance(60)
    assert run_cycle(runtime).ok
    clock.advance(60)
    return {"crm": f"crm:contacts:{crm_id}", "ma": f"newsletter:members:{member_id}"}


def cycle(runtime: Runtime, clock: ManualClock) -> None:
    report = run_cycle(runtime)
    clock.advance(60)
    assert report.ok


def writes(world: World) -> dict[str, int]:
    return {name: sandbox.write_calls() for name, sandbox in world.sandboxes.items()}


def test_review_list_shows_the_uncertain_match(world: World, namesakes: dict[str, str]) -> None:
    items = as_json(world, "review", "list")
    by_score = as_json(world, "review", "list", "--reason", "score")
    duplicates = as_json(world, "review", "list", "--reason", "crm_duplicate")

    crm = as_json(world, "customer", JAN.email or "")
    assert [(i["reason"], i["source_record_id"]) for i in items] == [("score", namesakes["ma"])]
    assert items[0]["candidate_customer_id"] == crm["id"]
    assert items[0]["customer_id"] != crm["id"]
    assert 0 < items[0]["score"] < 1
    assert {f["field"]: f["level"] for f in items[0]["fields"]}["phone"] == "different"
    assert by_score == items
    assert duplicates == []


def test_wrong_merge_then_split_repairs_every_system_and_stays_apart(
    world: World, namesakes: dict[str, str], runtime: Runtime, clock: ManualClock
) -> None:
    crm, newsletter = world.sandboxes["crm"], world.sandboxes["newsletter"]
    item = as_json(world, "review", "list")[0]
    assert crmsync(world, "review", "accept", str(item["id"]))[0] == 0
    cycle(runtime, clock)  # the wrong merge spreads to both systems
    contact = crm.properties_of(namesakes["crm"].rsplit(":", 1)[1]) or {}
    assert contact["company"] == "Beta GmbH"
    assert newsletter.member(NAMESAKE.email or "").merge_fields["PHONE"] == JAN.phone
    merged = as_json(world, "customer", JAN.email or "")

    code, _ = crmsync(world, "customer", "split", merged["id"], "--records", namesakes["ma"])
    cycle(runtime, clock)  # the repair
    before_quiet = writes(world)
    cycle(runtime, clock)

    member = newsletter.member(NAMESAKE.email or "")
    contact = crm.properties_of(namesakes["crm"].rsplit(":", 1)[1]) or {}
    jan, namesake = (
        as_json(world, "customer", JAN.email or ""),
        as_json(world, "customer", NAMESAKE.email or ""),
    )
    assert code == 0
    assert member.merge_fields["PHONE"] == NAMESAKE.phone, "his own phone is back"
    assert member.merge_fields["CRMID"] == "", "the other person's CRM id is cleared"
    assert member.merge_fields["COMPANY"] == "Beta GmbH"
    assert contact.get("company") in ("", None), "the member's company left the CRM contact"
    assert contact["phone"] == JAN.phone
    assert [r["id"] for r in jan["records"]] == [namesakes["crm"]]
    assert [r["id"] for r in namesake["records"]] == [namesakes["ma"]]
    assert "company" not in jan["fields"]
    assert namesake["fields"]["phone"]["value"] == NAMESAKE.phone
    assert "crm_id" not in namesake["fields"]
    assert namesake["records"][0]["link"]["status"] == "split"
    assert writes(world) == before_quiet, "once repaired, nothing more to write"
    with runtime.store.transaction() as conn:
        assert review_store.apart_from(conn, [namesakes["ma"]]) == {
            namesakes["ma"]: {namesakes["crm"]},
            namesakes["crm"]: {namesakes["ma"]},
        }


def test_accept_confirms_the_link_and_explain_shows_the_stored_comparison(
    world: World, namesakes: dict[str, str]
) -> None:
    item = as_json(world, "review", "list")[0]
    emptied = item["customer_id"]

    code, _ = crmsync(world, "review", "accept", str(item["id"]))

    explained = as_json(world, "customer", JAN.email or "", "--explain")
    links = {link["record"]: link for link in explained["links"]}
    gone = as_json(world, "customer", emptied)
    again, _ = crmsync(world, "review", "accept", str(item["id"]))
    assert code == 0
    assert links[namesakes["ma"]]["method"] == "operator"
    assert links[namesakes["ma"]]["status"] == "confirmed"
    assert links[namesakes["ma"]]["explained"] == "stored"
    assert links[namesakes["ma"]]["compared_with"] == namesakes["crm"]
    assert links[namesakes["ma"]]["match_probability"] == pytest.approx(item["score"])
    assert links[namesakes["crm"]]["explained"] == "computed_now"
    assert links[namesakes["crm"]]["compared_with"] == namesakes["ma"]
    assert {f["field"] for f in links[namesakes["crm"]]["fields"]} >= {"first_name", "phone"}
    assert gone["deleted"] is True
    assert gone["records"] == []
    assert again == 1, "an item is decided once"
    assert as_json(world, "review", "list") == []


def test_reject_remembers_the_pair_apart_and_the_queue_stays_empty(
    world: World, namesakes: dict[str, str], runtime: Runtime, clock: ManualClock
) -> None:
    item = as_json(world, "review", "list")[0]

    code, _ = crmsync(world, "review", "reject", str(item["id"]))
    world.sandboxes["newsletter"].edit_member(
        NAMESAKE.email or "", merge_fields={"LNAME": "Becker"}, source="user"
    )
    cycle(runtime, clock)

    again, _ = crmsync(world, "review", "reject", str(item["id"]))
    jan = as_json(world, "customer", JAN.email or "")
    assert code == 0
    assert again == 1
    assert as_json(world, "review", "list") == []
    assert [r["id"] for r in jan["records"]] == [namesakes["crm"]]
    with runtime.store.transaction() as conn:
        decided = review_store.item(conn, item["id"])
        apart = review_store.apart_from(conn, [namesakes["ma"]])
    assert decided is not None
    assert decided.status == "rejected"
    assert decided.decided_at is not None
    assert apart[namesakes["ma"]] == {namesakes["crm"]}


def test_explain_of_rule_links_shows_the_rule_and_its_comparison(
    world: World, seeded: dict[str, list[str]], runtime: Runtime
) -> None:
    assert run_cycle(runtime).ok

    explained = as_json(world, "customer", BOTH[1].email or "", "--explain")
    code, out = crmsync(world, "customer", BOTH[1].email or "", "--explain")

    by_system = {link["record"].split(":")[0]: link for link in explained["links"]}
    assert by_system["newsletter"]["method"] == "email"
    assert by_system["newsletter"]["rule"] == "email"
    assert by_system["newsletter"]["explained"] == "stored"
    assert {f["field"]: f["level"] for f in by_system["newsletter"]["fields"]}["email"] == "exact"
    assert by_system["crm"]["method"] == "new"
    assert by_system["crm"]["explained"] == "computed_now"
    assert code == 0
    assert "computed now" in out


@pytest.mark.parametrize(
    "records",
    [["crm:contacts:nope"], [], None],
    ids=["not-its-record", "no-record", "every-record"],
)
def test_split_refuses_what_it_cannot_do_and_changes_nothing(
    world: World, namesakes: dict[str, str], records: list[str] | None
) -> None:
    crm = as_json(world, "customer", JAN.email or "")
    asked = ",".join(records if records is not None else [namesakes["crm"]])

    code, _ = crmsync(world, "customer", "split", crm["id"], "--records", asked)
    unknown, _ = crmsync(world, "customer", "split", "no-such-customer", "--records", asked)

    assert (code, unknown) == (1, 1)
    assert as_json(world, "customer", JAN.email or "") == crm


def test_no_repair_while_a_push_is_running(
    world: World, namesakes: dict[str, str], runtime: Runtime
) -> None:
    item = as_json(world, "review", "list")[0]
    crm = as_json(world, "customer", JAN.email or "")
    target = runtime.stream("newsletter", "members")
    assert lease.acquire(runtime.store, push_lease(target), "replica-2", 600, SystemClock().now())

    accepted, _ = crmsync(world, "review", "accept", str(item["id"]))
    split, _ = crmsync(world, "customer", "split", crm["id"], "--records", namesakes["crm"])

    assert (accepted, split) == (1, 1)
    assert as_json(world, "review", "list") == [item]


def test_unknown_review_item_exits_1(world: World, namesakes: dict[str, str]) -> None:
    assert crmsync(world, "review", "accept", "999")[0] == 1
    assert crmsync(world, "review", "reject", "999")[0] == 1


def test_accepting_a_match_takes_the_crm_contact_we_created_along_and_flags_the_crm_duplicate(
    world: World, seeded: dict[str, list[str]], runtime: Runtime, clock: ManualClock
) -> None:
    crm = world.sandboxes["crm"]
    jan_id = crm.seed([JAN])[0]
    world.sandboxes["newsletter"].seed([replace(NAMESAKE, email_status="subscribed")])
    clock.advance(60)
    cycle(runtime, clock)  # the subscriber is a new customer, so he gets a CRM contact of his own
    created = as_json(world, "customer", NAMESAKE.email or "")["records"]
    (made,) = [r["id"] for r in created if r["system"] == "crm"]
    (item,) = as_json(world, "review", "list", "--reason", "score")

    accepted, said = crmsync(world, "review", "accept", str(item["id"]))
    duplicates = as_json(world, "review", "list", "--reason", "crm_duplicate")
    jan = as_json(world, "customer", JAN.email or "")

    assert accepted == 0, said
    assert made.rsplit(":", 1)[1] != jan_id
    assert sorted(r["id"] for r in jan["records"]) == sorted(
        [f"crm:contacts:{jan_id}", made, item["source_record_id"]]
    ), "the contact made for the subscriber went along with him"
    assert [(d["source_record_id"], d["candidate_customer_id"]) for d in duplicates] == [
        (made, jan["id"])
    ]
    assert duplicates[0]["compared_with"] == ["crm", jan_id]


def test_a_split_lists_the_consent_the_wrong_merge_wrote_and_does_not_undo_an_opt_out(
    world: World, seeded: dict[str, list[str]], runtime: Runtime, clock: ManualClock
) -> None:
    newsletter = world.sandboxes["newsletter"]
    (member,) = newsletter.seed([NAMESAKE])
    clock.advance(60)
    (jan,) = world.sandboxes["crm"].seed([replace(JAN, email_status="unsubscribed")])
    clock.advance(60)
    cycle(runtime, clock)
    (item,) = as_json(world, "review", "list", "--reason", "score")
    assert crmsync(world, "review", "accept", str(item["id"]))[0] == 0
    cycle(runtime, clock)  # the wrong merge carries Jan's opt-out to the other man's membership
    assert newsletter.member(NAMESAKE.email or "").status == "unsubscribed"
    merged = as_json(world, "customer", JAN.email or "")
    moving = f"newsletter:members:{member}"

    split = as_json(world, "customer", "split", merged["id"], "--records", moving)
    cycle(runtime, clock)

    assert split["consent_to_check"] == [
        {"record": moving, "channel": "email", "written": "withdrawn", "own": None}
    ]
    assert newsletter.member(NAMESAKE.email or "").status == "unsubscribed", "not undone alone"
    assert as_json(world, "customer", JAN.email or "")["records"][0]["id"] == f"crm:contacts:{jan}"
