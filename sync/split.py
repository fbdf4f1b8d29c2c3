"""Undoing a wrong merge: an operator moves chosen records of a customer to a new customer.

The split repairs what the merge spread: links (status ``split``, method ``operator``), both
golden records and their provenance, and the values we pushed from one side into the other
side's systems (:mod:`sync.restore`); both customers go into the push outbox, so the next push
repairs every system. Each moved × kept pair of records is remembered apart, so identity
resolution never merges them again. Consent we wrote from the other side is listed for a
person to check, never put back: an opt-out is not undone on our own, nor anyone subscribed.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from sync import restore
from sync.relink import RepairError, move_records
from sync.runtime import Runtime
from sync.store import customers, review


@dataclass(frozen=True, slots=True)
class Split:
    """What a split did: the new customer, who moved and stayed, what was put back where."""

    customer_id: str
    new_customer_id: str
    moved: tuple[str, ...]
    kept: tuple[str, ...]
    restored: tuple[restore.Restored, ...]
    consent_to_check: tuple[restore.ConsentToCheck, ...] = ()


def split_customer(
    conn: Connection, rt: Runtime, customer_id: str, record_ids: Collection[str], now: datetime
) -> Split:
    """Move ``record_ids`` (source record ids linked to the customer) to a new customer.

    Raises :class:`RepairError`, changing nothing, for an unknown or deleted customer, records
    not linked to it, or a split that would leave either side without records.
    """
    before = customers.load_golden(conn, [customer_id]).get(customer_id)
    if before is None or before.is_deleted:
        raise RepairError(f"no customer {customer_id}")
    members = set(customers.records_of_customers(conn, [customer_id])[customer_id])
    moved = sorted(set(record_ids))
    _check(customer_id, members, moved)
    kept = sorted(members - set(moved))
    restored, consent = restore.disown(conn, rt, before, set(moved), set(kept), now)
    new_id = uuid.uuid4().hex
    customers.create_customers(conn, {new_id: before.entity}, now)
    links = [
        customers.Link(rid, new_id, "operator", detail={"split_from": customer_id}, status="split")
        for rid in moved
    ]
    move_records(conn, rt, links, now)
    review.keep_apart(conn, itertools.product(moved, kept), now)
    return Split(
        customer_id, new_id, tuple(moved), tuple(kept), tuple(restored), _own(conn, consent)
    )


def _own(
    conn: Connection, checks: list[restore.ConsentToCheck]
) -> tuple[restore.ConsentToCheck, ...]:
    """Each check with the consent its record's customer holds after the split."""
    owners = customers.links_of_records(conn, [c.record_id for c in checks])
    golden = customers.load_golden(conn, sorted(set(owners.values())))
    out = []
    for check in checks:
        held = golden.get(owners.get(check.record_id, ""))
        statement = held.consent.get(check.channel) if held else None
        out.append(replace(check, own=statement["status"] if statement else None))
    return tuple(out)


def _check(customer_id: str, members: set[str], moved: list[str]) -> None:
    strangers = [rid for rid in moved if rid not in members]
    if strangers:
        raise RepairError(f"not linked to customer {customer_id}: {', '.join(strangers)}")
    if not moved:
        raise RepairError("name at least one record to move")
    if len(moved) == len(members):
        raise RepairError(f"a split must leave customer {customer_id} at least one record")
