"""Whole cycles over the HubSpot and Mailchimp sandboxes, the store and the engine."""

from __future__ import annotations

import hashlib
from typing import Any

from cast import BOTH, MA_ONLY

from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson
from sync import views
from sync.cycle import run_cycle
from sync.demo.world import World
from sync.runtime import Runtime
from sync.store import profiles


def crm_by_email(rt: Runtime) -> dict[str, Any]:
    records = [r for p in rt.connectors["crm"].read("contacts", None) for r in p.records]
    return {str(r.fields.get("email")): r for r in records}


def writes(world: World) -> dict[str, int]:
    return {name: sandbox.write_calls() for name, sandbox in world.sandboxes.items()}


def test_first_cycle_links_overlaps_and_carries_data_both_ways(
    world: World, seeded: dict[str, list[str]], runtime: Runtime
) -> None:
    report = run_cycle(runtime)

    crm = crm_by_email(runtime)
    newsletter = world.sandboxes["newsletter"]
    assert report.ok
    assert report.pulled["newsletter/members"].links["email"] == len(BOTH)
    assert {p.email for p in MA_ONLY[:2]} <= set(crm), "new subscribers reach the CRM"
    assert MA_ONLY[2].email not in crm, "no CRM contact without consent under 'consented'"
    assert crm[BOTH[2].email].consent[0].status.value == "withdrawn", "MA opt-out reaches CRM"
    anna = newsletter.member(BOTH[0].email)
    assert anna.merge_fields["FNAME"] == "Anna", "the CRM leads first names"
    assert anna.merge_fields["CRMID"] == seeded["crm"][0], "the CRM id is kept in the MA"
    with runtime.store.transaction() as conn:
        totals = views.status(conn)["totals"]
    assert totals["customers"] == 9


def test_no_change_cycle_writes_nothing_and_our_echoes_are_not_changes(
    world: World, seeded: dict[str, list[str]], runtime: Runtime, clock: ManualClock
) -> None:
    run_cycle(runtime)
    clock.advance(120)
    after_first = writes(world)

    echo_cycle = run_cycle(runtime)
    clock.advance(120)
    quiet_cycle = run_cycle(runtime)

    assert writes(world) == after_first
    for report in (echo_cycle, quiet_cycle):
        for counts in report.pulled.values():
            assert counts.staged.new + counts.staged.changed == 0
        assert all(p.calls == 0 for p in report.pushed.values())


def test_edits_on_both_sides_reach_the_other_side(
    world: World, seeded: dict[str, list[str]], runtime: Runtime, clock: ManualClock
) -> None:
    run_cycle(runtime)
    clock.advance(300)
    crm, newsletter = world.sandboxes["crm"], world.sandboxes["newsletter"]
    crm.edit(seeded["crm"][0], {"lastname": "Müller-Lüdenscheidt"})
    newsletter.edit_member(BOTH[1].email, merge_fields={"PHONE": "+49 30 1234567"}, source="user")
    newsletter.edit_member(BOTH[3].email, merge_fields={"FNAME": "Ayshe"}, source="user")
    clock.advance(60)

    report = run_cycle(runtime)

    assert newsletter.member(BOTH[0].email).merge_fields["LNAME"] == "Müller-Lüdenscheidt"
    assert crm.properties_of(seeded["crm"][1])["phone"] == "+49 30 1234567"
    assert newsletter.member(BOTH[3].email).merge_fields["FNAME"] == "Ayşe", "CRM leads names"
    with runtime.store.transaction() as conn:
        conflicts = views.conflicts(conn)
    assert [(c["field"], c["loser_value"]) for c in conflicts] == [("first_name", "Ayshe")]
    assert report.ok


def test_consent_changes_travel_both_ways_and_an_opt_out_is_never_lost(
    world: World, seeded: dict[str, list[str]], runtime: Runtime, clock: ManualClock
) -> None:
    run_cycle(runtime)
    clock.advance(300)
    crm, newsletter = world.sandboxes["crm"], world.sandboxes["newsletter"]
    newsletter.edit_member(BOTH[0].email, status="unsubscribed", source="user")
    crm.edit(seeded["crm"][1], {"hs_email_optout": "true"})
    clock.advance(60)

    run_cycle(runtime)
    clock.advance(300)
    crm.edit(seeded["crm"][0], {"firstname": "Anna"})  # a later CRM edit, no consent evidence
    run_cycle(runtime)

    contacts = crm_by_email(runtime)
    assert contacts[BOTH[0].email].consent[0].status.value == "withdrawn"
    assert newsletter.member(BOTH[1].email).status == "unsubscribed"
    assert newsletter.member(BOTH[0].email).status == "unsubscribed"
    with runtime.store.transaction() as conn:
        anna = views.customer_view(conn, views.find_customer(conn, BOTH[0].email) or "")
    assert anna["consent"]["email"]["status"] == "withdrawn"


def test_malformed_record_is_quarantined_and_the_rest_goes_on(
    world: World, seeded: dict[str, list[str]], runtime: Runtime
) -> None:
    bad = world.sandboxes["newsletter"].add_malformed("members")

    report = run_cycle(runtime)

    with runtime.store.transaction() as conn:
        entries = views.quarantined(conn)
    assert [(e["system"], e["external_id"]) for e in entries] == [("newsletter", bad)]
    assert entries[0]["reason"]
    assert "payload" not in entries[0]
    assert report.pulled["newsletter/members"].links["email"] == len(BOTH)


def test_a_household_sharing_a_mailbox_is_not_merged_nor_overwritten(
    world: World, seeded: dict[str, list[str]], runtime: Runtime
) -> None:
    (klaus,) = world.sandboxes["crm"].seed([SeedPerson("family.wolf@example.org", "Klaus", "Wolf")])
    world.sandboxes["newsletter"].seed(
        [SeedPerson("family.wolf@example.org", "Lina", "Wolf", email_status="subscribed")]
    )

    run_cycle(runtime)
    run_cycle(runtime)

    contacts = [r for r in crm_by_email(runtime).values() if r.external_id == klaus]
    assert contacts[0].fields["firstname"] == "Klaus"
    emails = [
        r.fields.get("email")
        for p in runtime.connectors["crm"].read("contacts", None)
        for r in p.records
    ]
    assert emails.count("family.wolf@example.org") == 1
    with runtime.store.transaction() as conn:
        refused = [q for q in views.quarantined(conn) if q["step"] == "push"]
        member = hashlib.md5(b"family.wolf@example.org").hexdigest()  # Mailchimp's member id
        lina = views.find_customer(conn, f"newsletter:members:{member}")
    assert [q["system"] for q in refused] == ["crm"]
    assert lina is not None
    assert refused[0]["customer_id"] == lina, "the held-back create names Lina's customer"


def test_a_pushed_value_that_matching_uses_reaches_the_targets_match_profile(
    world: World, seeded: dict[str, list[str]], runtime: Runtime, clock: ManualClock
) -> None:
    assert run_cycle(runtime).ok
    world.sandboxes["crm"].edit(seeded["crm"][0], {"company": "Müller Bau GmbH"})
    clock.advance(120)  # past HubSpot's search lag

    assert run_cycle(runtime).ok

    member = hashlib.md5((BOTH[0].email or "").encode()).hexdigest()  # Mailchimp's member id
    with runtime.store.transaction() as conn:
        (profile,) = profiles.load(conn, [f"newsletter:members:{member}"]).values()
    assert world.sandboxes["newsletter"].member(BOTH[0].email or "").merge_fields["COMPANY"]
    assert profile.company is not None
    assert "bau" in profile.company
