"""Working the review queue: an operator's accept or reject of a proposed match, and the list
of proposals waiting for one.

Accepting merges the item's record into the candidate customer (link status ``confirmed``),
together with the records we had created in other systems for it alone (a CRM contact made
for a new subscriber); should the customer then hold two records of the leading CRM, a
``crm_duplicate`` item asks for them to be merged there (or the merge step does it).
Rejecting remembers the record apart from every record of the candidate customer, so
identity resolution never proposes or merges them again. Either way the item is closed with
the time of the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from sync.relink import RepairError, created_for, flag_leader_duplicates, move_records
from sync.runtime import Runtime
from sync.store import customers, review
from sync.store.review import ReviewItem


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Decided:
    """A closed review item and the customer its record belongs to now."""

    item_id: int
    verdict: Verdict
    source_record_id: str
    customer_id: str


def waiting(conn: Connection, reason: str | None = None) -> list[dict[str, Any]]:
    """Open items, oldest first, JSON-ready, with the customer each record belongs to now."""
    items = review.items(conn, "open", reason)
    now_in = customers.links_of_records(conn, sorted({i.source_record_id for i in items}))
    return [_as_json(item, now_in.get(item.source_record_id)) for item in items]


def accept(conn: Connection, rt: Runtime, item_id: int, now: datetime) -> Decided:
    """Merge the item's record into the candidate customer; both customers are merged again
    and put into the push outbox, and a customer left without records is marked deleted.

    Raises :class:`RepairError` (nothing changed) for an unknown or decided item, or when the
    candidate customer no longer exists.
    """
    item = _open(conn, item_id)
    candidate = customers.load_golden(conn, [item.candidate_customer_id]).get(
        item.candidate_customer_id
    )
    if candidate is None or candidate.is_deleted:
        raise RepairError(f"the candidate customer of review item {item_id} no longer exists")
    link = customers.Link(
        item.source_record_id,
        item.candidate_customer_id,
        "operator",
        score=item.score,
        detail=item.detail,
        status="confirmed",
    )
    current = customers.links_of_records(conn, [item.source_record_id]).get(item.source_record_id)
    created = created_for(conn, current, item.source_record_id) if current else []
    along = [
        customers.Link(rid, item.candidate_customer_id, "pushed", status="confirmed")
        for rid in created
        if current != item.candidate_customer_id
    ]
    move_records(conn, rt, [link, *along], now)
    flag_leader_duplicates(conn, rt, item.candidate_customer_id, now)
    _close(conn, item, Verdict.ACCEPTED, now)
    return Decided(item_id, Verdict.ACCEPTED, item.source_record_id, item.candidate_customer_id)


def reject(conn: Connection, item_id: int, now: datetime) -> Decided:
    """Remember the item's record apart from every record of the candidate customer.

    Raises :class:`RepairError` (nothing changed) for an unknown or decided item, or when the
    record already belongs to the candidate customer (that needs a split).
    """
    item = _open(conn, item_id)
    current = customers.links_of_records(conn, [item.source_record_id]).get(item.source_record_id)
    candidate = item.candidate_customer_id
    if current == candidate:
        raise RepairError(f"review item {item_id}: the record is already linked there; split it")
    others = customers.records_of_customers(conn, [candidate])[candidate]
    review.keep_apart(conn, [(item.source_record_id, other) for other in others], now)
    _close(conn, item, Verdict.REJECTED, now)
    return Decided(item_id, Verdict.REJECTED, item.source_record_id, current or "")


def _open(conn: Connection, item_id: int) -> ReviewItem:
    item = review.item(conn, item_id)
    if item is None:
        raise RepairError(f"no review item {item_id}")
    if item.status != "open":
        raise RepairError(f"review item {item_id} is {item.status} already")
    return item


def _close(conn: Connection, item: ReviewItem, verdict: Verdict, now: datetime) -> None:
    # A concurrent decision on the same item wins; raising rolls this one back.
    if not review.decide(conn, item.id, verdict.value, now):
        raise RepairError(f"review item {item.id} was decided meanwhile")


def _as_json(item: ReviewItem, customer_id: str | None) -> dict[str, Any]:
    detail = item.detail or {}
    explanation = detail.get("explanation") or {}
    partner = detail.get("with")
    return {
        "id": item.id,
        "reason": item.reason,
        "score": item.score,
        "source_record_id": item.source_record_id,
        "customer_id": customer_id,
        "candidate_customer_id": item.candidate_customer_id,
        "compared_with": list(partner) if partner else None,
        "fields": [
            {"field": f["comparison"], "level": f["level"], "weight": f["weight"]}
            for f in explanation.get("fields", ())
        ],
        "created_at": item.created_at.isoformat(),
    }
