"""Read-only views of the store for operators: status, one customer's lineage, conflicts,
quarantine. Every view returns plain JSON-ready data; the CLI renders it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from sync import explain, lease
from sync.identity.model import MatchModel
from sync.identity.normalize.email import normalize_email
from sync.identity.settings import MatchSettings
from sync.store import customers, journal, outbox, profiles
from sync.store import records as stored_records
from sync.store.tables import (
    ConflictRow,
    CustomerRow,
    LeaseRow,
    LinkRow,
    QuarantineRow,
    ReviewItemRow,
    SourceRecordRow,
)

CUSTOMERS = CustomerRow.__table__  # type: ignore[attr-defined]
LINKS = LinkRow.__table__  # type: ignore[attr-defined]
RECORDS = SourceRecordRow.__table__  # type: ignore[attr-defined]
CONFLICTS = ConflictRow.__table__  # type: ignore[attr-defined]
QUARANTINE = QuarantineRow.__table__  # type: ignore[attr-defined]
REVIEW = ReviewItemRow.__table__  # type: ignore[attr-defined]
LEASES = LeaseRow.__table__  # type: ignore[attr-defined]


def status(
    conn: Connection,
    runs: int = 5,
    now: datetime | None = None,
    is_dead: Callable[[str], bool] = lease.is_dead_process,
) -> dict[str, Any]:
    """Recent runs, store totals, cursors, outbox, open work, and (given ``now``) the leases
    held at that moment: which process is pulling or pushing what.

    A run still marked ``running`` whose process has ended (judged by ``is_dead``) shows as
    ``interrupted``; the view writes nothing, the next run closes it in the store.
    """
    return {
        "runs": [_run(r, is_dead) for r in journal.recent_runs(conn, runs)],
        "totals": {
            "customers": _count(conn, CUSTOMERS),
            "source_records": _count(conn, RECORDS),
            "links": _count(conn, LINKS),
            "open_conflicts": _count(conn, CONFLICTS, CONFLICTS.c.resolved_at.is_(None)),
            "quarantined": _count(conn, QUARANTINE, _open_in("pull")),
            "push_failures": _count(conn, QUARANTINE, _open_in("push")),
            "open_reviews": _count(conn, REVIEW, REVIEW.c.status == "open"),
        },
        "records_by_system": _records_by_system(conn),
        "cursors": [
            {"system": c["system"], "stream": c["stream"], "updated_at": _iso(c["updated_at"])}
            for c in journal.all_cursors(conn)
        ],
        "outbox": outbox.count_pending(conn),
        "leases": _leases(conn, now, is_dead) if now is not None else [],
    }


def _leases(
    conn: Connection, now: datetime, is_dead: Callable[[str], bool]
) -> list[dict[str, Any]]:
    """Unexpired leases; ``holder_ended`` marks those whose process has ended (the next
    claim takes them over at once)."""
    query = select(LEASES.c.name, LEASES.c.holder, LEASES.c.expires_at).where(
        LEASES.c.expires_at > now
    )
    return [
        {
            "name": name,
            "holder": holder,
            "expires_at": _iso(expires),
            "holder_ended": is_dead(holder),
        }
        for name, holder, expires in conn.execute(query.order_by(LEASES.c.name))
    ]


def find_customer(conn: Connection, ident: str) -> str | None:
    """A customer id from a customer id, a source record id, or an e-mail address."""
    if conn.execute(select(CUSTOMERS.c.id).where(CUSTOMERS.c.id == ident)).first():
        return ident
    linked = customers.links_of_records(conn, [ident])
    if linked:
        return linked[ident]
    email = normalize_email(ident)
    if email is None:
        return None
    hits = stored_records.records_with_keys(conn, [f"e:{email}"]).get(f"e:{email}", set())
    found = customers.links_of_records(conn, sorted(hits))
    return min(found.values()) if found else None


def customer_view(conn: Connection, customer_id: str) -> dict[str, Any]:
    """The golden record with each field's provenance and the linked source records."""
    golden = customers.load_golden(conn, [customer_id])[customer_id]
    record_ids = customers.records_of_customers(conn, [customer_id])[customer_id]
    stored = stored_records.load(conn, record_ids)
    links = {
        r["source_record_id"]: r
        for r in conn.execute(select(LINKS).where(LINKS.c.customer_id == customer_id)).mappings()
    }
    return {
        "id": golden.id,
        "entity": golden.entity,
        "deleted": golden.is_deleted,
        "fields": {
            name: {"value": value, **golden.provenance.get(name, {})}
            for name, value in sorted(golden.fields.items())
        },
        "consent": golden.consent,
        "records": [
            {
                "id": rid,
                "system": s.system,
                "stream": s.stream,
                "external_id": s.external_id,
                "modified_at": _iso(s.modified_at),
                "deleted": s.is_deleted,
                "link": {k: links[rid][k] for k in ("method", "score", "status", "detail")},
                "fields": s.fields,
                "consent": {k: v.encode() for k, v in s.consent.items()},
            }
            for rid, s in sorted(stored.items())
        ],
    }


