"""Scoring candidate pairs: levels, match weights, rules, vetoes and outcomes, as arrays."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from sync.identity import decision as dc
from sync.identity.blocking import identity_pairs
from sync.identity.compare import Comparison, compare_pairs, comparisons_for
from sync.identity.model import MatchModel, contributions, probability
from sync.identity.profile import Profile
from sync.identity.settings import MatchSettings
from sync.identity.table import ProfileTable, table_of


@dataclass(frozen=True, slots=True)
class ScoredPairs:
    """Pairs ``(i[k], j[k])`` of one table with everything decided about them.

    ``rules[k]`` indexes ``settings.rules`` (``-1``: none), ``vetoes[k]`` indexes
    :data:`decision.VETOES`, ``outcomes[k]`` indexes :data:`decision.OUTCOMES`. ``weights``
    include the prior; ``weights - prior_log2_odds`` is the evidence of the fields alone.
    """

    i: np.ndarray
    j: np.ndarray
    levels: np.ndarray
    weights: np.ndarray
    rules: np.ndarray
    vetoes: np.ndarray
    outcomes: np.ndarray
    prior_log2_odds: float = 0.0

    def __len__(self) -> int:
        return len(self.i)

    def select(self, mask: np.ndarray) -> ScoredPairs:
        return ScoredPairs(
            self.i[mask],
            self.j[mask],
            self.levels[mask],
            self.weights[mask],
            self.rules[mask],
            self.vetoes[mask],
            self.outcomes[mask],
            self.prior_log2_odds,
        )

    def count(self, outcome: dc.Outcome) -> int:
        return int((self.outcomes == dc.OUTCOMES.index(outcome)).sum())


def identity_flags(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per pair: shares a CRM record's own id; shares another identity key."""
    crm, shared = identity_pairs(table)
    codes = np.minimum(i, j).astype(np.int64) * len(table) + np.maximum(i, j)
    return np.isin(codes, crm), np.isin(codes, shared)


def score_pairs(
    table: ProfileTable,
    i: np.ndarray,
    j: np.ndarray,
    model: MatchModel,
    comparisons: tuple[Comparison, ...],
    settings: MatchSettings,
    kept_apart: Collection[frozenset[str]] = (),
    levels: np.ndarray | None = None,
) -> ScoredPairs:
    """Compare, score and decide the pairs; ``levels`` may be passed if already computed."""
    levels = compare_pairs(table, i, j, comparisons) if levels is None else levels
    weights = model.prior_log2_odds + contributions(model, table, levels, i).sum(axis=1)
    crm_id, shared_id = identity_flags(table, i, j)
    rules = dc.first_rules(levels, comparisons, (crm_id, shared_id), settings)
    disagreement = dc.disagreements(levels, comparisons, rules, settings)
    vetoes = dc.vetoes(table, i, j, disagreement, kept_apart)
    outcomes = dc.outcomes(weights, rules, vetoes, settings)
    return ScoredPairs(
        i, j, levels, weights.astype(np.float32), rules, vetoes, outcomes, model.prior_log2_odds
    )


def explain(
    scored: ScoredPairs,
    k: int,
    table: ProfileTable,
    model: MatchModel,
    settings: MatchSettings,
) -> dc.PairDecision:
    """The typed decision of pair ``k``, with each comparison's level and weight."""
    levels = scored.levels[k : k + 1]
    parts = contributions(model, table, levels, scored.i[k : k + 1])[0]
    fields = tuple(
        dc.FieldEvidence(
            cw.name,
            "no_data" if levels[0, c] < 0 else cw.levels[levels[0, c]],
            round(float(parts[c]), 3),
        )
        for c, cw in enumerate(model.comparisons)
    )
    rule = int(scored.rules[k])
    explanation = dc.Explanation(
        outcome=dc.OUTCOMES[int(scored.outcomes[k])],
        rule=settings.rules[rule] if rule != dc.NO_RULE else None,
        match_weight=round(float(scored.weights[k]), 3),
        match_probability=float(probability(float(scored.weights[k]))),
        veto=dc.VETOES[int(scored.vetoes[k])],
        fields=fields,
    )
    return dc.PairDecision(table.refs[int(scored.i[k])], table.refs[int(scored.j[k])], explanation)


def decide_pair(
    left: Profile, right: Profile, model: MatchModel, settings: MatchSettings
) -> dc.PairDecision:
    """Compare two profiles on their own and explain the decision (for ``--explain``).

    Rules and vetoes apply as in resolution; cluster support does not (it needs the others).
    """
    table = table_of([left, right], [name for name, _ in settings.extras])
    comparisons = comparisons_for(settings)
    model.check_against(comparisons)
    one, two = np.array([0], dtype=np.int32), np.array([1], dtype=np.int32)
    scored = score_pairs(table, one, two, model, comparisons, settings)
    return explain(scored, 0, table, model, settings)
