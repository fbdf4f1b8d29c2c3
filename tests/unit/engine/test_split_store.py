"""Splitting a customer in the store: who moves where, what is remembered apart, and that each
side's golden record (fields, provenance, consent) comes from its own records only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection

from connectors.toolkit.clock import ManualClock
from sync import golden
from sync.records import CanonicalRecord, ConsentStatement, record_id
from sync.relink import RepairError
from sync.resolve import index_records
from sync.runtime import Runtime
from sync.split import split_customer
from sync.store import customers, review
from sync.store import records as stored_records

STREAMS = {"crm": "contacts", "newsletter": "members"}


def record(system: str, fields: dict[str, Any], granted: bool | None = None) -> CanonicalRecord:
    external = uuid.uuid4().hex[:12]
    consent = {} if granted is None else {"email": _statement(granted)}
    return CanonicalRecord(
        record_id(system, STREAMS[system], external),
        system,
        STREAMS[system],
        external,
        "person",
        fields,
        consent,
        None,
    )


def _statement(granted: bool) -> ConsentStatement:
    return ConsentStatement(
        "granted" if granted else "withdrawn", "2026-01-01T00:00:00+00:00", True
    )


def one_customer(
    conn: Connection, rt: Runtime, records: Sequence[CanonicalRecord], now: datetime
) -> str:
    """Store ``records`` as the linked records of one new customer, merged."""
    stored_records.save(
        conn, records, {r.id: {} for r in records}, {r.id: "h" for r in records}, now
    )
    stored_records.append_consent_events(
        conn, [(r, ch, st) for r in records for ch, st in r.consent.items()], now
    )
    cid = uuid.uuid4().hex
    customers.create_customers(conn, {cid: "person"}, now)
    customers.save_links(conn, [customers.Link(r.id, cid, "new") for r in records], now)
    index_records(conn, rt, records)
    golden.refresh(conn, rt, {cid}, (), now)
    return cid


def provenance_records(conn: Connection, cid: str) -> set[str]:
    found = customers.load_golden(conn, [cid])[cid]
    return {p["record"] for p in found.provenance.values()}


PEOPLE = st.lists(
    st.tuples(
        st.sampled_from(sorted(STREAMS)),
        st.sampled_from(["Jan", "Anna", "Ayşe", "Mehmet"]),
        st.sampled_from(["Becker", "Müller", "Kaya"]),
        st.sampled_from([None, "+49 30 5550101", "+49 89 5550303"]),
    ),
    min_size=2,
    max_size=5,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=PEOPLE, data=st.data())
def test_a_split_partitions_the_records_and_each_side_merges_only_its_own(
    rt: Runtime,
    clock: ManualClock,
    people: list[tuple[str, str, str, str | None]],
    data: st.DataObject,
) -> None:
    records = [
        record(system, {"first_name": first, "last_name": last, "phone": phone})
        for system, first, last, phone in people
    ]
    chosen = data.draw(
        st.sets(st.integers(0, len(records) - 1), min_size=1, max_size=len(records) - 1)
    )
    moved = {records[i].id for i in chosen}
    kept = {r.id for r in records} - moved
    now = clock.now()
    with rt.store.transaction() as conn:
        cid = one_customer(conn, rt, records, now)

        done = split_customer(conn, rt, cid, moved, now)

        members = customers.records_of_customers(conn, [cid, done.new_customer_id])
        apart = review.apart_from(conn, sorted(moved))
        sides = {c: provenance_records(conn, c) for c in (cid, done.new_customer_id)}
        links = customers.links_of_records(conn, sorted(moved))
    assert set(members[done.new_customer_id]) == moved
    assert set(members[cid]) == kept
    assert set(links.values()) == {done.new_customer_id}
    assert all(apart[rid] == kept for rid in moved)
    assert sides[cid] <= kept
    assert sides[done.new_customer_id] <= moved


def test_consent_stays_with_the_side_whose_record_stated_it(
    rt: Runtime, clock: ManualClock
) -> None:
    crm = record("crm", {"first_name": "Jan", "last_name": "Becker"})
    member = record("newsletter", {"first_name": "Jan", "last_name": "Becker"}, granted=True)
    now = clock.now()
    with rt.store.transaction() as conn:
        cid = one_customer(conn, rt, [crm, member], now)
        merged = customers.load_golden(conn, [cid])[cid]

        done = split_customer(conn, rt, cid, [member.id], now)

        after = customers.load_golden(conn, [cid, done.new_customer_id])
    assert merged.consent["email"]["status"] == "granted"
    assert after[cid].consent == {}, "the CRM contact never said yes"
    assert after[done.new_customer_id].consent["email"]["status"] == "granted"


def test_a_split_link_says_where_it_came_from(rt: Runtime, clock: ManualClock) -> None:
    crm = record("crm", {"first_name": "Jan", "last_name": "Becker"})
    member = record("newsletter", {"first_name": "Jan", "last_name": "Becker"})
    now = clock.now()
    with rt.store.transaction() as conn:
        cid = one_customer(conn, rt, [crm, member], now)

        done = split_customer(conn, rt, cid, [member.id], now)

        views = {r["source_record_id"]: r for r in _links(conn, [crm.id, member.id])}
    assert (views[member.id]["method"], views[member.id]["status"]) == ("operator", "split")
    assert views[member.id]["detail"] == {"split_from": cid}
    assert views[member.id]["customer_id"] == done.new_customer_id
    assert (views[crm.id]["method"], views[crm.id]["customer_id"]) == ("new", cid)


def test_a_refused_split_raises_before_changing_anything(rt: Runtime, clock: ManualClock) -> None:
    crm = record("crm", {"first_name": "Jan", "last_name": "Becker"})
    member = record("newsletter", {"first_name": "Jan", "last_name": "Becker"})
    now = clock.now()
    with rt.store.transaction() as conn:
        cid = one_customer(conn, rt, [crm, member], now)

        with pytest.raises(RepairError):
            split_customer(conn, rt, cid, [crm.id, member.id], now)

        members = customers.records_of_customers(conn, [cid])[cid]
    assert sorted(members) == sorted([crm.id, member.id])


def _links(conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
    query = customers.LINKS.select().where(customers.LINKS.c.source_record_id.in_(ids))
    return [dict(r) for r in conn.execute(query).mappings()]
