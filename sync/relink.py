"""Moving source records to another customer on an operator's word, with everything that
follows from a link: push state that travels with its target, golden records merged again.

Both review decisions and splits move records through :func:`move_records`, so a moved record
is handled the same way whichever command moved it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from sync import golden, lease
from sync.lease import DEFAULT_LEASE_TTL_S, push_lease
from sync.records import record_id
from sync.runtime import Runtime
from sync.store import customers, outbox, review
from sync.store import records as stored_records


class RepairError(ValueError):
    """An operator's repair that cannot be carried out as asked; nothing was changed.

    The message names ids only (customer, record, review item), never personal data; the
    operator should correct the request.
    """


@contextmanager
def pushes_paused(rt: Runtime, ttl_s: float = DEFAULT_LEASE_TTL_S) -> Iterator[None]:
    """Hold every target's push lease for the block: a push plans and writes in separate
    transactions, so one planned before a repair must not write after it. Raises
    :class:`RepairError` when a push is running (try again when it has finished)."""
    holder = lease.one_run(lease.process_holder("repair"))
    with ExitStack() as stack:
        for stream in (s for s in rt.streams if s.can_write):
            name = push_lease(stream)
            if stack.enter_context(lease.hold(rt.store, name, holder, ttl_s, rt.clock)) is None:
                raise RepairError(f"a push to {stream.system}/{stream.name} is running; try again")
        yield


def move_records(
    conn: Connection, rt: Runtime, links: Sequence[customers.Link], now: datetime
) -> set[str]:
    """Save ``links`` (each moves its record to the link's customer), then merge every customer
    involved again and put it into the push outbox.

    The push state of a target record moves with it, so the next push knows what is already
    there; golden consent is merged afresh, so no customer keeps a statement of a record it
    lost; a customer left without records is marked deleted. Returns those emptied customers.
    """
    ids = [link.source_record_id for link in links]
    before = customers.links_of_records(conn, ids)
    customers.save_links(conn, links, now)
    _carry_push_state(conn, links, before, now)
    touched = set(before.values()) | {link.customer_id for link in links}
    customers.forget_consent(conn, sorted(touched))
    golden.refresh(conn, rt, touched, (), now)
    return _mark_emptied(
        conn, sorted(set(before.values()) - {link.customer_id for link in links}), now
    )


def _carry_push_state(
    conn: Connection, links: Sequence[customers.Link], before: Mapping[str, str], now: datetime
) -> None:
    records = stored_records.load(conn, [link.source_record_id for link in links])
    for link in links:
        old, record = before.get(link.source_record_id), records.get(link.source_record_id)
        if old is None or record is None or old == link.customer_id:
            continue
        states = outbox.states(conn, record.system, record.stream, [old, link.customer_id])
        theirs = states.get(old)
        if theirs is None or theirs.target_id != record.external_id:
            continue
        outbox.delete_states(conn, record.system, record.stream, [old])
        if link.customer_id not in states:
            moved = replace(theirs, customer_id=link.customer_id)
            outbox.save_states(conn, record.system, record.stream, [moved], now)


def _mark_emptied(conn: Connection, candidates: Sequence[str], now: datetime) -> set[str]:
    left = customers.records_of_customers(conn, candidates)
    empty = [cid for cid, records in left.items() if not records]
    found = customers.load_golden(conn, empty)
    customers.save_golden(conn, [replace(g, is_deleted=True) for g in found.values()], now)
    return set(found)


def created_for(conn: Connection, customer_id: str, leaving: str) -> list[str]:
    """Records we created in other systems for ``customer_id`` (link method ``pushed``) that
    have nothing left to stand for once ``leaving`` goes: they should go with it."""
    members = customers.records_of_customers(conn, [customer_id])[customer_id]
    rest = [r for r in members if r != leaving]
    methods = customers.methods_of_records(conn, rest)
    return sorted(rest) if rest and all(methods.get(r) == "pushed" for r in rest) else []


def flag_leader_duplicates(conn: Connection, rt: Runtime, customer_id: str, now: datetime) -> int:
    """Queue a ``crm_duplicate`` review item for each extra live record the leading CRM holds
    for ``customer_id`` (the record we created is the extra one, else the newer id), unless
    one is open already; with ``identity.crm_duplicates: merge`` the next cycle merges them in
    the CRM. Returns how many items it queued."""
    stream = rt.leader_stream("person")
    if stream is None:
        return 0
    prefix = record_id(stream.system, stream.name, "")
    members = [
        r
        for r in customers.records_of_customers(conn, [customer_id])[customer_id]
        if r.startswith(prefix)
    ]
    stored = stored_records.load(conn, members)
    live = [r for r in members if r in stored and not stored[r].is_deleted]
    if len(live) < 2:
        return 0
    methods = customers.methods_of_records(conn, live)
    keep = min(live, key=lambda r: (methods.get(r) == "pushed", len(r), r))
    open_items = {i.source_record_id for i in review.items(conn, "open", "crm_duplicate")}
    rows = [
        {
            "source_record_id": extra,
            "candidate_customer_id": customer_id,
            "score": 1.0,  # an operator said they are one person
            "reason": "crm_duplicate",
            "detail": {"with": keep.split(":", 2)[::2], "why": "one customer, two CRM records"},
        }
        for extra in sorted(set(live) - {keep} - open_items)
    ]
    review.add_items(conn, rows, now)
    return len(rows)
