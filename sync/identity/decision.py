"""Pair decisions: deterministic rules, then thresholds on the match weight, then vetoes.

Outcomes: merge automatically, send to review, keep apart — and ``crm_duplicate`` for two
records of the same CRM that would otherwise merge, which are flagged for the CRM's owners
instead (the CRM is the leader; we never merge its records behind its back).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from sync.identity.compare import NAME_LEVELS, Comparison
from sync.identity.profile import SourceRef
from sync.identity.settings import ExtraKind, MatchSettings, Rule
from sync.identity.table import ProfileTable

NO_RULE = -1
EMAIL_EXACT = 3
PHONE_EXACT = 2
CLOSE_NAME = NAME_LEVELS.index("close")
PHONETIC_NAME = NAME_LEVELS.index("phonetic")


class Outcome(StrEnum):
    MERGE = "merge"
    REVIEW = "review"
    APART = "apart"
    CRM_DUPLICATE = "crm_duplicate"


OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
MERGE, REVIEW, APART, CRM_DUPLICATE = range(4)


class Veto(StrEnum):
    """Why a pair that would merge may not merge automatically."""

    NONE = "none"
    SAME_CRM = "same_crm"
    ID_CONFLICT = "id_conflict"
    KEPT_APART = "kept_apart"
    DISAGREEMENT = "disagreement"
    """Both records state a field that must agree for one person (first name, birthday) and
    the values clearly differ: household members sharing a mailbox, namesakes."""
    WEAK_CLUSTER = "weak_cluster"
    """The pair would merge, but its records' clusters do not agree enough to join."""


VETOES: tuple[Veto, ...] = tuple(Veto)


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """One comparison's part in a decision: its level and the log2 weight it added."""

    comparison: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why two records were (or were not) put together — kept with every link and review item."""

    outcome: Outcome
    rule: Rule | None
    match_weight: float
    match_probability: float
    veto: Veto
    fields: tuple[FieldEvidence, ...]


def explanation_to_json(explanation: Explanation) -> str:
    """A JSON text of the explanation, for storing with a link or review item."""
    return json.dumps(dataclasses.asdict(explanation), ensure_ascii=False, sort_keys=True)


def explanation_from_json(text: str) -> Explanation:
    """The explanation stored by :func:`explanation_to_json`; raises ValueError if malformed."""
    try:
        data = json.loads(text)
        return Explanation(
            outcome=Outcome(data["outcome"]),
            rule=None if data["rule"] is None else Rule(data["rule"]),
            match_weight=float(data["match_weight"]),
            match_probability=float(data["match_probability"]),
            veto=Veto(data["veto"]),
            fields=tuple(FieldEvidence(**f) for f in data["fields"]),
        )
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise ValueError("malformed explanation") from error


@dataclass(frozen=True, slots=True)
class PairDecision:
    left: SourceRef
    right: SourceRef
    explanation: Explanation

    @property
    def outcome(self) -> Outcome:
        return self.explanation.outcome


def level_index(comparisons: tuple[Comparison, ...], name: str) -> int | None:
    names = [c.name for c in comparisons]
    return names.index(name) if name in names else None


def rule_hits(
    rule: Rule,
    levels: np.ndarray,
    comparisons: tuple[Comparison, ...],
    identity: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Pairs the rule declares the same. ``identity`` flags shared CRM ids / external ids."""
    crm_id, shared_id = identity
    if rule is Rule.CRM_ID:
        return crm_id
    if rule is Rule.SHARED_EXTERNAL_ID:
        return shared_id
    first = _levels_of(levels, comparisons, "first_name")
    if rule is Rule.EMAIL:
        # A shared family mailbox is not one person: the first names must not disagree.
        return (_levels_of(levels, comparisons, "email") == EMAIL_EXACT) & (first != 0)
    last = _levels_of(levels, comparisons, "last_name")
    phone = _levels_of(levels, comparisons, "phone")
    return (phone == PHONE_EXACT) & (last >= CLOSE_NAME) & ((first >= PHONETIC_NAME) | (first < 0))


def _levels_of(levels: np.ndarray, comparisons: tuple[Comparison, ...], name: str) -> np.ndarray:
    index = level_index(comparisons, name)
    if index is None:
        return np.full(len(levels), -2, dtype=np.int8)
    return levels[:, index]


