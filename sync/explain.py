"""Why a customer's records belong together: each link's method, probability and per-field
comparison, as stored when the link was made or, where none was stored, computed now.

A link made by a pointer (a previous id, a CRM id another system keeps), by an operator, by
our own push, or as the first record of a new customer carries no comparison; so does one
whose stored comparison was made with a record that has since left the customer (a split).
For those, the record's stored match profile is compared now with each other record of the
customer (:func:`sync.identity.scoring.decide_pair`) and the closest comparison is shown,
marked as computed now.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sync.identity.decision import Explanation, explanation_from_json
from sync.identity.model import MatchModel
from sync.identity.profile import Profile
from sync.identity.scoring import decide_pair
from sync.identity.settings import MatchSettings


class Source(StrEnum):
    STORED = "stored"
    COMPUTED_NOW = "computed_now"
    NONE = "none"
    """No comparison possible: the only record, or one without a match profile."""


@dataclass(frozen=True, slots=True)
class LinkFacts:
    """A link as the store keeps it."""

    record_id: str
    method: str
    status: str
    score: float | None
    detail: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class LinkReason:
    """Why one record is linked: the comparison behind it and where that comes from."""

    link: LinkFacts
    source: Source
    compared_with: str | None
    explanation: Explanation | None


def explain_links(
    links: Sequence[LinkFacts],
    profiles: Mapping[str, Profile],
    model: MatchModel,
    settings: MatchSettings,
) -> list[LinkReason]:
    """The reason of every link of one customer; ``profiles`` are its records' match profiles
    by source record id. In record id order."""
    by_ref = {(p.ref.system, p.ref.record_id): rid for rid, p in profiles.items()}
    return [
        _stored(link, by_ref) or _computed(link, profiles, model, settings)
        for link in sorted(links, key=lambda link: link.record_id)
    ]


def reason_json(reason: LinkReason) -> dict[str, Any]:
    """A JSON-ready form of one link's reason."""
    link, explanation = reason.link, reason.explanation
    return {
        "record": link.record_id,
        "method": link.method,
        "status": link.status,
        "score": link.score,
        "split_from": (link.detail or {}).get("split_from"),
        "explained": reason.source.value,
        "compared_with": reason.compared_with,
        "outcome": explanation.outcome.value if explanation else None,
        "rule": explanation.rule.value if explanation and explanation.rule else None,
        "match_probability": explanation.match_probability if explanation else None,
        "match_weight": explanation.match_weight if explanation else None,
        "veto": explanation.veto.value if explanation else None,
        "fields": [
            {"field": f.comparison, "level": f.level, "weight": f.weight}
            for f in (explanation.fields if explanation else ())
        ],
    }


def _stored(link: LinkFacts, by_ref: Mapping[tuple[str, str], str]) -> LinkReason | None:
    detail = link.detail or {}
    raw = detail.get("explanation")
    if not raw:
        return None
    partner = detail.get("with")
    partner_id = by_ref.get((partner[0], partner[1])) if partner else None
    if partner and partner_id is None:
        return None  # compared with a record that is no longer this customer's
    explanation = explanation_from_json(json.dumps(raw))
    return LinkReason(link, Source.STORED, partner_id, explanation)


def _computed(
    link: LinkFacts, profiles: Mapping[str, Profile], model: MatchModel, settings: MatchSettings
) -> LinkReason:
    mine = profiles.get(link.record_id)
    others = sorted(rid for rid in profiles if rid != link.record_id)
    if mine is None or not others:
        return LinkReason(link, Source.NONE, None, None)
    decisions = [(rid, decide_pair(mine, profiles[rid], model, settings)) for rid in others]
    best, decision = max(decisions, key=lambda d: d[1].explanation.match_weight)
    return LinkReason(link, Source.COMPUTED_NOW, best, decision.explanation)
