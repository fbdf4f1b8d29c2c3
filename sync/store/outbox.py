"""The push outbox and push state: who needs pushing where, and what was last written there."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, select, update

from sync.store.sql import chunks, upsert
from sync.store.tables import PendingPushRow, PushStateRow

PENDING = PendingPushRow.__table__  # type: ignore[attr-defined]
STATE = PushStateRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PushState:
    customer_id: str
    target_id: str | None
    field_hashes: dict[str, str]
    replaced: dict[str, Any] = field(default_factory=dict)
    """The target's own value of each field before our first write to it."""


def enqueue(
    conn: Connection, targets: Iterable[tuple[str, str]], customer_ids: Iterable[str], now: datetime
) -> None:
    """Mark customers as possibly out of date in every (system, stream) target."""
    ids = sorted(set(customer_ids))
    rows = [
        {"system": system, "stream": stream, "customer_id": cid, "since": now, "attempts": 0}
        for system, stream in targets
        for cid in ids
    ]
    for part in chunks(rows, 5000):
        upsert(conn, PENDING, list(part), keys=["system", "stream", "customer_id"], update=[])


def pending(conn: Connection, system: str, stream: str, limit: int, after: str = "") -> list[str]:
    """The next ``limit`` pending customer ids of one target, in id order after ``after``."""
    query = (
        select(PENDING.c.customer_id)
        .where(
            PENDING.c.system == system, PENDING.c.stream == stream, PENDING.c.customer_id > after
        )
        .order_by(PENDING.c.customer_id)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


def count_pending(conn: Connection) -> dict[str, int]:
    out: dict[str, int] = {}
    for system, stream in conn.execute(select(PENDING.c.system, PENDING.c.stream)):
        out[f"{system}/{stream}"] = out.get(f"{system}/{stream}", 0) + 1
    return out


def done(conn: Connection, system: str, stream: str, customer_ids: Sequence[str]) -> None:
    for part in chunks(list(customer_ids)):
        conn.execute(
            delete(PENDING).where(
                PENDING.c.system == system,
                PENDING.c.stream == stream,
                PENDING.c.customer_id.in_(part),
            )
        )


def retry_later(conn: Connection, system: str, stream: str, customer_ids: Sequence[str]) -> None:
    for part in chunks(list(customer_ids)):
        conn.execute(
            update(PENDING)
            .where(
                PENDING.c.system == system,
                PENDING.c.stream == stream,
                PENDING.c.customer_id.in_(part),
            )
            .values(attempts=PENDING.c.attempts + 1)
        )


def states(
    conn: Connection, system: str, stream: str, customer_ids: Sequence[str]
) -> dict[str, PushState]:
    """Push state of one target keyed by customer id."""
    return _states_by(conn, system, stream, "customer_id", customer_ids)


def states_by_target(
    conn: Connection, system: str, stream: str, target_ids: Sequence[str]
) -> dict[str, PushState]:
    """Push state keyed by the target's own record id (for recognising our echoes)."""
    return _states_by(conn, system, stream, "target_id", target_ids)


def _states_by(
    conn: Connection, system: str, stream: str, column: str, values: Sequence[str]
) -> dict[str, PushState]:
    out: dict[str, PushState] = {}
    for part in chunks(list(values)):
        query = select(STATE).where(
            STATE.c.system == system, STATE.c.stream == stream, STATE.c[column].in_(part)
        )
        for row in conn.execute(query).mappings():
            out[row[column]] = _state(row)
    return out


def save_states(
    conn: Connection, system: str, stream: str, states_: Sequence[PushState], now: datetime
) -> None:
    rows = [
        {
            "system": system,
            "stream": stream,
            "customer_id": s.customer_id,
            "target_id": s.target_id,
            "field_hashes": s.field_hashes,
            "replaced": s.replaced,
            "pushed_at": now,
        }
        for s in states_
    ]
    upsert(conn, STATE, rows, keys=["system", "stream", "customer_id"])


def delete_states(conn: Connection, system: str, stream: str, customer_ids: Sequence[str]) -> None:
    """Forget what was written to one target for these customers (their record moved away)."""
    for part in chunks(list(customer_ids)):
        conn.execute(
            delete(STATE).where(
                STATE.c.system == system, STATE.c.stream == stream, STATE.c.customer_id.in_(part)
            )
        )


def _state(row: RowMapping) -> PushState:
    return PushState(
        row["customer_id"],
        row["target_id"],
        dict(row["field_hashes"] or {}),
        dict(row["replaced"] or {}),
    )
