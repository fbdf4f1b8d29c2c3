"""Reading and writing golden records, links, golden consent and conflicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from sync.store.sql import chunks, upsert
from sync.store.tables import ConflictRow, ConsentRow, CustomerRow, LinkRow

CUSTOMERS = CustomerRow.__table__  # type: ignore[attr-defined]
LINKS = LinkRow.__table__  # type: ignore[attr-defined]
CONSENT = ConsentRow.__table__  # type: ignore[attr-defined]
CONFLICTS = ConflictRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Link:
    source_record_id: str
    customer_id: str
    method: str
    score: float | None = None
    detail: dict[str, Any] | None = None
    status: str = "automatic"


@dataclass(frozen=True, slots=True)
class Golden:
    """A customer's merged fields, provenance and consent, as the store has them."""

    id: str
    entity: str
    fields: dict[str, Any]
    provenance: dict[str, Any]
    consent: dict[str, dict[str, Any]]
    is_deleted: bool = False


def links_of_records(conn: Connection, record_ids: Sequence[str]) -> dict[str, str]:
    """Source record id → customer id for the records that are linked."""
    return _of_records(conn, record_ids, LINKS.c.customer_id)


def methods_of_records(conn: Connection, record_ids: Sequence[str]) -> dict[str, str]:
    """Source record id → how it was linked (``email``, ``pushed``, ``operator``, …)."""
    return _of_records(conn, record_ids, LINKS.c.method)


def _of_records(conn: Connection, record_ids: Sequence[str], column: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in chunks(list(record_ids)):
        query = select(LINKS.c.source_record_id, column).where(LINKS.c.source_record_id.in_(part))
        out.update(dict(conn.execute(query).all()))
    return out


def records_of_customers(conn: Connection, customer_ids: Sequence[str]) -> dict[str, list[str]]:
    """Customer id → ids of its linked source records."""
    out: dict[str, list[str]] = {cid: [] for cid in customer_ids}
    for part in chunks(list(customer_ids)):
        query = select(LINKS.c.customer_id, LINKS.c.source_record_id).where(
            LINKS.c.customer_id.in_(part)
        )
        for cid, rid in conn.execute(query):
            out[cid].append(rid)
    return out


def save_links(conn: Connection, links: Sequence[Link], now: datetime) -> None:
    rows = [
        {
            "source_record_id": link.source_record_id,
            "customer_id": link.customer_id,
            "method": link.method,
            "score": link.score,
            "detail": link.detail,
            "status": link.status,
            "created_at": now,
        }
        for link in links
    ]
    upsert(conn, LINKS, rows, keys=["source_record_id"])


def create_customers(conn: Connection, ids_by_entity: Mapping[str, str], now: datetime) -> None:
    """Create empty golden records (id → entity); merge fills them in the same transaction."""
    rows = [
        {
            "id": cid,
            "entity": entity,
            "fields": {},
            "provenance": {},
            "is_deleted": False,
            "created_at": now,
            "updated_at": now,
        }
        for cid, entity in ids_by_entity.items()
    ]
    if rows:
        conn.execute(CUSTOMERS.insert(), rows)


def load_golden(conn: Connection, customer_ids: Sequence[str]) -> dict[str, Golden]:
    out: dict[str, Golden] = {}
    consent = _consent_of(conn, customer_ids)
    for part in chunks(list(customer_ids)):
        for row in conn.execute(select(CUSTOMERS).where(CUSTOMERS.c.id.in_(part))).mappings():
            out[row["id"]] = Golden(
                id=row["id"],
                entity=row["entity"],
                fields=dict(row["fields"] or {}),
                provenance=dict(row["provenance"] or {}),
                consent=consent.get(row["id"], {}),
                is_deleted=row["is_deleted"],
            )
    return out


def save_golden(conn: Connection, golden: Sequence[Golden], now: datetime) -> None:
    """Update merged fields, provenance and consent of existing customers."""
    if golden:
        statement = (
            update(CUSTOMERS)
            .where(CUSTOMERS.c.id == bindparam("b_id"))
            .values(
                fields=bindparam("b_fields"),
                provenance=bindparam("b_provenance"),
                is_deleted=bindparam("b_deleted"),
                updated_at=now,
            )
        )
        rows = [
            {
                "b_id": g.id,
                "b_fields": g.fields,
                "b_provenance": g.provenance,
                "b_deleted": g.is_deleted,
            }
            for g in golden
        ]
        conn.execute(statement, rows)
    consent = [
        {"customer_id": g.id, "channel": ch, **_consent_row(c), "updated_at": now}
        for g in golden
        for ch, c in g.consent.items()
    ]
    upsert(conn, CONSENT, consent, keys=["customer_id", "channel"])


def forget_consent(conn: Connection, customer_ids: Sequence[str]) -> None:
    """Drop the golden consent of customers whose records moved: merging them again states
    only what their own records said (a saved merge keeps channels it does not mention)."""
    for part in chunks(list(customer_ids)):
        conn.execute(delete(CONSENT).where(CONSENT.c.customer_id.in_(part)))


def add_conflicts(conn: Connection, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    if rows:
        conn.execute(CONFLICTS.insert(), [{**r, "created_at": now} for r in rows])


def _consent_of(conn: Connection, customer_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for part in chunks(list(customer_ids)):
        for row in conn.execute(select(CONSENT).where(CONSENT.c.customer_id.in_(part))).mappings():
            out.setdefault(row["customer_id"], {})[row["channel"]] = {
                "status": row["status"],
                "is_explicit": row["is_explicit"],
                "source_system": row["source_system"],
                "at": row["at"].isoformat() if row["at"] else None,
            }
    return out


def _consent_row(consent: Mapping[str, Any]) -> dict[str, Any]:
    at = consent.get("at")
    return {
        "status": consent["status"],
        "is_explicit": consent.get("is_explicit", True),
        "source_system": consent.get("source_system"),
        "at": datetime.fromisoformat(at) if at else None,
    }
