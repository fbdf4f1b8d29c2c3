"""Explaining links, including after a split: a stored comparison is shown while its partner is
still the customer's; otherwise, and for links made without one, a comparison is computed now."""

from __future__ import annotations

import json
from typing import Any

from sync.explain import LinkFacts, Source, explain_links, reason_json
from sync.identity.compare import comparisons_for
from sync.identity.decision import explanation_to_json
from sync.identity.priors import prior_model
from sync.identity.profile import Profile, SourceRef, build_profile
from sync.identity.scoring import decide_pair
from sync.identity.settings import MatchSettings

SETTINGS = MatchSettings()
MODEL = prior_model(comparisons_for(SETTINGS), 1000)


def person(system: str, external_id: str, **values: str) -> tuple[str, Profile]:
    role = "crm" if system == "crm" else "ma"
    profile = build_profile(SourceRef(system, role, external_id), values, SETTINGS)
    return f"{system}:people:{external_id}", profile


ANNA_CRM = person("crm", "1", first_name="Anna", last_name="Müller", email="anna@example.org")
ANNA_MA = person("news", "a", first_name="Anna", last_name="Mueller", email="anna@example.org")
ANNA_SHOP = person("shop", "s", first_name="Anna", last_name="Müller", phone="+49 30 1234567")
OTHER = person("news", "b", first_name="Jan", last_name="Becker", email="jan@example.org")


def stored_detail(left: tuple[str, Profile], right: tuple[str, Profile]) -> dict[str, Any]:
    decision = decide_pair(left[1], right[1], MODEL, SETTINGS)
    partner = right[1].ref
    return {
        "with": [partner.system, partner.record_id],
        "explanation": json.loads(explanation_to_json(decision.explanation)),
    }


def link(
    record: tuple[str, Profile], method: str, detail: dict[str, Any] | None = None
) -> LinkFacts:
    return LinkFacts(record[0], method, "automatic", None, detail)


def test_a_stored_comparison_is_shown_while_its_partner_belongs_to_the_customer() -> None:
    links = [link(ANNA_CRM, "new"), link(ANNA_MA, "email", stored_detail(ANNA_MA, ANNA_CRM))]
    profiles = dict([ANNA_CRM, ANNA_MA])

    reasons = {r.link.record_id: r for r in explain_links(links, profiles, MODEL, SETTINGS)}

    stored = reasons[ANNA_MA[0]]
    assert stored.source is Source.STORED
    assert stored.compared_with == ANNA_CRM[0]
    assert stored.explanation is not None
    assert stored.explanation.rule is not None
    assert stored.explanation.rule.value == "email"
    assert reasons[ANNA_CRM[0]].source is Source.COMPUTED_NOW


def test_a_comparison_with_a_record_split_away_is_computed_again_with_those_left() -> None:
    links = [link(ANNA_CRM, "new"), link(ANNA_SHOP, "score", stored_detail(ANNA_SHOP, OTHER))]
    profiles = dict([ANNA_CRM, ANNA_SHOP])

    reasons = {r.link.record_id: r for r in explain_links(links, profiles, MODEL, SETTINGS)}

    assert reasons[ANNA_SHOP[0]].source is Source.COMPUTED_NOW
    assert reasons[ANNA_SHOP[0]].compared_with == ANNA_CRM[0]


def test_a_pointer_link_is_compared_now_with_the_closest_other_record() -> None:
    links = [link(ANNA_CRM, "new"), link(ANNA_MA, "crm_id"), link(OTHER, "operator")]
    profiles = dict([ANNA_CRM, ANNA_MA, OTHER])

    reasons = {r.link.record_id: r for r in explain_links(links, profiles, MODEL, SETTINGS)}

    assert reasons[ANNA_MA[0]].source is Source.COMPUTED_NOW
    assert reasons[ANNA_MA[0]].compared_with == ANNA_CRM[0]


def test_the_only_record_and_a_record_without_profile_have_no_comparison() -> None:
    alone = explain_links([link(ANNA_CRM, "new")], dict([ANNA_CRM]), MODEL, SETTINGS)
    organisation = explain_links(
        [LinkFacts("crm:companies:9", "domain", "automatic", None, None), link(ANNA_CRM, "new")],
        dict([ANNA_CRM]),
        MODEL,
        SETTINGS,
    )

    assert [r.source for r in alone] == [Source.NONE]
    assert [r.source for r in organisation] == [Source.NONE, Source.NONE]


def test_the_json_form_lists_each_field_with_level_and_weight() -> None:
    links = [link(ANNA_CRM, "new"), link(ANNA_MA, "email", stored_detail(ANNA_MA, ANNA_CRM))]
    reasons = explain_links(links, dict([ANNA_CRM, ANNA_MA]), MODEL, SETTINGS)

    shown = {r["record"]: r for r in map(reason_json, reasons)}[ANNA_MA[0]]

    levels = {f["field"]: f["level"] for f in shown["fields"]}
    assert shown["explained"] == "stored"
    assert shown["method"] == "email"
    assert levels["email"] == "exact"
    assert all(isinstance(f["weight"], float) for f in shown["fields"])
    assert 0.5 < shown["match_probability"] <= 1.0
