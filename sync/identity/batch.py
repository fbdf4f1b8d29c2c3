"""Batch resolution of one table: block, compare, fit (or reuse) a model, decide and cluster."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from sync.identity import decision as dc
from sync.identity.blocking import candidate_pairs
from sync.identity.cluster import Clustering, cluster
from sync.identity.compare import Comparison, compare_pairs, comparisons_for
from sync.identity.estimate import fit_model
from sync.identity.model import MatchModel
from sync.identity.scoring import ScoredPairs, score_pairs
from sync.identity.settings import MatchSettings
from sync.identity.table import ProfileTable


@dataclass(frozen=True, slots=True)
class Resolved:
    """The outcome of resolving a table: scored pairs, clusters, and the model used."""

    table: ProfileTable
    comparisons: tuple[Comparison, ...]
    model: MatchModel
    scored: ScoredPairs
    clustering: Clustering


def rank_of(table: ProfileTable) -> np.ndarray:
    """Each row's position in the order of record identities (system, id)."""
    order = sorted(range(len(table)), key=lambda row: table.refs[row].key)
    rank = np.empty(len(table), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(table))
    return rank


def resolve_table(
    table: ProfileTable,
    settings: MatchSettings,
    model: MatchModel | None = None,
    kept_apart: Collection[frozenset[str]] = (),
) -> Resolved:
    """Resolve all records of ``table`` against each other.

    Without ``model`` one is fitted on the table itself (u from random pairs, m by EM); a given
    model must match the configured comparisons (ValueError otherwise).
    """
    comparisons = comparisons_for(settings)
    i, j = candidate_pairs(table, settings)
    levels = compare_pairs(table, i, j, comparisons)
    if model is None:
        model = fit_model(table, levels, comparisons, settings)
    model.check_against(comparisons)
    scored = score_pairs(table, i, j, model, comparisons, settings, kept_apart, levels)

    def score_extra(a: np.ndarray, b: np.ndarray) -> ScoredPairs:
        return score_pairs(table, a, b, model, comparisons, settings, kept_apart)

    clustering = cluster(len(table), scored, score_extra, settings.cluster, rank_of(table))
    return Resolved(table, comparisons, model, downgrade(scored, clustering.refused), clustering)


def train_model(table: ProfileTable, settings: MatchSettings) -> MatchModel:
    """Fit a match model on a table (e.g. a sample of the store) without deciding anything;
    the engine persists it with :meth:`MatchModel.to_json` and reuses it for increments."""
    comparisons = comparisons_for(settings)
    i, j = candidate_pairs(table, settings)
    return fit_model(table, compare_pairs(table, i, j, comparisons), comparisons, settings)


def downgrade(scored: ScoredPairs, refused: np.ndarray) -> ScoredPairs:
    """Merge pairs clustering turned down become review pairs with a ``weak_cluster`` veto."""
    if len(refused) == 0:
        return scored
    outcomes, vetoes = scored.outcomes.copy(), scored.vetoes.copy()
    outcomes[refused] = dc.REVIEW
    vetoes[refused] = dc.VETOES.index(dc.Veto.WEAK_CLUSTER)
    return dataclasses.replace(scored, vetoes=vetoes, outcomes=outcomes)
