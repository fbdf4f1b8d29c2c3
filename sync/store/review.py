"""The review queue and remembered operator decisions about which records stay apart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select, update

from sync.store.sql import chunks, upsert
from sync.store.tables import MatchDecisionRow, ReviewItemRow

ITEMS = ReviewItemRow.__table__  # type: ignore[attr-defined]
DECISIONS = MatchDecisionRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A proposed match waiting for (or having had) a person's decision."""

    id: int
    source_record_id: str
    candidate_customer_id: str
    score: float
    reason: str
    detail: dict[str, Any] | None
    status: str
    created_at: datetime
    decided_at: datetime | None


def add_items(conn: Connection, rows: Sequence[Mapping[str, Any]], now: datetime) -> None:
    if rows:
        conn.execute(ITEMS.insert(), [{**r, "status": "open", "created_at": now} for r in rows])


def item(conn: Connection, item_id: int) -> ReviewItem | None:
    """One review item by id, or None."""
    row = conn.execute(select(ITEMS).where(ITEMS.c.id == item_id)).mappings().first()
    return ReviewItem(**row) if row else None


def items(conn: Connection, status: str = "open", reason: str | None = None) -> list[ReviewItem]:
    """Review items with a status (and a reason, if given), oldest first."""
    query = select(ITEMS).where(ITEMS.c.status == status).order_by(ITEMS.c.id)
    if reason is not None:
        query = query.where(ITEMS.c.reason == reason)
    return [ReviewItem(**r) for r in conn.execute(query).mappings()]


def decide(conn: Connection, item_id: int, status: str, now: datetime) -> bool:
    """Set an open item's status; False when it is unknown or was decided before."""
    result = conn.execute(
        update(ITEMS)
        .where(ITEMS.c.id == item_id, ITEMS.c.status == "open")
        .values(status=status, decided_at=now)
    )
    return result.rowcount == 1


def keep_apart(conn: Connection, pairs: Iterable[tuple[str, str]], now: datetime) -> None:
    """Remember that each pair of source records belongs to different customers."""
    rows = [
        {"record_a": a, "record_b": b, "decision": "apart", "decided_at": now}
        for a, b in {tuple(sorted(p)) for p in pairs}
    ]
    upsert(conn, DECISIONS, rows, keys=["record_a", "record_b"], update=[])


def apart_from(conn: Connection, record_ids: Sequence[str]) -> dict[str, set[str]]:
    """Record id → the records an operator decided it must never be merged with."""
    out: dict[str, set[str]] = {}
    for part in chunks(list(record_ids)):
        query = select(DECISIONS.c.record_a, DECISIONS.c.record_b).where(
            or_(DECISIONS.c.record_a.in_(part), DECISIONS.c.record_b.in_(part))
        )
        for a, b in conn.execute(query):
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
    return out
