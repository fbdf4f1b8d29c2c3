"""One refused push or one bad record is one open quarantine entry, however many cycles meet it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson
from sync import views
from sync.cycle import run_cycle
from sync.demo.world import World
from sync.runtime import Runtime
from sync.store import journal
from sync.store.sql import Store

ODD_EMAIL = "zoe@example"
"""Taken by the newsletter, refused by the CRM (HubSpot wants a dotted domain)."""
REFUSED = "push skipped: the e-mail is already another customer's record there"


def refused_create(customer_id: str) -> dict[str, Any]:
    """An entry as a push that refuses a create in the CRM writes it."""
    return {
        "step": "push",
        "system": "crm",
        "stream": "contacts",
        "external_id": None,
        "reason": REFUSED,
        "payload": {"customer_id": customer_id},
    }


def rejected_update(customer_id: str, target_id: str) -> dict[str, Any]:
    """An entry as a push whose update the target rejected writes it."""
    return {
        "step": "push",
        "system": "crm",
        "stream": "contacts",
        "external_id": target_id,
        "reason": "push rejected: INVALID_EMAIL",
        "payload": {"customer_id": customer_id, "fields": ["email"]},
    }


def bad_record(external_id: str) -> dict[str, Any]:
    """An entry as a pull that could not map a record writes it (no step: the default)."""
    return {
        "system": "crm",
        "stream": "contacts",
        "external_id": external_id,
        "reason": "unparseable",
        "payload": {"id": external_id},
    }


def cycles(store: Store, clock: ManualClock, rows: list[dict[str, Any]], times: int) -> None:
    for _ in range(times):
        with store.transaction() as conn:
            journal.quarantine(conn, rows, clock.now())
        clock.advance(300)


def test_three_cycles_meeting_the_same_rejected_push_leave_one_open_entry(
    world: World, runtime: Runtime, clock: ManualClock
) -> None:
    newsletter = world.sandboxes["newsletter"]
    newsletter.seed([SeedPerson(ODD_EMAIL, "Zoe", "Zed", email_status="subscribed")])
    for n in range(3):
        clock.advance(60)
        newsletter.edit_member(ODD_EMAIL, merge_fields={"FNAME": f"Zoe {n}"}, source="user")
        clock.advance(60)

        report = run_cycle(runtime)

        assert report.pushed["crm/contacts"].failed == 1
    with runtime.store.transaction() as conn:
        listed = views.quarantined(conn)
        totals = views.status(conn)["totals"]
    assert [(e["step"], e["reason"]) for e in listed] == [("push", "push rejected: INVALID_EMAIL")]
    assert (totals["push_failures"], totals["quarantined"]) == (1, 0)


def test_repeated_refusals_of_two_customers_leave_one_open_entry_each(
    engine: Engine, clock: ManualClock
) -> None:
    store = Store(engine)

    cycles(store, clock, [refused_create("c1"), rejected_update("c2", "701")], times=3)

    with store.transaction() as conn:
        listed = views.quarantined(conn)
        totals = views.status(conn)["totals"]
    assert sorted(e["customer_id"] for e in listed) == ["c1", "c2"]
    assert (totals["push_failures"], totals["quarantined"]) == (2, 0)


def test_the_open_entry_carries_the_latest_reason(engine: Engine, clock: ManualClock) -> None:
    store = Store(engine)
    cycles(store, clock, [rejected_update("c1", "701")], times=1)

    cycles(store, clock, [refused_create("c1")], times=1)

    with store.transaction() as conn:
        (entry,) = views.quarantined(conn)
    assert (entry["customer_id"], entry["reason"]) == ("c1", REFUSED)


def test_refused_pushes_of_other_customers_or_targets_stay_apart(
    engine: Engine, clock: ManualClock
) -> None:
    store = Store(engine)
    other_target = {**refused_create("c1"), "system": "newsletter", "stream": "members"}

    cycles(store, clock, [refused_create("c1"), refused_create("c2"), other_target], times=2)

    with store.transaction() as conn:
        listed = views.quarantined(conn)
    assert sorted((e["system"], e["customer_id"]) for e in listed) == [
        ("crm", "c1"),
        ("crm", "c2"),
        ("newsletter", "c1"),
    ]


def test_a_push_entry_never_replaces_a_pulled_records_entry_nor_the_reverse(
    engine: Engine, clock: ManualClock
) -> None:
    store = Store(engine)

    cycles(store, clock, [bad_record("701"), rejected_update("c1", "701")], times=3)

    with store.transaction() as conn:
        totals = views.status(conn)["totals"]
    assert (totals["quarantined"], totals["push_failures"]) == (1, 1)


def test_a_replayed_entry_stays_as_history_and_only_open_entries_are_counted(
    engine: Engine, clock: ManualClock
) -> None:
    store = Store(engine)
    cycles(store, clock, [bad_record("701")], times=1)
    with store.transaction() as conn:
        journal.release_quarantined(conn, "crm", "contacts", ["701"], clock.now())

    cycles(store, clock, [bad_record("701")], times=2)

    with store.transaction() as conn:
        open_entries = views.quarantined(conn)
        every_entry = views.quarantined(conn, include_replayed=True)
        totals = views.status(conn)["totals"]
    assert (len(open_entries), len(every_entry), totals["quarantined"]) == (1, 2, 1)


def test_taking_a_record_in_does_not_answer_a_refused_push_to_it(
    engine: Engine, clock: ManualClock
) -> None:
    store = Store(engine)
    cycles(store, clock, [bad_record("701"), rejected_update("c1", "701")], times=1)

    with store.transaction() as conn:
        journal.release_quarantined(conn, "crm", "contacts", ["701"], clock.now())
        listed = views.quarantined(conn)

    assert [(e["step"], e["customer_id"]) for e in listed] == [("push", "c1")]
