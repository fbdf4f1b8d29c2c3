"""Organisations join by web domain: a stored one holding it, or one placed earlier in the page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from sync.records import CanonicalRecord, StagedChange, record_id
from sync.resolve import resolve
from sync.runtime import Runtime
from sync.store import customers
from sync.store import records as stored_records


def organisation(external_id: str, domain: str) -> CanonicalRecord:
    return CanonicalRecord(
        record_id("crm", "companies", external_id),
        "crm",
        "companies",
        external_id,
        "organisation",
        {"organisation_name": f"Acme {external_id}", "domain": domain},
        {},
        None,
    )


def take(conn: Connection, rt: Runtime, records: list[CanonicalRecord], now: datetime) -> None:
    stored_records.save(
        conn, records, {r.id: {} for r in records}, {r.id: "h" for r in records}, now
    )
    resolve(conn, rt, [StagedChange(r, frozenset(r.fields), True, False) for r in records], now)


def test_organisations_of_one_domain_in_one_page_and_later_pages_are_one_customer(
    rt: Runtime,
) -> None:
    now = rt.clock.now()
    first = [
        organisation("1", "acme.com"),
        organisation("2", "ACME.com"),
        organisation("3", "b.io"),
    ]
    later = [organisation("4", "acme.com")]
    with rt.store.transaction() as conn:
        take(conn, rt, first, now)
        take(conn, rt, later, now)
        linked = customers.links_of_records(conn, [r.id for r in first + later])

    acme = {linked[r.id] for r in first + later if r.fields["domain"].lower() == "acme.com"}
    assert len(acme) == 1
    assert linked[first[2].id] not in acme
