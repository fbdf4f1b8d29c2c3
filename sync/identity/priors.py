"""Prior m and u: conservative starting values for EM, and the model of a store too small to fit.

A true match agrees exactly on most fields (m high on the top level); a random pair agrees
exactly with about the chance of two people sharing that value (u of the top level, per
field). Intermediate levels are spread between the two.
"""

from __future__ import annotations

import math

import numpy as np

from sync.identity.compare import Comparison
from sync.identity.model import ComparisonWeights, MatchModel

MIN_RECORDS_TO_FIT = 500
"""Below this many records EM has too little to learn from; the priors are used as they are."""

EXACT_U: dict[str, float] = {
    "first_name": 0.01,
    "last_name": 0.005,
    "email": 1e-6,
    "phone": 1e-6,
    "birthday": 5e-5,
    "street": 2e-4,
    "postcode": 2e-3,
    "city": 0.02,
    "company": 1e-3,
    "domain": 1e-3,
}
EXACT_U_BY_LEVELS: dict[int, float] = {3: 1e-4, 4: 5e-5}
"""Extras without a named prior: ids and dates have more levels and rarer exact agreement."""

M_EXACT = 0.82
M_DIFFERENT = 0.04


def prior_m(size: int) -> np.ndarray:
    """m per level: most true matches agree exactly, a few disagree outright."""
    if size == 1:
        return np.ones(1)
    between = size - 2
    m = np.full(size, (1.0 - M_EXACT - M_DIFFERENT) / max(between, 1))
    m[0], m[-1] = M_DIFFERENT, M_EXACT
    if between == 0:
        m[0] = 1.0 - M_EXACT
    return m / m.sum()


def prior_u(name: str, size: int) -> np.ndarray:
    """u per level: exact agreement by chance is rare, each looser level a few times likelier."""
    exact = EXACT_U.get(name, EXACT_U_BY_LEVELS.get(size, 0.01))
    u = np.array([min(exact * 4.0 ** (size - 1 - level), 0.05) for level in range(size)])
    u[0] = 0.0
    u[0] = 1.0 - u.sum()
    return u


def prior_model(comparisons: tuple[Comparison, ...], records: int) -> MatchModel:
    """The model used without fitting: prior m/u, and prior odds of one match per record."""
    weights = tuple(
        ComparisonWeights(
            c.name,
            c.levels,
            tuple(float(x) for x in prior_m(len(c.levels))),
            tuple(float(x) for x in prior_u(c.name, len(c.levels))),
        )
        for c in comparisons
    )
    prior = 1.0 / max(records, 2)
    return MatchModel(weights, math.log2(prior / (1.0 - prior)), 0.0)
