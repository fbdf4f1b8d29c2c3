"""Incremental resolution: match changed records against stored ones found through a key index.

Only the changed records, the stored records sharing a blocking key with them, and the other
members of those records' customers are compared, so the cost follows the number of changed
records, not the size of the store. The engine supplies the index (a SQL table of blocking
keys); :class:`InMemoryIndex` is the reference implementation for tests and benchmarks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sync.identity import decision as dc
from sync.identity.batch import downgrade, rank_of
from sync.identity.blocking import blocking_keys, candidate_pairs, caps_by_key_name
from sync.identity.cluster import cluster
from sync.identity.compare import comparisons_for
from sync.identity.model import MatchModel
from sync.identity.profile import Profile, SourceRef
from sync.identity.scoring import ScoredPairs, explain, score_pairs
from sync.identity.settings import MatchSettings
from sync.identity.table import ProfileTable, table_of


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored record and the customer it is linked to."""

    profile: Profile
    customer_id: str


class CandidateIndex(Protocol):
    """Where stored records are found by blocking key.

    ``candidates`` returns the stored records holding any of ``keys``, skipping keys held by
    more than ``cap`` records (too common to block on); ``members`` returns every stored record
    of the given customers. Order does not matter; duplicates are tolerated.
    """

    def candidates(self, keys: Collection[str], cap: int) -> Sequence[Candidate]: ...

    def members(self, customer_ids: Collection[str]) -> Sequence[Candidate]: ...


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where one changed record belongs.

    ``customer_id`` is the existing customer it joins, or ``None`` for a new customer; changed
    records with the same ``new_group`` form one new customer together. ``link`` explains the
    strongest merge that placed it; ``reviews`` and ``crm_duplicates`` are pairs for people.
    """

    ref: SourceRef
    customer_id: str | None
    new_group: str | None
    link: dc.PairDecision | None
    reviews: tuple[dc.PairDecision, ...]
    crm_duplicates: tuple[dc.PairDecision, ...]


class InMemoryIndex:
    """A :class:`CandidateIndex` over dictionaries: blocking key → stored records."""

    def __init__(self, settings: MatchSettings) -> None:
        self._settings = settings
        self._by_key: dict[str, list[str]] = {}
        self._records: dict[str, Candidate] = {}
        self._by_customer: dict[str, list[str]] = {}

    def add(self, profiles: Iterable[Profile], customer_ids: Iterable[str]) -> None:
        for profile, customer in zip(profiles, customer_ids, strict=True):
            key = profile.ref.key
            self._records[key] = Candidate(profile, customer)
            self._by_customer.setdefault(customer, []).append(key)
            for block in blocking_keys(profile, self._settings):
                self._by_key.setdefault(block, []).append(key)

    def candidates(self, keys: Collection[str], cap: int) -> Sequence[Candidate]:
        found: dict[str, Candidate] = {}
        for block in keys:
            holders = self._by_key.get(block, ())
            if len(holders) <= cap:
                found.update((k, self._records[k]) for k in holders)
        return list(found.values())

    def members(self, customer_ids: Collection[str]) -> Sequence[Candidate]:
        return [self._records[k] for c in customer_ids for k in self._by_customer.get(c, ())]


def _stored_context(
    changed: Sequence[Profile], index: CandidateIndex, settings: MatchSettings
) -> list[Candidate]:
    caps = caps_by_key_name(settings)
    by_cap: dict[int, set[str]] = {}
    for profile in changed:
        for key in blocking_keys(profile, settings):
            by_cap.setdefault(caps[key.partition(":")[0]], set()).add(key)
    found = [c for cap, keys in by_cap.items() for c in index.candidates(keys, cap)]
    members = index.members({c.customer_id for c in found})
    skip = {p.ref.key for p in changed}
    unique: dict[str, Candidate] = {}
    for candidate in (*found, *members):
        if candidate.profile.ref.key not in skip:
            unique.setdefault(candidate.profile.ref.key, candidate)
    return list(unique.values())


def resolve_changes(
    changed: Sequence[Profile],
    index: CandidateIndex,
    model: MatchModel,
    settings: MatchSettings,
    kept_apart: Collection[frozenset[str]] = (),
) -> list[Resolution]:
    """Decide for each changed profile which customer it belongs to (``None``: a new one).

    Changed records are matched against the stored records and against each other. A record
    joins a stored customer only with the support of that customer's members. Two stored
    customers are never joined: a record matching both joins the better supported one and
    its link to the other becomes a review pair. A changed record's own stored version is
    left out of its candidates, so its old link does not vote for itself.
    """
    stored = _stored_context(changed, index, settings)
    table = table_of([*changed, *(c.profile for c in stored)], [n for n, _ in settings.extras])
    customers = sorted({c.customer_id for c in stored})
    code_of = {customer: code for code, customer in enumerate(customers)}
    fixed = np.asarray([-1] * len(changed) + [code_of[c.customer_id] for c in stored])
    comparisons = comparisons_for(settings)
    model.check_against(comparisons)
    i, j = candidate_pairs(table, settings)
    keep = (i < len(changed)) | (j < len(changed))

    def score(a: np.ndarray, b: np.ndarray) -> ScoredPairs:
        return score_pairs(table, a, b, model, comparisons, settings, kept_apart)

    scored = score(i[keep], j[keep])
    clustering = cluster(len(table), scored, score, settings.cluster, rank_of(table), fixed)
    scored = downgrade(scored, clustering.refused)
    customer_of_label = {
        int(clustering.labels[row]): customers[int(code)]
        for row, code in enumerate(fixed.tolist())
        if code >= 0
    }
    pairs_of = _pairs_by_row(scored, len(changed))
    return [
        _resolution(
            row, pairs_of[row], table, scored, clustering.labels, customer_of_label, model, settings
        )
        for row in range(len(changed))
    ]


def _pairs_by_row(scored: ScoredPairs, rows: int) -> list[np.ndarray]:
    """Indices of the scored pairs each changed row takes part in, found in one pass (a scan
    of every pair per row would make a page's cost grow with its square)."""
    k = np.arange(len(scored.i))
    ends = np.concatenate([scored.i, scored.j])
    owners = np.concatenate([k, k])
    keep = ends < rows
    ends, owners = ends[keep], owners[keep]
    order = np.argsort(ends, kind="stable")
    ends, owners = ends[order], owners[order]
    bounds = np.searchsorted(ends, np.arange(rows + 1))
    return [np.unique(owners[bounds[r] : bounds[r + 1]]) for r in range(rows)]


def _resolution(
    row: int,
    mine: np.ndarray,
    table: ProfileTable,
    scored: ScoredPairs,
    labels: np.ndarray,
    customer_of_label: dict[int, str],
    model: MatchModel,
    settings: MatchSettings,
) -> Resolution:
    label = int(labels[row])
    merged = [
        k
        for k in mine.tolist()
        if scored.outcomes[k] == dc.MERGE and labels[scored.i[k]] == labels[scored.j[k]]
    ]
    best = max(merged, key=lambda k: float(scored.weights[k]), default=None)
    customer = customer_of_label.get(label)
    return Resolution(
        ref=table.refs[row],
        customer_id=customer,
        new_group=None if customer else table.refs[label].key,
        link=None if best is None else explain(scored, best, table, model, settings),
        reviews=_explained(scored, mine, dc.REVIEW, table, model, settings),
        crm_duplicates=_explained(scored, mine, dc.CRM_DUPLICATE, table, model, settings),
    )


def _explained(
    scored: ScoredPairs,
    rows: np.ndarray,
    outcome: int,
    table: ProfileTable,
    model: MatchModel,
    settings: MatchSettings,
) -> tuple[dc.PairDecision, ...]:
    picked = rows[scored.outcomes[rows] == outcome]
    return tuple(explain(scored, int(k), table, model, settings) for k in picked)