def first_rules(
    levels: np.ndarray,
    comparisons: tuple[Comparison, ...],
    identity: tuple[np.ndarray, np.ndarray],
    settings: MatchSettings,
) -> np.ndarray:
    """Index into ``settings.rules`` of the first rule each pair meets, else ``NO_RULE``."""
    found = np.full(len(levels), NO_RULE, dtype=np.int8)
    for index, rule in reversed(list(enumerate(settings.rules))):
        found[rule_hits(rule, levels, comparisons, identity)] = index
    return found


def vetoes(
    table: ProfileTable,
    i: np.ndarray,
    j: np.ndarray,
    disagreement: np.ndarray,
    kept_apart: Collection[frozenset[str]] = (),
) -> np.ndarray:
    """Index into ``VETOES`` per pair: same-CRM records, conflicting ids, operator splits,
    and (where no rule matched) clear disagreement on a must-agree field."""
    out = np.zeros(len(i), dtype=np.int8)
    for claims in table.claims.values():
        a, b = claims.codes[i], claims.codes[j]
        out[(a >= 0) & (b >= 0) & (a != b)] = VETOES.index(Veto.ID_CONFLICT)
    out[disagreement] = VETOES.index(Veto.DISAGREEMENT)
    systems, crm = table.system_codes, table.crm_rows
    same_crm = crm[i] & crm[j] & (systems[i] == systems[j])
    # Two CRM records that disagree on a must-agree field are a household, not a duplicate.
    out[same_crm & (out != VETOES.index(Veto.DISAGREEMENT))] = VETOES.index(Veto.SAME_CRM)
    if kept_apart:
        out[np.isin(_codes(i, j, len(table)), _split_codes(table, kept_apart))] = VETOES.index(
            Veto.KEPT_APART
        )
    return out


def _codes(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(i, j).astype(np.int64) * n + np.maximum(i, j)


def _split_codes(table: ProfileTable, kept_apart: Collection[frozenset[str]]) -> np.ndarray:
    row_of = {ref.key: row for row, ref in enumerate(table.refs)}
    rows = [
        sorted(row_of[k] for k in pair) for pair in kept_apart if all(k in row_of for k in pair)
    ]
    n = len(table)
    return np.asarray([a * n + b for a, b in rows if a != b], dtype=np.int64)


def disagreements(
    levels: np.ndarray,
    comparisons: tuple[Comparison, ...],
    rules: np.ndarray,
    settings: MatchSettings,
) -> np.ndarray:
    """Pairs without a rule match whose must-agree fields (both present) sit below the required
    level, unless a personal identifier (birthday, an id column) agrees: that outweighs a
    changed first name. Household members share address, phone and surname, not first names.
    """
    found = np.zeros(len(levels), dtype=bool)
    for name, label in settings.must_agree:
        index = level_index(comparisons, name)
        if index is not None:
            least = comparisons[index].levels.index(label)
            found |= (levels[:, index] >= 0) & (levels[:, index] < least)
    for name in personal_identifiers(settings):
        index = level_index(comparisons, name)
        if index is not None:
            found &= levels[:, index] < comparisons[index].exact_level - 1
    return found & (rules == NO_RULE)


def personal_identifiers(settings: MatchSettings) -> tuple[str, ...]:
    """Comparisons that tell two people apart even within one household."""
    extras = (n for n, kind in settings.extras if kind in (ExtraKind.ID, ExtraKind.DATE))
    return ("birthday", *extras)


def outcomes(
    weights: np.ndarray, rules: np.ndarray, veto: np.ndarray, settings: MatchSettings
) -> np.ndarray:
    """Index into ``OUTCOMES`` per pair."""
    out = np.full(len(weights), APART, dtype=np.int8)
    out[weights >= settings.thresholds.review_weight] = REVIEW
    out[(weights >= settings.thresholds.merge_weight) | (rules != NO_RULE)] = MERGE
    would_merge = out == MERGE
    review_instead = (veto == VETOES.index(Veto.ID_CONFLICT)) | (
        veto == VETOES.index(Veto.DISAGREEMENT)
    )
    out[would_merge & review_instead] = REVIEW
    out[would_merge & (veto == VETOES.index(Veto.SAME_CRM))] = CRM_DUPLICATE
    out[veto == VETOES.index(Veto.KEPT_APART)] = APART
    return out
