"""Vectorised similarity of coded column pairs: each distinct value pair is scored once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

from sync.identity.table import Column

Scorer = Callable[..., Any]
PARALLEL_PAIRS = 50_000


def coded_pairs(column: Column, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two sides' codes of each pair."""
    return column.codes[i], column.codes[j]


def both_present(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a >= 0) & (b >= 0)


def pair_scores(
    column: Column, a: np.ndarray, b: np.ndarray, scorer: Scorer, *, other: Column | None = None
) -> np.ndarray:
    """``scorer(values[a], other.values[b])`` per pair; 0 where a side is missing.

    Pairs are reduced to distinct code pairs first, so a million pairs of common names cost
    a few thousand string comparisons. rapidfuzz's ``cpdist`` scores them element-wise in C.
    """
    right = column if other is None else other
    out = np.zeros(len(a), dtype=np.float32)
    mask = both_present(a, b)
    if not mask.any():
        return out
    width = np.int64(max(len(right.values), 1))
    keys = a[mask].astype(np.int64) * width + b[mask]
    unique, inverse = np.unique(keys, return_inverse=True)
    left_values = np.asarray(column.values, dtype=object)[unique // width]
    right_values = np.asarray(right.values, dtype=object)[unique % width]
    # Threads pay off only for many pairs; small increments stay on the calling thread.
    workers = -1 if len(unique) >= PARALLEL_PAIRS else 1
    scores = process.cpdist(left_values, right_values, scorer=scorer, workers=workers)
    out[mask] = np.asarray(scores, dtype=np.float32)[inverse.ravel()]
    return out


def jaro_winkler(
    column: Column, a: np.ndarray, b: np.ndarray, other: Column | None = None
) -> np.ndarray:
    """Jaro-Winkler similarity in [0, 1]."""
    return pair_scores(column, a, b, JaroWinkler.normalized_similarity, other=other)


def edit_distance(column: Column, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Edit distance counting a swap of neighbours as one edit (optimal string alignment):
    "9384379"/"9384397" and "0171"/"0117" are one typo apart. Large where a side is missing."""
    distance = pair_scores(column, a, b, OSA.distance)
    distance[~both_present(a, b)] = 99
    return distance


def token_subset(column: Column, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where one value's words are all among the other's ("Yilmaz" in "Yilmaz Schmidt")."""
    return pair_scores(column, a, b, fuzz.token_set_ratio) >= 100.0


def same_derived(derived: Column, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Rows ``i`` and ``j`` have equal non-missing derived codes (e.g. phonetic codes)."""
    left, right = derived.codes[i], derived.codes[j]
    return (left >= 0) & (left == right)


def same_across(left: Column, right: Column, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Equal codes of two columns derived from one shared value list (first vs last name)."""
    a, b = left.codes[i], right.codes[j]
    return (a >= 0) & (a == b)


def equal_values(left: Column, a: np.ndarray, right: Column, b: np.ndarray) -> np.ndarray:
    """Equal values between columns with different value lists (a date vs its transposition)."""
    values_left = np.asarray((*left.values, ""), dtype=object)[a]
    values_right = np.asarray((*right.values, ""), dtype=object)[b]
    return both_present(a, b) & (values_left == values_right)
