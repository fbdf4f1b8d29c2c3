"""Step 3 of a cycle: link every new source record to a customer.

Order of evidence: an existing link; an id the record was known under before (merge, email
change); the CRM id another system keeps; the deterministic keys (normalised e-mail, phone +
name); otherwise a new customer. Two records of the leading CRM are never put together
silently: a match between them becomes a review item (a CRM-internal duplicate). Operator
decisions that two records stay apart are always honoured.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from sync.config.model import MatchRule
from sync.identity.normalize.email import EmailRules, normalize_email
from sync.identity.normalize.phone import normalize_phone
from sync.identity.normalize.text import fold
from sync.records import CanonicalRecord, StagedChange, record_id
from sync.runtime import Runtime
from sync.store import customers, review
from sync.store import records as stored_records


@dataclass
class Resolution:
    """What resolving one page did; ``touched`` are the customers to merge again."""

    touched: set[str] = field(default_factory=set)
    methods: Counter[str] = field(default_factory=Counter)
    review: int = 0


@dataclass
class _Page:
    """Links decided so far in this page, so records of one page can match each other."""

    links: dict[str, str] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)
    saved: list[customers.Link] = field(default_factory=list)
    review: list[dict[str, Any]] = field(default_factory=list)


def identity_keys(record: CanonicalRecord, rt: Runtime) -> list[str]:
    """The deterministic match keys of a record, as stored in the blocking-key index."""
    ident = rt.config.identity
    f = record.fields
    keys: list[str] = []
    rules = _email_rules(rt)
    email = normalize_email(f.get("email"), rules) if MatchRule.EMAIL in ident.rules else None
    if email:
        keys.append(f"e:{email}")
    phone = normalize_phone(f.get("phone") or f.get("mobile_phone"), ident.default_region)
    last = fold(f.get("last_name"))
    if phone and last and MatchRule.PHONE_NAME in ident.rules:
        keys.append(f"pn:{phone}|{last}")
    if record.entity == "organisation" and f.get("domain"):
        keys.append(f"od:{fold(f['domain'])}")
    return keys


def resolve(
    conn: Connection, rt: Runtime, changes: Sequence[StagedChange], now: datetime
) -> Resolution:
    """Link the records of one page; saves keys, links, new customers and review items."""
    result = Resolution()
    records = [c.record for c in changes]
    linked = customers.links_of_records(conn, [r.id for r in records])
    keys = {r.id: identity_keys(r, rt) for r in records}
    stored_records.replace_keys(conn, keys)
    page = _Page(links=dict(linked))
    todo = [r for r in records if r.id not in linked]
    hits = stored_records.records_with_keys(conn, {k for r in todo for k in keys[r.id]})
    wanted = {i for ids in hits.values() for i in ids} | _referenced(todo, rt)
    page.links.update(customers.links_of_records(conn, sorted(wanted)))
    apart = review.apart_from(conn, [r.id for r in todo])
    for record in todo:
        _link_one(conn, rt, record, keys[record.id], hits, apart.get(record.id, set()), page)
    customers.create_customers(conn, page.new, now)
    customers.save_links(conn, page.saved, now)
    review.add_items(conn, page.review, now)
    result.touched = {page.links[r.id] for r in records}
    result.methods.update(link.method for link in page.saved)
    result.review = len(page.review)
    return result


def _link_one(
    conn: Connection,
    rt: Runtime,
    record: CanonicalRecord,
    keys: list[str],
    hits: dict[str, set[str]],
    apart: set[str],
    page: _Page,
) -> None:
    found = _by_previous_id(record, page) or _by_crm_id(record, rt, page)
    method = found[1] if found else ""
    customer = found[0] if found else None
    if customer is None:
        customer, method = _by_keys(conn, rt, record, keys, hits, apart, page)
    if customer is None:
        customer, method = uuid.uuid4().hex, "new"
        page.new[customer] = record.entity
    page.links[record.id] = customer
    page.saved.append(customers.Link(record.id, customer, method))
    for key in keys:
        hits.setdefault(key, set()).add(record.id)


def _referenced(records: Sequence[CanonicalRecord], rt: Runtime) -> set[str]:
    """Ids of the records that previous ids and CRM ids point at."""
    out = {record_id(r.system, r.stream, p) for r in records for p in r.previous_ids}
    for r in records:
        leader = rt.leader_stream(r.entity)
        if leader is not None and r.fields.get("crm_id"):
            out.add(record_id(leader.system, leader.name, str(r.fields["crm_id"])))
    return out


def _by_previous_id(record: CanonicalRecord, page: _Page) -> tuple[str, str] | None:
    for previous in record.previous_ids:
        customer = page.links.get(record_id(record.system, record.stream, previous))
        if customer:
            return customer, "previous_id"
    return None


def _by_crm_id(record: CanonicalRecord, rt: Runtime, page: _Page) -> tuple[str, str] | None:
    crm_id = record.fields.get("crm_id")
    leader = rt.leader_stream(record.entity)
    if not crm_id or leader is None or record.system == leader.system:
        return None
    if MatchRule.CRM_ID not in rt.config.identity.rules:
        return None
    customer = page.links.get(record_id(leader.system, leader.name, str(crm_id)))
    return (customer, "crm_id") if customer else None


def _by_keys(
    conn: Connection,
    rt: Runtime,
    record: CanonicalRecord,
    keys: list[str],
    hits: dict[str, set[str]],
    apart: set[str],
    page: _Page,
) -> tuple[str | None, str]:
    for key in keys:
        others = sorted(i for i in hits.get(key, set()) if i != record.id and i not in apart)
        found = sorted({page.links[i] for i in others if i in page.links})
        if not found:
            continue
        rule = "email" if key.startswith("e:") else "phone_name"
        if len(found) > 1:
            _queue(page, record, found, rule + ":ambiguous")
            return None, ""
        if _is_crm_duplicate(conn, rt, record, found[0], page):
            _queue(page, record, found, "crm_duplicate")
            return None, ""
        return found[0], rule
    return None, ""


def _is_crm_duplicate(
    conn: Connection, rt: Runtime, record: CanonicalRecord, customer: str, page: _Page
) -> bool:
    """True when ``record`` comes from the leading CRM and the customer already has one."""
    if record.system != rt.leader():
        return False
    prefix = f"{record.system}:{record.stream}:"
    in_page = [rid for rid, cid in page.links.items() if cid == customer]
    in_store = customers.records_of_customers(conn, [customer]).get(customer, [])
    return any(r.startswith(prefix) and r != record.id for r in in_page + in_store)


def _queue(page: _Page, record: CanonicalRecord, candidates: list[str], reason: str) -> None:
    page.review += [
        {"source_record_id": record.id, "candidate_customer_id": c, "score": 1.0, "reason": reason}
        for c in candidates
    ]


def _email_rules(rt: Runtime) -> EmailRules:
    ident = rt.config.identity
    dots = frozenset({"gmail.com", "googlemail.com"}) if ident.gmail_dots else frozenset()
    return EmailRules(strip_dots_domains=dots, strip_plus_tags=ident.plus_tags)
