"""Match profiles in the store, and the candidate index identity resolution searches them by.

A profile is stored once, when its record is staged; matching then finds stored records by
their indexed blocking keys and reads their profiles, so the cost of matching a change does
not grow with the size of the store.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from sync.identity.incremental import Candidate
from sync.identity.profile import Profile, SourceRef
from sync.store import customers
from sync.store import records as stored_records
from sync.store.sql import chunks, upsert
from sync.store.tables import BlockingKeyRow, MatchProfileRow

PROFILES = MatchProfileRow.__table__  # type: ignore[attr-defined]
KEYS = BlockingKeyRow.__table__  # type: ignore[attr-defined]


def encode_profile(profile: Profile) -> dict[str, Any]:
    ref = profile.ref
    return {
        "ref": [ref.system, ref.role, ref.record_id],
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "email": profile.email,
        "phone": profile.phone,
        "street": profile.street,
        "house_number": profile.house_number,
        "postcode": profile.postcode,
        "city": profile.city,
        "country": profile.country,
        "birthday": profile.birthday,
        "company": profile.company,
        "domain": profile.domain,
        "external_ids": [list(x) for x in profile.external_ids],
        "extras": [list(x) for x in profile.extras],
    }


def decode_profile(raw: Mapping[str, Any]) -> Profile:
    system, role, record_id = raw["ref"]
    return Profile(
        ref=SourceRef(system, role, record_id),
        first_name=raw.get("first_name"),
        last_name=raw.get("last_name"),
        email=raw.get("email"),
        phone=raw.get("phone"),
        street=raw.get("street"),
        house_number=raw.get("house_number"),
        postcode=raw.get("postcode"),
        city=raw.get("city"),
        country=raw.get("country"),
        birthday=raw.get("birthday"),
        company=raw.get("company"),
        domain=raw.get("domain"),
        external_ids=tuple((a, b) for a, b in raw.get("external_ids", ())),
        extras=tuple((a, b) for a, b in raw.get("extras", ())),
    )


def save(conn: Connection, profiles: Mapping[str, Profile]) -> None:
    """Store the profile of each source record id."""
    rows = [{"source_record_id": rid, "profile": encode_profile(p)} for rid, p in profiles.items()]
    upsert(conn, PROFILES, rows, keys=["source_record_id"])


def load(conn: Connection, record_ids: Collection[str]) -> dict[str, Profile]:
    out: dict[str, Profile] = {}
    for part in chunks(sorted(record_ids)):
        query = select(PROFILES.c.source_record_id, PROFILES.c.profile).where(
            PROFILES.c.source_record_id.in_(part)
        )
        out.update({rid: decode_profile(raw) for rid, raw in conn.execute(query)})
    return out


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(PROFILES)).scalar_one())


def sample(conn: Connection, limit: int, seed: int = 0) -> list[Profile]:
    """Up to ``limit`` stored profiles, for fitting the model, in record id order and drawn by a
    seeded generator: the same store always gives the same sample, so the same data always
    gives the same model and the same decisions."""
    query = select(PROFILES.c.source_record_id).order_by(PROFILES.c.source_record_id)
    ids = list(conn.execute(query).scalars())
    if len(ids) > limit:
        picked = np.sort(np.random.default_rng(seed).choice(len(ids), size=limit, replace=False))
        ids = [ids[i] for i in picked.tolist()]
    found = load(conn, ids)
    return [found[rid] for rid in ids if rid in found]


class StoreIndex:
    """:class:`~sync.identity.incremental.CandidateIndex` over the store's key and link tables.

    Only linked records are candidates: records of the page being resolved are matched among
    themselves by the resolver, not found here.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._profiles: dict[str, Profile] = {}
        """Profiles decoded for this page so far: members found again are not loaded twice."""

    def candidates(self, keys: Collection[str], cap: int) -> Sequence[Candidate]:
        usable: list[str] = []
        for part in chunks(sorted({stored_records.stored_key(k) for k in keys})):
            query = (
                select(KEYS.c.key)
                .where(KEYS.c.key.in_(part))
                .group_by(KEYS.c.key)
                .having(func.count() <= cap)
            )
            usable.extend(self._conn.execute(query).scalars())
        holders = set().union(*stored_records.records_with_keys(self._conn, usable).values())
        return self._as_candidates(customers.links_of_records(self._conn, sorted(holders)))

    def members(self, customer_ids: Collection[str]) -> Sequence[Candidate]:
        found = customers.records_of_customers(self._conn, sorted(customer_ids))
        links = {rid: cid for cid, rids in found.items() for rid in rids}
        return self._as_candidates({rid: links[rid] for rid in sorted(links)})

    def _as_candidates(self, links: Mapping[str, str]) -> list[Candidate]:
        missing = [rid for rid in links if rid not in self._profiles]
        self._profiles.update(load(self._conn, missing))
        return [
            Candidate(self._profiles[rid], cid)
            for rid, cid in links.items()
            if rid in self._profiles
        ]
