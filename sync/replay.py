"""Replaying quarantine: fetch the quarantined records again and take them in.

A record lands in quarantine when it could not be decoded or mapped. Once its source is
fixed (or the mapping is), replaying fetches it by id and stages it like any other; entries
of records that are taken in are marked replayed, the others stay with their new reason.
A system that cannot be reached leaves its entries as they were and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from connectors.base import ConnectorError
from sync.pull import PullCounts, take_in
from sync.runtime import Runtime, Stream
from sync.store.tables import QuarantineRow

QUARANTINE = QuarantineRow.__table__  # type: ignore[attr-defined]

FetchNotice = Callable[[Stream, int], None]
"""Told before each fetch, which may take as long as the system's retry budget."""


@dataclass(frozen=True)
class ReplayResult:
    attempted: int
    taken_in: int
    not_fetchable: int
    unreachable: dict[str, str] = field(default_factory=dict)
    """System → why it could not be read (its entries stay in quarantine, unchanged)."""


class UnknownEntryError(LookupError):
    """Some of the given ids are not open quarantine entries; nothing was replayed."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(", ".join(str(i) for i in ids))
        self.ids = ids


def replay(
    rt: Runtime, entry_ids: list[int] | None = None, on_fetch: FetchNotice | None = None
) -> ReplayResult:
    """Replay the given open quarantine entries (all open ones when None).

    Raises :class:`UnknownEntryError` before fetching anything when a given id is not open.
    """
    entries = _open_entries(rt, entry_ids)
    missing = 0
    groups: dict[tuple[str, str], set[str]] = {}
    for entry in entries:
        if entry["external_id"] is None or (entry["system"], entry["stream"]) not in _streams(rt):
            missing += 1
            continue
        groups.setdefault((entry["system"], entry["stream"]), set()).add(entry["external_id"])
    attempted = taken = 0
    unreachable: dict[str, str] = {}
    for (system, name), ids in groups.items():
        stream = rt.stream(system, name)
        if on_fetch is not None:
            on_fetch(stream, len(ids))
        try:
            records = rt.connectors[system].fetch(name, sorted(ids))
        except ConnectorError as exc:
            unreachable[system] = str(exc)
            continue
        counts = PullCounts()
        take_in(rt, stream, records, [], None, counts)
        attempted += len(ids)
        taken += counts.staged.read - counts.staged.quarantined
        missing += len(ids) - len(records)
    return ReplayResult(attempted, taken, missing, unreachable)


def _open_entries(rt: Runtime, entry_ids: list[int] | None) -> list[dict[str, Any]]:
    with rt.store.transaction() as conn:
        query = select(QUARANTINE).where(QUARANTINE.c.replayed_at.is_(None))
        if entry_ids:
            query = query.where(QUARANTINE.c.id.in_(entry_ids))
        entries = [dict(r) for r in conn.execute(query).mappings()]
    unknown = sorted(set(entry_ids or ()) - {e["id"] for e in entries})
    if unknown:
        raise UnknownEntryError(unknown)
    return entries


def _streams(rt: Runtime) -> set[tuple[str, str]]:
    return {s.key for s in rt.streams}
