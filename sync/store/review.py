"""The review queue and remembered operator decisions about which records stay apart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select

from sync.store.sql import chunks, upsert
from sync.store.tables import MatchDecisionRow, ReviewItemRow

ITEMS = ReviewItemRow.__table__  # type: ignore[attr-defined]
DECISIONS = MatchDecisionRow.__table__  # type: ignore[attr-defined]


def add_items(conn: Connection, rows: Sequence[Mapping[str, Any]], now: datetime) -> None:
    if rows:
        conn.execute(ITEMS.insert(), [{**r, "status": "open", "created_at": now} for r in rows])


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
