"""Merging CRM-internal duplicates through the CRM's own merge API, when configured.

Identity resolution never merges two records of the leading CRM silently: it flags them as a
``crm_duplicate`` review item. With ``identity.crm_duplicates: merge`` this step asks the CRM
to merge each flagged pair (the record already linked to the customer is the primary), moves
everything linked to the absorbed record's customer over, and marks both old records gone.
The merged record arrives with the next pull and joins the customer by its previous ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from connectors.base import Capability
from sync.config.model import CrmDuplicates
from sync.records import record_id
from sync.relink import RepairError, move_records, pushes_paused
from sync.runtime import Runtime, Stream
from sync.store import customers, review
from sync.store import records as stored_records
from sync.store.review import ReviewItem

log = structlog.get_logger("sync.crm_merge")


@dataclass(frozen=True)
class MergeCounts:
    merged: int = 0


def merge_crm_duplicates(rt: Runtime) -> MergeCounts:
    """Merge every open CRM-duplicate item in the CRM; a no-op unless configured."""
    stream = rt.leader_stream("person")
    if rt.config.identity.crm_duplicates is not CrmDuplicates.MERGE or stream is None:
        return MergeCounts()
    if Capability.MERGE not in stream.info.capabilities:
        log.warning("crm_merge.unsupported", system=stream.system)
        return MergeCounts()
    with rt.store.transaction() as conn:
        items = review.items(conn, "open", "crm_duplicate")
    return MergeCounts(sum(_merge_paused(rt, stream, item) for item in items))


def _merge_paused(rt: Runtime, stream: Stream, item: ReviewItem) -> bool:
    """Merge one pair with pushes paused, as every repair is: a push planned before the
    records move must not write after it. A running push puts the pair off to the next run."""
    try:
        with pushes_paused(rt):
            return _merge_one(rt, stream, item)
    except RepairError:
        log.info("crm_merge.put_off", system=stream.system, review_item=item.id)
        return False


def _merge_one(rt: Runtime, stream: Stream, item: ReviewItem) -> bool:
    prefix = record_id(stream.system, stream.name, "")
    with rt.store.transaction() as conn:
        absorbed_customer = customers.links_of_records(conn, [item.source_record_id]).get(
            item.source_record_id
        )
        members = customers.records_of_customers(conn, [item.candidate_customer_id])
    primary = sorted(
        r
        for r in members[item.candidate_customer_id]
        if r.startswith(prefix) and r != item.source_record_id
    )
    if not primary or not item.source_record_id.startswith(prefix) or absorbed_customer is None:
        return False
    connector = rt.connectors[stream.system]
    connector.merge(stream.name, primary[0][len(prefix) :], item.source_record_id[len(prefix) :])
    now = rt.clock.now()
    with rt.store.transaction() as conn:
        moving = customers.records_of_customers(conn, [absorbed_customer])[absorbed_customer]
        links = [
            customers.Link(rid, item.candidate_customer_id, "crm_merge", status="confirmed")
            for rid in moving
        ]
        move_records(conn, rt, links, now)
        stored_records.mark_deleted(conn, [item.source_record_id, primary[0]])
        review.decide(conn, item.id, "merged_in_crm", now)
    log.info("crm_merge.merged", system=stream.system, review_item=item.id)
    return True
