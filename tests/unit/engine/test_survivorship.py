"""Survivorship: owner, then leader, then most recent; newer losing values are conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync.merge import Rules, SourceValues, merge

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def source(system: str, fields: dict, hours: int, *, deleted: bool = False) -> SourceValues:
    at = T0 + timedelta(hours=hours)
    return SourceValues(f"{system}:s:1", system, "1", fields, {}, at, deleted)


RULES = Rules(
    leader="crm", leader_fields=frozenset({"first_name", "phone"}), owners={"lead_score": "ma"}
)


def test_leader_wins_its_fields_even_when_older() -> None:
    crm = source("crm", {"first_name": "Anna"}, 1)
    ma = source("ma", {"first_name": "Anne"}, 5)

    merged = merge([crm, ma], RULES, fresh={("ma:s:1", "first_name")})

    assert merged.fields["first_name"] == "Anna"
    assert merged.provenance["first_name"]["rule"] == "leader"
    assert [(c.field, c.loser_system) for c in merged.conflicts] == [("first_name", "ma")]


def test_standing_disagreement_is_not_reported_again() -> None:
    crm = source("crm", {"first_name": "Anna"}, 1)
    ma = source("ma", {"first_name": "Anne"}, 5)

    merged = merge([crm, ma], RULES, fresh=set())

    assert merged.conflicts == ()


def test_owner_beats_leader() -> None:
    crm = source("crm", {"lead_score": 10}, 9)
    ma = source("ma", {"lead_score": 55}, 1)

    merged = merge([crm, ma], RULES)

    assert merged.fields["lead_score"] == 55


def test_most_recent_wins_where_no_rule_applies() -> None:
    crm = source("crm", {"city": "Köln"}, 1)
    ma = source("ma", {"city": "Bonn"}, 2)

    merged = merge([crm, ma], RULES)

    assert merged.fields["city"] == "Bonn"
    assert merged.provenance["city"]["system"] == "ma"


def test_leader_without_a_value_lets_others_fill_in() -> None:
    crm = source("crm", {"first_name": "Anna"}, 1)
    ma = source("ma", {"phone": "+4930123"}, 2)

    merged = merge([crm, ma], RULES)

    assert merged.fields["phone"] == "+4930123"


def test_deleted_sources_contribute_nothing_and_crm_id_comes_from_the_link() -> None:
    crm = source("crm", {"first_name": "Anna", "crm_id": "spoofed"}, 1)
    gone = source("ma", {"city": "Bonn"}, 2, deleted=True)

    merged = merge([crm, gone], RULES)

    assert merged.fields == {"first_name": "Anna", "crm_id": "1"}
