"""Step 3 of a cycle: link every new source record to a customer.

Order of evidence: an existing link; an id the record was known under before (a merge, an
e-mail change); the CRM id another system keeps; then, for people, identity resolution over
the store (:mod:`sync.identity`: deterministic rules, then a Fellegi–Sunter score, with
blocking through indexed keys so only candidates are compared); otherwise a new customer.
Uncertain matches and CRM-internal duplicates go to the review queue, never to a merge, and
operator decisions that two records stay apart are always honoured. Every link keeps the rule
or score and the per-field comparison that made it.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from sync.config.model import MatchRule
from sync.identity.blocking import blocking_keys
from sync.identity.decision import PairDecision, explanation_to_json
from sync.identity.incremental import Resolution as Placement
from sync.identity.incremental import resolve_changes
from sync.identity.normalize.text import fold
from sync.identity.profile import Profile, SourceRef
from sync.matching import profile_of
from sync.records import CanonicalRecord, StagedChange, record_id
from sync.runtime import Runtime
from sync.store import customers, profiles, review
from sync.store import records as stored_records
from sync.store.profiles import StoreIndex


@dataclass
class Resolution:
    """What resolving one page did; ``touched`` are the customers to merge again."""

    touched: set[str] = field(default_factory=set)
    methods: Counter[str] = field(default_factory=Counter)
    review: int = 0


@dataclass
class _Page:
    links: dict[str, str] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)
    saved: list[customers.Link] = field(default_factory=list)
    review: list[dict[str, Any]] = field(default_factory=list)

    def link(self, record: CanonicalRecord, customer: str, method: str, **how: Any) -> None:
        self.links[record.id] = customer
        self.saved.append(customers.Link(record.id, customer, method, **how))

    def new_customer(self, record: CanonicalRecord) -> str:
        customer = uuid.uuid4().hex
        self.new[customer] = record.entity
        return customer


def resolve(
    conn: Connection, rt: Runtime, changes: Sequence[StagedChange], now: datetime
) -> Resolution:
    """Link the records of one page; saves profiles, keys, links, customers, review items."""
    records = [c.record for c in changes]
    page = _Page(links=customers.links_of_records(conn, [r.id for r in records]))
    todo = [r for r in records if r.id not in page.links]
    page.links.update(customers.links_of_records(conn, sorted(_referenced(todo, rt))))
    rest = [r for r in todo if not _by_pointer(r, rt, page)]
    people = {r.id: _profile(r, rt) for r in records if r.entity == "person" and not r.is_deleted}
    _place_people(conn, rt, [r for r in rest if r.id in people], people, page, now)
    _place_others(conn, [r for r in rest if r.id not in people], page)
    profiles.save(conn, people)
    stored_records.replace_keys(conn, _keys(records, people, rt))
    customers.create_customers(conn, page.new, now)
    customers.save_links(conn, page.saved, now)
    review.add_items(conn, page.review, now)
    return Resolution(
        touched={page.links[r.id] for r in records},
        methods=Counter(link.method for link in page.saved),
        review=len(page.review),
    )


def index_records(conn: Connection, rt: Runtime, records: Sequence[CanonicalRecord]) -> None:
    """Store profiles and match keys of records the engine wrote itself (pushed creates)."""
    people = {r.id: _profile(r, rt) for r in records if r.entity == "person" and not r.is_deleted}
    profiles.save(conn, people)
    stored_records.replace_keys(conn, _keys(records, people, rt))


def _profile(record: CanonicalRecord, rt: Runtime) -> Profile:
    role = rt.config.systems[record.system].role.value
    return profile_of(record, role, rt.leader(), rt.match_settings)


def _keys(
    records: Sequence[CanonicalRecord], people: dict[str, Profile], rt: Runtime
) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for record in records:
        if record.id in people:
            keys[record.id] = list(blocking_keys(people[record.id], rt.match_settings))
        else:
            key = _domain_key(record)
            keys[record.id] = [key] if key else []
    return keys


# --- pointers: ids the record itself names ---------------------------------------------------


def _referenced(records: Sequence[CanonicalRecord], rt: Runtime) -> set[str]:
    """Ids of the records that previous ids and CRM ids point at."""
    out = {record_id(r.system, r.stream, p) for r in records for p in r.previous_ids}
    for r in records:
        leader = rt.leader_stream(r.entity)
        if leader is not None and r.fields.get("crm_id"):
            out.add(record_id(leader.system, leader.name, str(r.fields["crm_id"])))
    return out


def _by_pointer(record: CanonicalRecord, rt: Runtime, page: _Page) -> bool:
    for previous in record.previous_ids:
        customer = page.links.get(record_id(record.system, record.stream, previous))
        if customer:
            page.link(record, customer, "previous_id")
            return True
    crm_id = record.fields.get("crm_id")
    leader = rt.leader_stream(record.entity)
    if not crm_id or leader is None or record.system == leader.system:
        return False
    if MatchRule.CRM_ID not in rt.config.identity.rules:
        return False
    customer = page.links.get(record_id(leader.system, leader.name, str(crm_id)))
    if customer:
        page.link(record, customer, "crm_id")
    return customer is not None


# --- people: identity resolution over the store ----------------------------------------------


def _place_people(
    conn: Connection,
    rt: Runtime,
    records: Sequence[CanonicalRecord],
    people: dict[str, Profile],
    page: _Page,
    now: datetime,
) -> None:
    if not records:
        return
    by_ref = {people[r.id].ref.key: r for r in records}
    apart = _kept_apart(conn, [r.id for r in records])
    model = rt.models.model(conn, now)
    placements = resolve_changes(
        [people[r.id] for r in records], StoreIndex(conn), model, rt.match_settings, apart
    )
    groups: dict[str, str] = {}
    for placement in placements:
        record = by_ref[placement.ref.key]
        if placement.customer_id is not None:
            _link_placed(record, placement, page)
        else:
            group = placement.new_group or record.id
            if group not in groups:
                groups[group] = page.new_customer(record)
            _link_placed(record, placement, page, groups[group])
    _queue_reviews(conn, rt, placements, by_ref, page)


def _link_placed(
    record: CanonicalRecord, placement: Placement, page: _Page, customer: str | None = None
) -> None:
    decision = placement.link
    target = customer or placement.customer_id or ""
    if decision is None:
        page.link(record, target, "new")
        return
    rule = decision.explanation.rule
    page.link(
        record,
        target,
        rule.value if rule is not None else "score",
        score=decision.explanation.match_probability,
        detail=_detail(placement, decision),
    )


def _detail(placement: Placement, decision: PairDecision) -> dict[str, Any]:
    """The stored reason of a link or review item: the record compared with (the pair's other
    side) and the comparison."""
    other = _other(placement, decision)
    return {
        "with": [other.system, other.record_id],
        "explanation": json.loads(explanation_to_json(decision.explanation)),
    }


def _queue_reviews(
    conn: Connection,
    rt: Runtime,
    placements: Sequence[Placement],
    by_ref: dict[str, CanonicalRecord],
    page: _Page,
) -> None:
    pending = [
        (placement, decision, reason)
        for placement in placements
        for reason, decisions in (
            ("score", placement.reviews),
            ("crm_duplicate", placement.crm_duplicates),
        )
        for decision in decisions
    ]
    others = {_other(p, d).key: _other(p, d) for p, d, _ in pending}
    stored = {k: _stored_id(ref, rt) for k, ref in others.items() if k not in by_ref}
    known = customers.links_of_records(conn, sorted(i for i in stored.values() if i))
    queued: set[frozenset[str]] = set()
    for placement, decision, reason in pending:
        other = _other(placement, decision)
        pair = frozenset({placement.ref.key, other.key})
        record = by_ref[placement.ref.key]
        mine = page.links.get(record.id)
        theirs = (
            page.links.get(by_ref[other.key].id)
            if other.key in by_ref
            else known.get(stored[other.key] or "")
        )
        # Both records of a pair may be in this page: one item is enough.
        if theirs is None or theirs == mine or pair in queued:
            continue
        queued.add(pair)
        page.review.append(
            {
                "source_record_id": record.id,
                "candidate_customer_id": theirs,
                "score": decision.explanation.match_probability,
                "reason": reason,
                "detail": _detail(placement, decision),
            }
        )


def _other(placement: Placement, decision: PairDecision) -> SourceRef:
    return decision.right if decision.left.key == placement.ref.key else decision.left


def _stored_id(ref: SourceRef, rt: Runtime) -> str | None:
    stream = next(
        (s for s in rt.streams if s.system == ref.system and s.info.entity.value == "person"), None
    )
    return record_id(ref.system, stream.name, ref.record_id) if stream else None


def _kept_apart(conn: Connection, record_ids: Sequence[str]) -> set[frozenset[str]]:
    """Operator decisions as pairs of :class:`SourceRef` keys."""
    pairs: set[frozenset[str]] = set()
    for mine, others in review.apart_from(conn, record_ids).items():
        for other in others:
            pairs.add(frozenset({_ref_key(mine), _ref_key(other)}))
    return pairs


def _ref_key(source_record_id: str) -> str:
    system, _stream, external_id = source_record_id.split(":", 2)
    return SourceRef(system, "", external_id).key


# --- organisations and the rest -----------------------------------------------------------


def _place_others(conn: Connection, records: Sequence[CanonicalRecord], page: _Page) -> None:
    """Organisations match by web domain (a stored customer holding it, else one placed
    earlier in this page); anything else becomes a customer of its own."""
    key_of = {r.id: _domain_key(r) for r in records}
    holders = stored_records.records_with_keys(conn, {k for k in key_of.values() if k})
    owners = customers.links_of_records(conn, sorted({i for ids in holders.values() for i in ids}))
    in_page: dict[str, str] = {}
    for record in records:
        key = key_of[record.id]
        found = sorted({owners[i] for i in holders.get(key or "", set()) if i in owners})
        target = found[0] if len(found) == 1 else None if found else in_page.get(key or "")
        if key and target:
            page.link(record, target, "domain")
            continue
        customer = page.new_customer(record)
        page.link(record, customer, "new")
        if key and not found:
            in_page[key] = customer


def _domain_key(record: CanonicalRecord) -> str | None:
    domain = record.fields.get("domain")
    if record.entity == "organisation" and domain and not record.is_deleted:
        return f"od:{fold(str(domain))}"
    return None
