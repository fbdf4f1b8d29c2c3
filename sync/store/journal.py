"""Bookkeeping of the engine: checkpoints, runs, quarantine and the webhook inbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from sync.store.sql import chunks, upsert
from sync.store.tables import CheckpointRow, QuarantineRow, SyncRunRow, WebhookEventRow

CHECKPOINTS = CheckpointRow.__table__  # type: ignore[attr-defined]
RUNS = SyncRunRow.__table__  # type: ignore[attr-defined]
QUARANTINE = QuarantineRow.__table__  # type: ignore[attr-defined]
INBOX = WebhookEventRow.__table__  # type: ignore[attr-defined]

INTERRUPTED = "interrupted"
"""The status of a run whose process ended without finishing it."""
INTERRUPTED_ERROR = (
    "interrupted: the process running it ended without finishing (killed or crashed)"
)


def cursor_of(conn: Connection, system: str, stream: str) -> str | None:
    query = select(CHECKPOINTS.c.cursor).where(
        CHECKPOINTS.c.system == system, CHECKPOINTS.c.stream == stream
    )
    return conn.execute(query).scalar_one_or_none()


def save_cursor(conn: Connection, system: str, stream: str, cursor: str, now: datetime) -> None:
    row = {"system": system, "stream": stream, "cursor": cursor, "updated_at": now}
    upsert(conn, CHECKPOINTS, [row], keys=["system", "stream"])


def mark_pull(conn: Connection, system: str, stream: str, status: str, now: datetime) -> None:
    """Record how the stream's pull stands: ``running``, ``ok`` or ``failed``.

    Pushes read it to refuse acting on a system whose last pull did not complete.
    """
    row = {"system": system, "stream": stream, "pull_status": status, "pulled_at": now}
    upsert(
        conn,
        CHECKPOINTS,
        [{**row, "cursor": None, "updated_at": now}],
        keys=["system", "stream"],
        update=["pull_status", "pulled_at"],
    )


def pull_status(conn: Connection, system: str, stream: str) -> str | None:
    query = select(CHECKPOINTS.c.pull_status).where(
        CHECKPOINTS.c.system == system, CHECKPOINTS.c.stream == stream
    )
    return conn.execute(query).scalar_one_or_none()


def all_cursors(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(CHECKPOINTS)).mappings()]


def start_run(conn: Connection, kind: str, now: datetime, holder: str | None = None) -> int:
    """Open a run row; ``holder`` names the process running it."""
    row = {"kind": kind, "status": "running", "started_at": now, "counts": {}, "holder": holder}
    key = conn.execute(RUNS.insert().values(**row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_run(
    conn: Connection,
    run_id: int,
    status: str,
    counts: Mapping[str, Any],
    now: datetime,
    error: str | None = None,
) -> None:
    values = {"status": status, "counts": dict(counts), "finished_at": now, "error": error}
    conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(**values))


def recent_runs(conn: Connection, limit: int = 10) -> list[dict[str, Any]]:
    query = select(RUNS).order_by(RUNS.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def is_interrupted(run: Mapping[str, Any], is_dead: Callable[[str], bool]) -> bool:
    """True for a run still marked ``running`` whose holder names a process that has ended."""
    holder = run.get("holder")
    return run["status"] == "running" and holder is not None and is_dead(holder)


def close_interrupted_runs(
    conn: Connection, now: datetime, is_dead: Callable[[str], bool]
) -> list[int]:
    """Close runs left ``running`` by a process that no longer exists as ``interrupted``
    (finished at ``now``); returns their ids, oldest first.

    ``is_dead`` judges a holder name (:func:`sync.lease.is_dead_process` in production);
    runs without a holder, or whose holder it cannot judge, are left as they are.
    Idempotent: a run closed once is no longer ``running``.
    """
    query = (
        select(RUNS.c.id, RUNS.c.status, RUNS.c.holder)
        .where(RUNS.c.status == "running", RUNS.c.holder.is_not(None))
        .order_by(RUNS.c.id)
    )
    found = [dict(r) for r in conn.execute(query).mappings()]
    dead = [r["id"] for r in found if is_interrupted(r, is_dead)]
    if dead:
        conn.execute(
            update(RUNS)
            .where(RUNS.c.id.in_(dead), RUNS.c.status == "running")
            .values(status=INTERRUPTED, error=INTERRUPTED_ERROR, finished_at=now)
        )
    return dead


def quarantine(conn: Connection, rows: Sequence[Mapping[str, Any]], now: datetime) -> None:
    """Keep records that could not be taken in; the reason never contains personal data.

    An entry replaces the open entry of the same step, system and stream for the same
    record — a pulled record by its external id, a held-back push by the customer it was
    for — so every cycle that meets the same bad record or refused push leaves one open
    entry, not one more each time. Replayed entries are history and stay.
    """
    if not rows:
        return
    named: dict[tuple[str, str, str, str], Mapping[str, Any]] = {}
    unnamed: list[Mapping[str, Any]] = []
    for row in rows:
        key = _entry_key(row)
        if key is None:
            unnamed.append(row)
        else:
            named[key] = row
    groups: dict[tuple[str, str, str], list[str]] = {}
    for step, system, stream, record in named:
        groups.setdefault((step, system, stream), []).append(record)
    for (step, system, stream), records in groups.items():
        _drop_open_entries(conn, step, system, stream, records)
    kept = [*named.values(), *unnamed]
    # Every row names its step and id: one executemany takes its columns from the first row.
    defaults = {"step": "pull", "external_id": None}
    conn.execute(QUARANTINE.insert(), [{**defaults, **r, "created_at": now} for r in kept])


def _entry_key(row: Mapping[str, Any]) -> tuple[str, str, str, str] | None:
    """(step, system, stream, record) naming what an entry is about; None when unnamed."""
    step = row.get("step") or "pull"
    if step == "push":
        record = (row.get("payload") or {}).get("customer_id")
    else:
        record = row.get("external_id")
    return None if record is None else (step, row["system"], row["stream"], str(record))


def _drop_open_entries(
    conn: Connection, step: str, system: str, stream: str, records: Sequence[str]
) -> None:
    column = (
        QUARANTINE.c.payload["customer_id"].as_string()
        if step == "push"
        else QUARANTINE.c.external_id
    )
    for chunk in chunks(records):
        conn.execute(
            delete(QUARANTINE).where(
                QUARANTINE.c.step == step,
                QUARANTINE.c.system == system,
                QUARANTINE.c.stream == stream,
                column.in_(list(chunk)),
                QUARANTINE.c.replayed_at.is_(None),
            )
        )


def release_quarantined(
    conn: Connection, system: str, stream: str, ids: Sequence[str], now: datetime
) -> None:
    """Mark earlier pull entries of records that have now been taken in as replayed (a
    refused push to the record is not answered by reading it)."""
    if ids:
        conn.execute(
            update(QUARANTINE)
            .where(
                QUARANTINE.c.step == "pull",
                QUARANTINE.c.system == system,
                QUARANTINE.c.stream == stream,
                QUARANTINE.c.external_id.in_(list(ids)),
                QUARANTINE.c.replayed_at.is_(None),
            )
            .values(replayed_at=now)
        )


def store_webhook_events(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store deliveries once: a redelivered event id is ignored."""
    upsert(conn, INBOX, [dict(r) for r in rows], keys=["system", "event_id"], update=[])


def pending_webhook_events(
    conn: Connection, system: str, stream: str, limit: int = 1000
) -> list[dict[str, Any]]:
    query = (
        select(INBOX)
        .where(INBOX.c.system == system, INBOX.c.stream == stream, INBOX.c.processed_at.is_(None))
        .order_by(INBOX.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def mark_webhook_events(conn: Connection, ids: Sequence[int], now: datetime) -> None:
    if ids:
        conn.execute(update(INBOX).where(INBOX.c.id.in_(list(ids))).values(processed_at=now))
