"""Clustering merge decisions into customers without chaining weak links.

Merge pairs are taken strongest first (rules, then match weight, ties by record identity so the
input order never matters). Two clusters join only if the records agree across them: at least
``min_match_share`` of the cross pairs are merges, at most ``max_apart_share`` are kept apart
on evidence against them, and none is vetoed (same-CRM records, conflicting ids, splits). So
A~B and B~C with A and C dissimilar ends as {A, B} and {C}, and the refused link goes to review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sync.identity import decision as dc
from sync.identity.scoring import ScoredPairs
from sync.identity.settings import ClusterPolicy

APART_STATE, NEUTRAL_STATE, MATCH_STATE, VETO_STATE = range(4)
ExtraScorer = Callable[[np.ndarray, np.ndarray], ScoredPairs]


@dataclass(frozen=True, slots=True)
class Clustering:
    """``labels[row]`` is the row's cluster (the row index of its first member by rank);
    ``refused`` indexes the merge pairs of the input that clustering turned down."""

    labels: np.ndarray
    refused: np.ndarray


class _Forest:
    """Union–find with member lists and, optionally, a fixed (stored) customer per row."""

    def __init__(self, n: int, fixed: np.ndarray | None) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {}
        self.fixed = [-1] * n if fixed is None else [int(f) for f in fixed]

    def find(self, row: int) -> int:
        while self.parent[row] != row:
            self.parent[row] = self.parent[self.parent[row]]
            row = self.parent[row]
        return row

    def members_of(self, root: int) -> list[int]:
        return self.members.get(root, [root])

    def union(self, a: int, b: int) -> None:
        big, small = (a, b) if len(self.members_of(a)) >= len(self.members_of(b)) else (b, a)
        self.parent[small] = big
        self.members[big] = self.members_of(big) + self.members.pop(small, [small])
        if self.fixed[big] < 0:
            self.fixed[big] = self.fixed[small]


def _states(scored: ScoredPairs) -> np.ndarray:
    """Match, neutral, apart or veto per pair. Apart needs evidence against (the fields' own
    weight below zero): two records that merely lack common fields do not split a cluster."""
    state = np.full(len(scored), NEUTRAL_STATE, dtype=np.int8)
    against = scored.weights - scored.prior_log2_odds < 0
    state[(scored.outcomes == dc.APART) & against] = APART_STATE
    state[scored.outcomes == dc.MERGE] = MATCH_STATE
    state[scored.vetoes != 0] = VETO_STATE
    return state


def _pair_codes(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(i, j).astype(np.int64) * n + np.maximum(i, j)


def _components(n: int, i: np.ndarray, j: np.ndarray, fixed: np.ndarray | None) -> np.ndarray:
    forest = _Forest(n, None)
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        ra, rb = forest.find(a), forest.find(b)
        if ra != rb:
            forest.parent[ra] = rb
    if fixed is not None:
        first_of: dict[int, int] = {}
        for row, label in enumerate(fixed.tolist()):
            if label >= 0:
                other = first_of.setdefault(label, row)
                forest.parent[forest.find(row)] = forest.find(other)
    return np.fromiter((forest.find(r) for r in range(n)), dtype=np.int64, count=n)


def _completion_pairs(
    component: np.ndarray, known: np.ndarray, n: int, max_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """All pairs inside components of 3..max_size rows that were not scored yet."""
    order = np.argsort(component, kind="stable")
    _, starts, sizes = np.unique(component[order], return_index=True, return_counts=True)
    left: list[int] = []
    right: list[int] = []
    for start, size in zip(starts.tolist(), sizes.tolist(), strict=True):
        if 3 <= size <= max_size:
            rows = sorted(order[start : start + size].tolist())
            for x, a in enumerate(rows):
                left.extend([a] * (size - x - 1))
                right.extend(rows[x + 1 :])
    codes = _pair_codes(np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64), n)
    fresh = ~np.isin(codes, known)
    return (np.asarray(left, dtype=np.int32)[fresh], np.asarray(right, dtype=np.int32)[fresh])


def cluster(
    n: int,
    scored: ScoredPairs,
    score_extra: ExtraScorer,
    policy: ClusterPolicy,
    rank: np.ndarray,
    fixed: np.ndarray | None = None,
) -> Clustering:
    """Cluster rows ``0..n-1`` from their scored pairs.

    ``score_extra(i, j)`` scores pairs that blocking did not propose but a cluster decision
    needs; ``rank`` orders rows for tie-breaks; ``fixed[row] >= 0`` puts stored rows in their
    existing customer, and two existing customers are never joined automatically.
    """
    merge = np.flatnonzero(scored.outcomes == dc.MERGE)
    component = _components(n, scored.i[merge], scored.j[merge], fixed)
    inside = component[scored.i] == component[scored.j]
    codes = _pair_codes(scored.i[inside], scored.j[inside], n)
    states = _states(scored.select(inside))
    extra_i, extra_j = _completion_pairs(component, codes, n, policy.max_component)
    if len(extra_i):
        extra = score_extra(extra_i, extra_j)
        codes = np.concatenate([codes, _pair_codes(extra.i, extra.j, n)])
        states = np.concatenate([states, _states(extra)])
    lookup = dict(zip(codes.tolist(), states.tolist(), strict=True))
    order = _edge_order(scored, merge, rank)
    forest = _Forest(n, fixed)
    _seed_fixed(forest, fixed)
    refused = [e for e in order.tolist() if not _try_join(forest, scored, e, lookup, n, policy)]
    labels = np.fromiter((forest.find(r) for r in range(n)), dtype=np.int64, count=n)
    return Clustering(_relabel(labels, rank), np.asarray(sorted(refused), dtype=np.int64))


def _edge_order(scored: ScoredPairs, merge: np.ndarray, rank: np.ndarray) -> np.ndarray:
    i, j = scored.i[merge], scored.j[merge]
    low, high = np.minimum(rank[i], rank[j]), np.maximum(rank[i], rank[j])
    by_rule = scored.rules[merge] == dc.NO_RULE
    return merge[np.lexsort((high, low, -scored.weights[merge], by_rule))]


def _seed_fixed(forest: _Forest, fixed: np.ndarray | None) -> None:
    if fixed is None:
        return
    first_of: dict[int, int] = {}
    for row, label in enumerate(fixed.tolist()):
        if label >= 0:
            other = forest.find(first_of.setdefault(label, row))
            if other != forest.find(row):
                forest.union(other, forest.find(row))


def _try_join(
    forest: _Forest,
    scored: ScoredPairs,
    edge: int,
    lookup: dict[int, int],
    n: int,
    policy: ClusterPolicy,
) -> bool:
    a, b = forest.find(int(scored.i[edge])), forest.find(int(scored.j[edge]))
    if a == b:
        return True
    if forest.fixed[a] >= 0 and forest.fixed[b] >= 0 and forest.fixed[a] != forest.fixed[b]:
        return False
    counts = [0, 0, 0, 0]
    for x in forest.members_of(a):
        for y in forest.members_of(b):
            counts[lookup.get(min(x, y) * n + max(x, y), NEUTRAL_STATE)] += 1
    total = sum(counts)
    if counts[VETO_STATE] or counts[MATCH_STATE] < policy.min_match_share * total:
        return False
    if counts[APART_STATE] > policy.max_apart_share * total:
        return False
    forest.union(a, b)
    return True


def _relabel(labels: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Name each cluster by its member of lowest rank, so labels do not depend on row order."""
    best: dict[int, int] = {}
    for row, label in enumerate(labels.tolist()):
        if label not in best or rank[row] < rank[best[label]]:
            best[label] = row
    return np.fromiter(
        (best[label] for label in labels.tolist()), dtype=np.int64, count=len(labels)
    )
