"""The Fellegi–Sunter match model: per-level m and u, term frequencies, and pair scoring.

A fitted :class:`MatchModel` is a plain value: it serialises to JSON so the engine can persist
it and score new records later without refitting. Scores are log2 posterior odds ("match
weight"): the prior odds plus one log2(m/u) term per comparison that has evidence.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from sync.identity.compare import Comparison
from sync.identity.table import ProfileTable

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class ComparisonWeights:
    """m and u per level of one comparison (worst level first).

    ``tf`` holds the frequency of common values of ``tf_column``; an exact agreement on value
    v weighs log2(m / freq(v)) instead of log2(m / u) — sharing "mueller" says less than
    sharing "oezdemir". Values not listed count with ``tf_floor``.
    """

    name: str
    levels: tuple[str, ...]
    m: tuple[float, ...]
    u: tuple[float, ...]
    tf_column: str | None = None
    tf: tuple[tuple[str, float], ...] = ()
    tf_floor: float = 0.0

    def weights(self) -> np.ndarray:
        """log2(m/u) per level."""
        return np.log2(np.asarray(self.m) / np.asarray(self.u))


@dataclass(frozen=True, slots=True)
class MatchModel:
    """A fitted model: comparison weights and the prior odds of a random pair being a match."""

    comparisons: tuple[ComparisonWeights, ...]
    prior_log2_odds: float
    match_share_in_blocks: float
    iterations: int = 0
    converged: bool = False
    version: int = field(default=FORMAT_VERSION)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> MatchModel:
        """Parse a model written by :meth:`to_json`; raises ValueError on another format."""
        data = json.loads(text)
        if data.get("version") != FORMAT_VERSION:
            raise ValueError("unsupported match model format")
        comparisons = tuple(
            ComparisonWeights(
                name=c["name"],
                levels=tuple(c["levels"]),
                m=tuple(c["m"]),
                u=tuple(c["u"]),
                tf_column=c["tf_column"],
                tf=tuple((v, f) for v, f in c["tf"]),
                tf_floor=c["tf_floor"],
            )
            for c in data["comparisons"]
        )
        return cls(
            comparisons=comparisons,
            prior_log2_odds=data["prior_log2_odds"],
            match_share_in_blocks=data["match_share_in_blocks"],
            iterations=data["iterations"],
            converged=data["converged"],
        )

    def check_against(self, comparisons: tuple[Comparison, ...]) -> None:
        """Raise ValueError unless the model was fitted for exactly these comparisons."""
        expected = tuple((c.name, c.levels) for c in comparisons)
        actual = tuple((c.name, c.levels) for c in self.comparisons)
        if expected != actual:
            raise ValueError("match model does not fit the configured comparisons")


def weight_table(model: MatchModel) -> np.ndarray:
    """``table[c, level + 1]``: log2(m/u) per comparison and level; column 0 is 'no evidence'."""
    width = max(len(c.levels) for c in model.comparisons) + 1
    table = np.zeros((len(model.comparisons), width), dtype=np.float64)
    for index, weights in enumerate(model.comparisons):
        table[index, 1 : len(weights.levels) + 1] = weights.weights()
    return table


def contributions(
    model: MatchModel, table: ProfileTable, levels: np.ndarray, i: np.ndarray
) -> np.ndarray:
    """Per-pair, per-comparison log2 Bayes factors, term-frequency adjusted where configured."""
    weights = weight_table(model)
    columns = np.arange(levels.shape[1])
    out = weights[columns, levels.astype(np.int64) + 1]
    for index, cw in enumerate(model.comparisons):
        if cw.tf_column and cw.tf:
            exact = levels[:, index] == len(cw.levels) - 1
            if exact.any():
                out[exact, index] += _tf_adjustment(cw, table, i[exact])
    return out


def _tf_adjustment(cw: ComparisonWeights, table: ProfileTable, rows: np.ndarray) -> np.ndarray:
    column = table.column(str(cw.tf_column))
    frequency = _frequencies(cw)
    # only the values these rows hold: explaining one pair must not cost a pass over the table
    codes, back = np.unique(column.codes[rows], return_inverse=True)
    values, floor = column.values, cw.tf_floor
    per_code = np.array(
        [frequency.get(values[c], floor) if c >= 0 else floor for c in codes.tolist()],
        dtype=np.float64,
    )
    u_exact = cw.u[-1]
    return np.log2(u_exact / np.maximum(per_code[back.reshape(-1)], 1e-9))


_FREQUENCIES: dict[int, tuple[ComparisonWeights, dict[str, float]]] = {}


def _frequencies(cw: ComparisonWeights) -> dict[str, float]:
    """``cw.tf`` as a dict, built once per fitted model rather than once per batch of pairs
    (a fitted model lists tens of thousands of values)."""
    held = _FREQUENCIES.get(id(cw))
    if held is not None and held[0] is cw:
        return held[1]
    if len(_FREQUENCIES) >= 64:
        _FREQUENCIES.clear()
    frequency = dict(cw.tf)
    _FREQUENCIES[id(cw)] = (cw, frequency)
    return frequency


def probability(weight: np.ndarray | float) -> np.ndarray:
    """Match probability from a match weight."""
    return 1.0 / (1.0 + np.power(2.0, -np.asarray(weight, dtype=np.float64)))


def log2_odds(p: float) -> float:
    return math.log2(p / (1.0 - p))
