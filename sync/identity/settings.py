"""Settings of identity resolution: rules, thresholds, comparisons and their overrides."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from sync.identity.normalize import EmailRules


class Rule(StrEnum):
    """Deterministic rules, tried in the configured order before probabilistic scoring."""

    SHARED_EXTERNAL_ID = "shared_external_id"
    CRM_ID = "crm_id"
    EMAIL = "email"
    PHONE_NAME = "phone_name"


class ExtraKind(StrEnum):
    """Comparator types for columns outside the canonical fields (e.g. FEBRL's soc_sec_id)."""

    NAME = "name"
    TEXT = "text"
    DATE = "date"
    ID = "id"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Match-probability thresholds of the three outcomes (merge, review, keep apart)."""

    merge_at: float = 0.98
    review_at: float = 0.6

    def __post_init__(self) -> None:
        if not 0.0 < self.review_at <= self.merge_at < 1.0:
            raise ValueError("thresholds need 0 < review_at <= merge_at < 1")

    @property
    def merge_weight(self) -> float:
        """``merge_at`` as a log2 posterior odds (the unit scores are added in)."""
        return math.log2(self.merge_at / (1.0 - self.merge_at))

    @property
    def review_weight(self) -> float:
        """``review_at`` as a log2 posterior odds."""
        return math.log2(self.review_at / (1.0 - self.review_at))


@dataclass(frozen=True, slots=True)
class LevelOverride:
    """Fixed m and u of one comparison's levels, replacing what estimation would find."""

    comparison: str
    m: tuple[float, ...] | None = None
    u: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class ClusterPolicy:
    """When a record (or group of records) may join a cluster: against most of it, not one link.

    A join needs at least ``min_match_share`` of the cross pairs at the merge threshold and at
    most ``max_apart_share`` of them kept apart with evidence against (fields that disagree);
    that stops chains of weak links.
    """

    min_match_share: float = 0.5
    max_apart_share: float = 0.25
    max_component: int = 64


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Everything identity resolution can be configured with; defaults suit CRM contact data."""

    email_rules: EmailRules = field(default_factory=EmailRules)
    default_region: str = "DE"
    default_country: str = "DE"
    rules: tuple[Rule, ...] = (Rule.SHARED_EXTERNAL_ID, Rule.CRM_ID, Rule.EMAIL, Rule.PHONE_NAME)
    thresholds: Thresholds = field(default_factory=Thresholds)
    cluster: ClusterPolicy = field(default_factory=ClusterPolicy)
    overrides: tuple[LevelOverride, ...] = ()
    disabled_comparisons: frozenset[str] = frozenset()
    must_agree: tuple[tuple[str, str], ...] = (("first_name", "phonetic"),)
    """(comparison, least level): below it an automatic merge becomes review at most, unless a
    personal identifier (birthday, an id column) agrees."""
    extras: tuple[tuple[str, ExtraKind], ...] = ()
    block_cap: int = 40
    """Keys shared by more records than this are too common to block on (e.g. 'Müller')."""
    random_pairs: int = 200_000
    em_iterations: int = 40
    em_sample_pairs: int = 2_000_000
    seed: int = 7

    def override_for(self, comparison: str) -> LevelOverride | None:
        """The configured m/u override of ``comparison``, if any."""
        return next((o for o in self.overrides if o.comparison == comparison), None)
