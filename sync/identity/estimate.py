"""Estimating a match model from unlabelled data: u from random pairs, m by EM on blocked pairs."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from sync.identity.blocking import BlockingKey, cap_of, key_codes, keys_for, pairs_within_groups
from sync.identity.compare import Comparison, compare_pairs
from sync.identity.model import ComparisonWeights, MatchModel, log2_odds
from sync.identity.priors import MIN_RECORDS_TO_FIT, prior_m, prior_model
from sync.identity.settings import ExtraKind, MatchSettings
from sync.identity.table import ProfileTable

SMOOTHING = 1e-6
MIN_SESSION_PAIRS = 50
M_FLOOR = 2e-3
TRAINING_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("e", ("email",)),
    ("p", ("phone",)),
    ("n", ("first_name", "last_name")),
    ("fb", ("first_name", "birthday")),
    ("lp", ("last_name", "postcode")),
    ("bp", ("birthday", "postcode")),
)
TF_TOP_VALUES = 5_000


def random_pairs(n: int, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` uniformly drawn pairs of distinct rows."""
    if n < 2:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, size=count)
    j = (i + rng.integers(1, n, size=count)) % n
    return i.astype(np.int32), j.astype(np.int32)


def level_shares(levels: np.ndarray, count: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Share of each level among pairs with evidence (weighted), smoothed away from zero."""
    present = levels >= 0
    w = np.ones(len(levels)) if weights is None else weights
    totals = np.bincount(levels[present].astype(np.int64), weights=w[present], minlength=count)
    shares = (totals + SMOOTHING) / (totals.sum() + SMOOTHING * count)
    return shares[:count]


def estimate_u(
    table: ProfileTable, comparisons: tuple[Comparison, ...], settings: MatchSettings
) -> list[np.ndarray]:
    """u per comparison level: how often random (almost surely different) pairs agree."""
    i, j = random_pairs(len(table), settings.random_pairs, settings.seed)
    levels = compare_pairs(table, i, j, comparisons)
    floor = 1.0 / max(settings.random_pairs, 1)
    shares = []
    for c, comparison in enumerate(comparisons):
        share = level_shares(levels[:, c], len(comparison.levels))
        shares.append(np.maximum(share, floor) / np.maximum(share, floor).sum())
    return shares


def em(
    patterns: np.ndarray,
    counts: np.ndarray,
    u: list[np.ndarray],
    sizes: list[int],
    iterations: int,
    m_start: list[np.ndarray] | None = None,
    fit_m: bool = True,
) -> tuple[list[np.ndarray], float, int, bool]:
    """Expectation–maximisation of m and the match share over distinct level patterns.

    u stays fixed (it is known from random pairs); m starts from ``m_start`` or the priors and
    is kept fixed when ``fit_m`` is false (then only the match share is estimated). Returns m,
    match share, iterations run and whether the largest change fell below 1e-5.
    """
    m = m_start or [prior_m(size) for size in sizes]
    share = 0.1
    log_u = _pattern_log(patterns, [np.log(x) for x in u])
    for iteration in range(1, iterations + 1):
        log_m = _pattern_log(patterns, [np.log(x) for x in m])
        log_ratio = np.clip(log_m - log_u + math.log(share / (1.0 - share)), -700, 700)
        weights = counts / (1.0 + np.exp(-log_ratio))
        new_share = float(np.clip(weights.sum() / counts.sum(), 1e-6, 1 - 1e-6))
        change = abs(new_share - share)
        share = new_share
        if fit_m:
            new_m = [level_shares(patterns[:, c], sizes[c], weights) for c in range(len(sizes))]
            change = max(
                change, *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True))
            )
            m = new_m
        if change < 1e-5:
            return m, share, iteration, True
    return m, share, iterations, False


def _pattern_log(patterns: np.ndarray, log_tables: list[np.ndarray]) -> np.ndarray:
    total = np.zeros(len(patterns))
    for c, table in enumerate(log_tables):
        present = patterns[:, c] >= 0
        total[present] += table[patterns[present, c]]
    return total


def distinct_patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the level matrix and their counts (EM runs on these, not on pairs).

    Rows are packed into one integer each (levels + 1 in base 8) because a one-dimensional
    unique is many times faster than ``np.unique(axis=0)`` on millions of pairs.
    """
    if len(levels) == 0:
        return levels, np.zeros(0)
    width = levels.shape[1]
    if width > 20 or levels.max(initial=0) >= 7:
        patterns, counts = np.unique(levels, axis=0, return_counts=True)
        return patterns, counts.astype(np.float64)
    shifts = np.arange(width, dtype=np.int64) * 3
    packed = ((levels.astype(np.int64) + 1) << shifts).sum(axis=1)
    unique, counts = np.unique(packed, return_counts=True)
    patterns = ((unique[:, None] >> shifts) & 7).astype(np.int8) - 1
    return patterns, counts.astype(np.float64)


def term_frequencies(
    table: ProfileTable, column_name: str, top: int = TF_TOP_VALUES
) -> tuple[tuple[tuple[str, float], ...], float]:
    """Frequencies of the ``top`` commonest values, and the floor used for all rarer ones."""
    column = table.column(column_name)
    present = column.codes[column.codes >= 0]
    if len(present) == 0:
        return (), 0.0
    counts = np.bincount(present, minlength=len(column.values)) / len(present)
    order = np.argsort(-counts, kind="stable")[:top]
    listed = tuple((column.values[k], float(counts[k])) for k in order if counts[k] > 0)
    floor = listed[-1][1] if len(listed) == top else 1.0 / len(present)
    return listed, floor


def training_sessions(settings: MatchSettings) -> tuple[tuple[BlockingKey, frozenset[str]], ...]:
    """Blocking keys EM trains on, each with the comparisons its key makes agree by design.

    Within pairs sharing a key, the key's own fields say nothing about matching (they agree
    for all), so they are left out of that session; every other comparison learns its m there.
    """
    by_name = {key.name: key for key in keys_for(settings)}
    sessions = [(by_name[name], frozenset(fields)) for name, fields in TRAINING_KEYS]
    sessions += [
        (by_name[f"x_{name}"], frozenset({name}))
        for name, kind in settings.extras
        if f"x_{name}" in by_name and kind is ExtraKind.ID
    ]
    return tuple(sessions)


def train_m(
    table: ProfileTable,
    comparisons: tuple[Comparison, ...],
    u: list[np.ndarray],
    settings: MatchSettings,
) -> tuple[list[np.ndarray], int, bool]:
    """m per comparison: the mean over the sessions that could estimate it (priors if none)."""
    sizes = [len(c.levels) for c in comparisons]
    names = [c.name for c in comparisons]
    estimates: list[list[np.ndarray]] = [[] for _ in comparisons]
    iterations, converged = 0, True
    for key, excluded in training_sessions(settings):
        codes = pairs_within_groups(key_codes(table, key), cap_of(key, settings))
        codes = codes[_sample_rows(len(codes), settings.em_sample_pairs, settings.seed)]
        if len(codes) < MIN_SESSION_PAIRS:
            continue
        i, j = (codes // len(table)).astype(np.int32), (codes % len(table)).astype(np.int32)
        levels = compare_pairs(table, i, j, comparisons)
        skip = [c for c, name in enumerate(names) if name in excluded]
        levels[:, skip] = -1
        patterns, counts = distinct_patterns(levels)
        m, _, ran, done = em(patterns, counts, u, sizes, settings.em_iterations)
        iterations, converged = iterations + ran, converged and done
        for c in range(len(comparisons)):
            if c not in skip:
                estimates[c].append(m[c])
    m_values = [
        _floored(np.mean(found, axis=0)) if found else prior_m(size)
        for found, size in zip(estimates, sizes, strict=True)
    ]
    return m_values, iterations, converged


def _floored(m: np.ndarray) -> np.ndarray:
    """No level is impossible among matches: a level EM saw no match at gets ``M_FLOOR``."""
    floored = np.maximum(m, M_FLOOR)
    return floored / floored.sum()


def fit_model(
    table: ProfileTable,
    levels: np.ndarray,
    comparisons: tuple[Comparison, ...],
    settings: MatchSettings,
) -> MatchModel:
    """Fit u (random pairs), m (EM per training key), term frequencies and the prior.

    The prior comes from the match share among the candidate pairs (``levels``), estimated by
    EM with m and u fixed. A table of fewer than ``MIN_RECORDS_TO_FIT`` records gets the
    prior model instead.
    """
    if len(table) < MIN_RECORDS_TO_FIT:
        return _with_overrides(prior_model(comparisons, len(table)), settings)
    u = estimate_u(table, comparisons, settings)
    m, iterations, converged = train_m(table, comparisons, u, settings)
    sample = _sample_rows(len(levels), settings.em_sample_pairs, settings.seed)
    patterns, counts = distinct_patterns(levels[sample])
    sizes = [len(c.levels) for c in comparisons]
    _, share, _, _ = em(patterns, counts, u, sizes, settings.em_iterations, m, fit_m=False)
    n = len(table)
    expected_matches = max(share * len(levels), 1.0)
    prior = min(expected_matches / max(n * (n - 1) / 2, 1.0), 0.5)
    weights = tuple(
        _weights(table, comparison, m[c], u[c], settings)
        for c, comparison in enumerate(comparisons)
    )
    return MatchModel(weights, log2_odds(prior), share, iterations, converged)


def _weights(
    table: ProfileTable,
    comparison: Comparison,
    m: np.ndarray,
    u: np.ndarray,
    settings: MatchSettings,
) -> ComparisonWeights:
    override = settings.override_for(comparison.name)
    m_values = override.m if override and override.m else tuple(float(x) for x in m)
    u_values = override.u if override and override.u else tuple(float(x) for x in u)
    tf: tuple[tuple[str, float], ...] = ()
    floor = 0.0
    if comparison.tf_column:
        tf, floor = term_frequencies(table, comparison.tf_column)
    return ComparisonWeights(
        comparison.name, comparison.levels, m_values, u_values, comparison.tf_column, tf, floor
    )


def _with_overrides(model: MatchModel, settings: MatchSettings) -> MatchModel:
    comparisons = []
    for weights in model.comparisons:
        override = settings.override_for(weights.name)
        if override:
            weights = dataclasses.replace(
                weights, m=override.m or weights.m, u=override.u or weights.u
            )
        comparisons.append(weights)
    return dataclasses.replace(model, comparisons=tuple(comparisons))


def _sample_rows(total: int, limit: int, seed: int) -> np.ndarray:
    if total <= limit:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size=limit, replace=False))