def explain_view(
    conn: Connection, customer_id: str, model: MatchModel, settings: MatchSettings
) -> dict[str, Any]:
    """Why the customer's records belong together, link by link (see :mod:`sync.explain`)."""
    golden = customers.load_golden(conn, [customer_id])[customer_id]
    rows = conn.execute(select(LINKS).where(LINKS.c.customer_id == customer_id)).mappings()
    links = [
        explain.LinkFacts(r["source_record_id"], r["method"], r["status"], r["score"], r["detail"])
        for r in rows
    ]
    stored = profiles.load(conn, [link.record_id for link in links])
    reasons = explain.explain_links(links, stored, model, settings)
    return {
        "id": golden.id,
        "entity": golden.entity,
        "deleted": golden.is_deleted,
        "links": [explain.reason_json(r) for r in reasons],
    }


def conflicts(
    conn: Connection, include_resolved: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    query = select(CONFLICTS).order_by(CONFLICTS.c.id.desc()).limit(limit)
    if not include_resolved:
        query = query.where(CONFLICTS.c.resolved_at.is_(None))
    return [_jsonable(dict(r)) for r in conn.execute(query).mappings()]


def quarantined(
    conn: Connection, include_replayed: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    """Quarantine entries without their payloads (a pulled record's payload holds personal
    data); a held-back push names the customer it was for."""
    columns = [c for c in QUARANTINE.c if c.name != "payload"]
    query = select(*columns, QUARANTINE.c.payload).order_by(QUARANTINE.c.id.desc()).limit(limit)
    if not include_replayed:
        query = query.where(QUARANTINE.c.replayed_at.is_(None))
    out = []
    for row in conn.execute(query).mappings():
        entry = dict(row)
        payload = entry.pop("payload") or {}
        if entry["step"] == "push":
            entry["customer_id"] = payload.get("customer_id")
        out.append(_jsonable(entry))
    return out


def _open_in(step: str) -> Any:
    return and_(QUARANTINE.c.replayed_at.is_(None), QUARANTINE.c.step == step)


def _records_by_system(conn: Connection) -> dict[str, int]:
    query = select(RECORDS.c.system, RECORDS.c.stream, func.count()).group_by(
        RECORDS.c.system, RECORDS.c.stream
    )
    return {f"{system}/{stream}": n for system, stream, n in conn.execute(query)}


def _count(conn: Connection, table: Any, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _run(row: dict[str, Any], is_dead: Callable[[str], bool]) -> dict[str, Any]:
    if journal.is_interrupted(row, is_dead):
        row = {**row, "status": journal.INTERRUPTED, "error": journal.INTERRUPTED_ERROR}
    return _jsonable(row)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _iso(v) if hasattr(v, "isoformat") else v for k, v in row.items()}


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value
