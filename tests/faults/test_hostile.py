"""Hostile records from each vendor's accepted value space: a cycle takes them without a
crash, quarantines the ones the store cannot hold with a reason that names the field and no
value, and stores (and pushes, where the configuration says so) all the others."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import astuple

import pytest
from hostile import HUBSPOT, MAILCHIMP, Hostile, corpus
from sqlalchemy import select

from connectors.hubspot.sandbox import HubSpotSandbox
from connectors.mailchimp.sandbox.member import subscriber_hash
from connectors.toolkit.clock import ManualClock
from sync import views
from sync.cycle import CycleReport, run_cycle
from sync.demo.world import World
from sync.records import record_id
from sync.runtime import Runtime
from sync.store import customers
from sync.store.tables import ConsentRow

PEOPLE_PER_VENDOR = 210
STREAMS = {"crm": "contacts", "newsletter": "members"}
Seeded = dict[str, dict[str, Hostile]]
CONSENT = ConsentRow.__table__  # type: ignore[attr-defined]


@pytest.fixture
def hostile(world: World, clock: ManualClock) -> Seeded:
    """System → external id → the hostile person stored there (the last one per id)."""
    seeded: Seeded = {}
    for system, vendor, seed in (("crm", HUBSPOT, 6), ("newsletter", MAILCHIMP, 66)):
        people = corpus(vendor, PEOPLE_PER_VENDOR, seed)
        ids = world.sandboxes[system].seed([h.person for h in people])
        seeded[system] = dict(zip(ids, people, strict=True))
    clock.advance(60)
    return seeded


def test_hostile_records_are_quarantined_by_field_or_taken_in(
    runtime: Runtime, hostile: Seeded, store_url: str
) -> None:
    started = time.perf_counter()
    report = run_cycle(runtime)
    elapsed_s = time.perf_counter() - started

    reasons = _open_reasons(runtime)
    stored = _stored_ids(runtime, hostile)
    assert report.errors == {}
    for system, people in hostile.items():
        for external_id, person in people.items():
            if person.bad_field is not None:
                expected = _reason(person)
                assert reasons.get((system, external_id)) == expected
            else:
                assert (system, external_id) not in reasons
                assert record_id(system, STREAMS[system], external_id) in stored
    _print_figures(store_url, hostile, reasons, report, elapsed_s)


def test_quarantine_reasons_carry_no_personal_data(runtime: Runtime, hostile: Seeded) -> None:
    run_cycle(runtime)

    reasons = _open_reasons(runtime)

    values = {v for people in hostile.values() for p in people.values() for v in _values(p)}
    assert reasons
    for reason in reasons.values():
        assert not [v for v in values if v in reason]


def test_good_subscribers_reach_the_crm(
    world: World, runtime: Runtime, hostile: Seeded, clock: ManualClock
) -> None:
    run_cycle(runtime)
    clock.advance(120)
    second = run_cycle(runtime)

    members = hostile["newsletter"]
    subscribed = [
        record_id("newsletter", "members", i)
        for i, h in members.items()
        if h.bad_field is None and h.person.email_status == "subscribed"
    ]
    crm_records, consenting = _crm_records_of(runtime, subscribed)
    crm = world.sandboxes["crm"]
    assert isinstance(crm, HubSpotSandbox)
    assert second.errors == {}
    assert len(consenting) > len(subscribed) / 2
    for member in consenting:
        found = crm_records[member]
        assert found, "a consenting subscriber is created in (or linked to) the CRM"
        assert all(crm.properties_of(r.rsplit(":", 1)[1]) is not None for r in found)


def _reason(person: Hostile) -> str:
    problem = "not valid Unicode" if person.bad_kind == "lone surrogate" else "not valid text"
    return f"{person.bad_field}: {problem} ({person.bad_kind})"


def _values(person: Hostile) -> Iterable[str]:
    """The person's values long enough that finding one in a reason means it leaked."""
    for value in astuple(person.person):
        if isinstance(value, str) and len(value.strip()) >= 5:
            yield value.strip()


def _open_reasons(rt: Runtime) -> dict[tuple[str, str], str]:
    with rt.store.transaction() as conn:
        rows = views.quarantined(conn, limit=10_000)
    return {(r["system"], r["external_id"]): r["reason"] for r in rows if r["step"] == "pull"}


def _stored_ids(rt: Runtime, hostile: Seeded) -> set[str]:
    ids = [record_id(s, STREAMS[s], i) for s, people in hostile.items() for i in people]
    with rt.store.transaction() as conn:
        return set(customers.links_of_records(conn, ids))


def _crm_records_of(rt: Runtime, record_ids: list[str]) -> tuple[dict[str, list[str]], set[str]]:
    """The CRM records linked to each record's customer, and the records whose customer has
    e-mail consent (a subscriber matched to someone who opted out has none: the opt-out wins)."""
    with rt.store.transaction() as conn:
        links = customers.links_of_records(conn, record_ids)
        members = customers.records_of_customers(conn, sorted(set(links.values())))
        query = select(CONSENT.c.customer_id).where(
            CONSENT.c.channel == "email", CONSENT.c.status == "granted"
        )
        granted = set(conn.execute(query).scalars())
    crm = {
        rid: [r for r in members[cid] if r.startswith("crm:contacts:")]
        for rid, cid in links.items()
    }
    return crm, {rid for rid, cid in links.items() if cid in granted}


def _print_figures(
    store_url: str,
    hostile: Seeded,
    reasons: dict[tuple[str, str], str],
    report: CycleReport,
    elapsed_s: float,
) -> None:
    backend = store_url.split(":", 1)[0]
    tried = {s: len(people) for s, people in hostile.items()}
    by_reason = Counter(f"{s}: {r}" for (s, _), r in reasons.items())
    failed = {k: p.failed for k, p in report.pushed.items()}
    print(f"\n[hostile {backend}] tried {tried} in {elapsed_s:.1f} s; push failures {failed}")
    for reason, count in sorted(by_reason.items()):
        print(f"[hostile {backend}] {count:4d} × {reason}")


def test_corpus_is_deterministic_and_large_enough() -> None:
    first = corpus(HUBSPOT, PEOPLE_PER_VENDOR, 6)
    again = corpus(HUBSPOT, PEOPLE_PER_VENDOR, 6)
    members = {subscriber_hash(h.person.email or "") for h in corpus(MAILCHIMP, 210, 66)}

    assert first == again
    assert len(first) >= 200
    assert len(members) >= 200
