"""The Fellegi–Sunter model: EM recovers known m/u, scores order pairs, the model round-trips."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.identity.estimate import distinct_patterns, em
from sync.identity.model import ComparisonWeights, MatchModel, probability

TRUE_M = [np.array([0.05, 0.15, 0.80]), np.array([0.10, 0.90]), np.array([0.02, 0.08, 0.20, 0.70])]
TRUE_U = [np.array([0.90, 0.08, 0.02]), np.array([0.85, 0.15]), np.array([0.80, 0.15, 0.04, 0.01])]


def synthetic_levels(pairs: int, match_share: float, seed: int) -> np.ndarray:
    """Level vectors drawn from the model with ``TRUE_M``/``TRUE_U`` (conditionally independent)."""
    rng = np.random.default_rng(seed)
    is_match = rng.random(pairs) < match_share
    columns = []
    for m, u in zip(TRUE_M, TRUE_U, strict=True):
        drawn_m = rng.choice(len(m), size=pairs, p=m)
        drawn_u = rng.choice(len(u), size=pairs, p=u)
        columns.append(np.where(is_match, drawn_m, drawn_u))
    return np.stack(columns, axis=1).astype(np.int8)


def test_em_recovers_m_and_match_share_with_known_u() -> None:
    levels = synthetic_levels(200_000, 0.3, seed=1)
    patterns, counts = distinct_patterns(levels)

    m, share, _, converged = em(patterns, counts, TRUE_U, [3, 2, 4], iterations=200)

    assert converged
    assert abs(share - 0.3) < 0.01
    for estimated, expected in zip(m, TRUE_M, strict=True):
        assert np.abs(estimated - expected).max() < 0.02


def test_em_ignores_missing_values() -> None:
    levels = synthetic_levels(100_000, 0.2, seed=2)
    levels[::3, 0] = -1
    patterns, counts = distinct_patterns(levels)

    m, share, _, _ = em(patterns, counts, TRUE_U, [3, 2, 4], iterations=200)

    assert abs(share - 0.2) < 0.015
    assert np.abs(m[0] - TRUE_M[0]).max() < 0.03


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_em_converges_from_any_sample(seed: int) -> None:
    levels = synthetic_levels(20_000, 0.25, seed)
    patterns, counts = distinct_patterns(levels)

    m, share, _, converged = em(patterns, counts, TRUE_U, [3, 2, 4], iterations=300)

    assert converged
    assert all(abs(float(x.sum()) - 1.0) < 1e-6 for x in m)
    assert 0.15 < share < 0.35


def model() -> MatchModel:
    weights = ComparisonWeights(
        "email", ("different", "exact"), (0.1, 0.9), (0.99, 0.01), None, (), 0.0
    )
    names = ComparisonWeights(
        "last_name",
        ("different", "exact"),
        (0.2, 0.8),
        (0.9, 0.1),
        "last_name",
        (("mueller", 0.02), ("schmidt", 0.01)),
        0.001,
    )
    return MatchModel((weights, names), prior_log2_odds=-10.0, match_share_in_blocks=0.3)


def test_model_round_trips_through_json() -> None:
    original = model()

    actual = MatchModel.from_json(original.to_json())

    assert actual == original


def test_exact_weight_is_log2_m_over_u() -> None:
    actual = model().comparisons[0].weights()

    assert np.allclose(actual, np.log2(np.array([0.1 / 0.99, 0.9 / 0.01])))


@given(st.floats(min_value=-60, max_value=60), st.floats(min_value=0.001, max_value=10))
def test_probability_grows_with_weight(weight: float, step: float) -> None:
    assert probability(weight + step) >= probability(weight)
