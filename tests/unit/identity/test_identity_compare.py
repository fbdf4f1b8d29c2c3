"""Field comparisons: graded levels for names, e-mails, phones, dates and addresses."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.identity.compare import compare_pairs, comparisons_for
from sync.identity.profile import SourceRef, build_profile
from sync.identity.settings import MatchSettings
from sync.identity.table import table_of

SETTINGS = MatchSettings()
COMPARISONS = comparisons_for(SETTINGS)
NAMES = [c.name for c in COMPARISONS]


def levels_of(left: dict[str, str], right: dict[str, str]) -> dict[str, str]:
    """Level labels of one pair, by comparison name ('' where a side lacks the value)."""
    profiles = [
        build_profile(SourceRef("s", "ma", str(n)), values, SETTINGS)
        for n, values in enumerate((left, right))
    ]
    table = table_of(profiles)
    levels = compare_pairs(table, np.array([0]), np.array([1]), COMPARISONS)[0]
    return {
        c.name: ("" if lv < 0 else c.levels[lv])
        for c, lv in zip(COMPARISONS, levels.tolist(), strict=True)
    }


def test_identical_names_are_exact() -> None:
    actual = levels_of(
        {"first_name": "Jürgen", "last_name": "Müller"},
        {"first_name": "JÜRGEN", "last_name": "Mueller"},
    )
    assert (actual["first_name"], actual["last_name"]) == ("exact", "exact")


def test_turkish_letters_fold_to_the_same_name() -> None:
    actual = levels_of(
        {"first_name": "Ayşe", "last_name": "Yılmaz"}, {"first_name": "Ayse", "last_name": "Yilmaz"}
    )
    assert (actual["first_name"], actual["last_name"]) == ("exact", "exact")


def test_a_typo_in_a_surname_is_close() -> None:
    actual = levels_of(
        {"first_name": "Jan", "last_name": "Schneider"},
        {"first_name": "Jan", "last_name": "Schnieder"},
    )
    assert actual["last_name"] == "close"


def test_spelling_variants_agree_phonetically() -> None:
    actual = levels_of(
        {"first_name": "Jan", "last_name": "Meier"}, {"first_name": "Jan", "last_name": "Mayr"}
    )
    assert actual["last_name"] in ("phonetic", "close")


def test_swapped_first_and_last_name_count_as_close() -> None:
    actual = levels_of(
        {"first_name": "Mehmet", "last_name": "Demir"},
        {"first_name": "Demir", "last_name": "Mehmet"},
    )
    assert (actual["first_name"], actual["last_name"]) == ("close", "close")


def test_double_surname_contains_the_maiden_name() -> None:
    actual = levels_of(
        {"first_name": "Ayşe", "last_name": "Yilmaz-Schmidt"},
        {"first_name": "Ayşe", "last_name": "Schmidt"},
    )
    assert actual["last_name"] == "close"


def test_different_names_are_different() -> None:
    actual = levels_of(
        {"first_name": "Anna", "last_name": "Wolf"}, {"first_name": "Kemal", "last_name": "Wolf"}
    )
    assert actual["first_name"] == "different"


def test_missing_value_is_no_evidence() -> None:
    actual = levels_of({"email": "a@example.org"}, {})
    assert actual["email"] == ""


def test_same_mailbox_at_another_provider_agrees_on_local_part() -> None:
    actual = levels_of({"email": "ayse.yilmaz@gmail.com"}, {"email": "Ayse.Yilmaz@web.de"})
    assert actual["email"] == "local_part"


def test_phone_formats_agree_exactly() -> None:
    actual = levels_of({"phone": "0171 2345678"}, {"phone": "+49 171 2345678"})
    assert actual["phone"] == "exact"


def test_day_and_month_transposed_is_one_edit_or_swap() -> None:
    actual = levels_of({"birthday": "1980-03-07"}, {"birthday": "07/03/1980"})
    assert actual["birthday"] == "exact"
    actual = levels_of({"birthday": "1980-03-07"}, {"birthday": "1980-07-03"})
    assert actual["birthday"] == "one_edit_or_swap"


def test_street_abbreviation_with_same_number_is_exact() -> None:
    actual = levels_of(
        {"street": "Hauptstraße 12", "postcode": "10115", "city": "Berlin"},
        {"street": "Hauptstr. 12", "postcode": "10115", "city": "berlin"},
    )
    assert (actual["street"], actual["postcode"], actual["city"]) == ("exact", "exact", "exact")


def test_company_legal_form_is_ignored() -> None:
    actual = levels_of({"company": "Müller Bau GmbH"}, {"company": "Mueller Bau"})
    assert actual["company"] == "exact"


WORDS = st.sampled_from(
    ["Anna", "Anne", "Ayşe", "Müller", "Mueller", "Meier", "Mayer", "Öztürk", "Smith", "Smyth", ""]
)


@settings(max_examples=60, deadline=None)
@given(WORDS, WORDS, WORDS, WORDS)
def test_comparisons_are_symmetric(first_a: str, last_a: str, first_b: str, last_b: str) -> None:
    left = {"first_name": first_a, "last_name": last_a}
    right = {"first_name": first_b, "last_name": last_b}
    assert levels_of(left, right) == levels_of(right, left)
