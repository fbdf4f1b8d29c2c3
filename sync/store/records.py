"""Reading and writing source records, their blocking keys and their consent history."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, select, update

from sync.records import CanonicalRecord, ConsentStatement
from sync.store.sql import chunks, upsert
from sync.store.tables import BlockingKeyRow, ConsentEventRow, SourceRecordRow

RECORDS = SourceRecordRow.__table__  # type: ignore[attr-defined]
KEYS = BlockingKeyRow.__table__  # type: ignore[attr-defined]
MAX_KEY_LENGTH = 200
"""Longest blocking key stored as it is: 800 bytes of UTF-8 at most, far below PostgreSQL's
limit for an index entry (about 2,700 bytes)."""
EVENTS = ConsentEventRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A source record as the store has it."""

    id: str
    system: str
    stream: str
    external_id: str
    entity: str
    fields: dict[str, Any]
    field_times: dict[str, Any]
    consent: dict[str, ConsentStatement]
    modified_at: datetime | None
    content_hash: str
    is_deleted: bool


def load(conn: Connection, ids: Sequence[str]) -> dict[str, StoredRecord]:
    """The stored records among ``ids``, by id."""
    out: dict[str, StoredRecord] = {}
    for part in chunks(list(ids)):
        for row in conn.execute(select(RECORDS).where(RECORDS.c.id.in_(part))).mappings():
            out[row["id"]] = _stored(row)
    return out


def hashes(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    """Content hash of the stored records among ``ids``: enough to skip unchanged ones."""
    out: dict[str, str] = {}
    for part in chunks(list(ids)):
        query = select(RECORDS.c.id, RECORDS.c.content_hash).where(RECORDS.c.id.in_(part))
        out.update(dict(conn.execute(query).all()))
    return out


def save(
    conn: Connection,
    records: Sequence[CanonicalRecord],
    field_times: Mapping[str, dict[str, Any]],
    hashes: Mapping[str, str],
    seen_at: datetime,
) -> None:
    """Insert or replace the given records with their field times and content hashes."""
    rows = [
        {
            "id": r.id,
            "system": r.system,
            "stream": r.stream,
            "external_id": r.external_id,
            "entity": r.entity,
            "fields": r.fields,
            "field_times": field_times[r.id],
            "consent": {k: v.encode() for k, v in r.consent.items()},
            "modified_at": r.modified_at,
            "content_hash": hashes[r.id],
            "is_deleted": r.is_deleted,
            "seen_at": seen_at,
        }
        for r in records
    ]
    upsert(conn, RECORDS, rows, keys=["id"])


def mark_deleted(conn: Connection, ids: Sequence[str]) -> None:
    """The records no longer exist at their source (merged away, say)."""
    for part in chunks(list(ids)):
        conn.execute(update(RECORDS).where(RECORDS.c.id.in_(part)).values(is_deleted=True))


def replace_keys(conn: Connection, keys: Mapping[str, Iterable[str]]) -> None:
    """Replace the blocking keys of each record id with the given ones."""
    ids = list(keys)
    for part in chunks(ids):
        conn.execute(delete(KEYS).where(KEYS.c.source_record_id.in_(part)))
    rows = [
        {"key": k, "source_record_id": rid}
        for rid, ks in keys.items()
        for k in {stored_key(k) for k in ks}
    ]
    for start in range(0, len(rows), 5000):
        conn.execute(KEYS.insert(), rows[start : start + 5000])


def records_with_keys(conn: Connection, keys: Iterable[str]) -> dict[str, set[str]]:
    """Key → ids of the source records that carry it."""
    asked: dict[str, list[str]] = {}
    for key in set(keys):
        asked.setdefault(stored_key(key), []).append(key)
    out: dict[str, set[str]] = {}
    for part in chunks(sorted(asked)):
        query = select(KEYS.c.key, KEYS.c.source_record_id).where(KEYS.c.key.in_(part))
        for key, rid in conn.execute(query):
            for original in asked[key]:
                out.setdefault(original, set()).add(rid)
    return out


def stored_key(key: str) -> str:
    """A blocking key as the index holds it. One too long for a database index (a HubSpot
    e-mail may have 65,536 characters) is kept as its start and a digest of the whole, which
    is short enough to be its own stored form."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return f"{key[: MAX_KEY_LENGTH - len(digest) - 1]}#{digest}"


def append_consent_events(
    conn: Connection, events: Sequence[tuple[CanonicalRecord, str, ConsentStatement]], now: datetime
) -> None:
    """Record consent statements; the history is append-only and never rewritten."""
    rows = [
        {
            "source_record_id": record.id,
            "system": record.system,
            "channel": channel,
            "status": st.status,
            "is_explicit": st.is_explicit,
            "source_status": st.source_status,
            "at": datetime.fromisoformat(st.at) if st.at else None,
            "recorded_at": now,
        }
        for record, channel, st in events
    ]
    if rows:
        conn.execute(EVENTS.insert(), rows)


def consent_events(conn: Connection, record_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every consent statement ever recorded for the given source records, oldest first."""
    out: list[dict[str, Any]] = []
    for part in chunks(list(record_ids)):
        query = select(EVENTS).where(EVENTS.c.source_record_id.in_(part))
        out.extend(dict(r) for r in conn.execute(query).mappings())
    return sorted(out, key=lambda e: e["id"])


def _stored(row: RowMapping) -> StoredRecord:
    return StoredRecord(
        id=row["id"],
        system=row["system"],
        stream=row["stream"],
        external_id=row["external_id"],
        entity=row["entity"],
        fields=dict(row["fields"] or {}),
        field_times=dict(row["field_times"] or {}),
        consent={k: ConsentStatement.decode(v) for k, v in (row["consent"] or {}).items()},
        modified_at=row["modified_at"],
        content_hash=row["content_hash"],
        is_deleted=row["is_deleted"],
    )
