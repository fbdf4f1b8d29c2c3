"""Tests of person-name normalisation: titles, particles, full names and swapped fields."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sync.identity.normalize.names import (
    PersonName,
    is_swapped,
    name_tokens,
    normalize_person_name,
)

FOLDED = re.compile(r"^([a-z0-9]+( [a-z0-9]+)*)?$")


def name(first: str, last: str, particles: str = "", title: str = "") -> PersonName:
    return PersonName(first=first, last=last, particles=particles, title=title)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Hans-Peter", "Müller", name("hans peter", "mueller")),
        ("Dr. Hans-Peter", "von Müller", name("hans peter", "mueller", "von", "dr")),
        ("Prof. Dr. med. Anna", "Schmidt", name("anna", "schmidt", "", "prof dr med")),
        ("Herr Dipl.-Ing. Klaus", "Meier", name("klaus", "meier", "", "herr dipl ing")),
        ("Frau Mag. Eva", "Gruber", name("eva", "gruber", "", "frau mag")),
        ("Dr. phil. Anna", "Weber", name("anna", "weber", "", "dr phil")),
        ("Dr. Phil", "Collins", name("phil", "collins", "", "dr")),
        ("Phil", "Collins", name("phil", "collins")),
        ("Karl-Theodor", "zu Guttenberg", name("karl theodor", "guttenberg", "zu")),
        ("Hans von und zu", "Guttenberg", name("hans", "guttenberg", "von und zu")),
        ("Vincent", "van der Berg", name("vincent", "berg", "van der")),
        ("Ludwig van", "Beethoven", name("ludwig", "beethoven", "van")),
        ("Ahmet Bey", "Yılmaz", name("ahmet", "yilmaz", "", "bey")),
        ("Ayşe Hanım", "Öztürk", name("ayse", "oeztuerk", "", "hanim")),
        ("Sayın Mehmet", "Çelik", name("mehmet", "celik", "", "sayin")),
        ("Op. Dr. İsmail", "Şahin", name("ismail", "sahin", "", "op dr")),
        ("Mehmet", "El Kadi", name("mehmet", "kadi", "el")),
        ("Mrs. Mary Ann", "O'Neill", name("mary ann", "oneill", "", "mrs")),
        ("Mr John", "Smith Jr.", name("john", "smith", "", "mr jr")),
        ("Ben", "Miller", name("ben", "miller")),
        ("Trude", "Herr", name("trude", "herr")),
        ("Hans", "Müller-Lüdenscheidt", name("hans", "mueller luedenscheidt")),
        ("Omar", "Al-Hassan", name("omar", "al hassan")),
    ],
)
def test_normalize_person_name_with_both_fields(
    first: str, last: str, expected: PersonName
) -> None:
    actual = normalize_person_name(first, last)

    assert actual == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (None, "Müller, Hans", name("hans", "mueller")),
        ("Müller, Dr. Hans", "", name("hans", "mueller", "", "dr")),
        ("Hans Peter Müller", None, name("hans peter", "mueller")),
        ("", "Ludwig van Beethoven", name("ludwig", "beethoven", "van")),
        (None, "Karl-Theodor von und zu Guttenberg",
         name("karl theodor", "guttenberg", "von und zu")),
        ("van Gogh", None, name("", "gogh", "van")),
        ("Al Pacino", "", name("al", "pacino")),
        ("Herr Dr. Klaus Meier", "", name("klaus", "meier", "", "herr dr")),
        ("Ahmet Bey", "", name("ahmet", "", "", "bey")),
        ("Müller", None, name("mueller", "")),
        (None, "Müller-Lüdenscheidt", name("", "mueller luedenscheidt")),
        ("Hans-Peter", None, name("hans peter", "")),
        ("Dipl.-Ing. Hans-Peter Müller-Lüdenscheidt", None,
         name("hans peter", "mueller luedenscheidt", "", "dipl ing")),
        (None, "Müller", name("", "mueller")),
        ("Hans", "  ", name("hans", "")),
        (None, None, name("", "")),
        ("", "", name("", "")),
    ],
)  # fmt: skip
def test_normalize_person_name_splits_a_full_name_in_one_field(
    first: str | None, last: str | None, expected: PersonName
) -> None:
    actual = normalize_person_name(first, last)

    assert actual == expected


def test_umlaut_spellings_normalise_alike() -> None:
    actual = {normalize_person_name("Jürgen", last) for last in ("Müller", "Mueller", "MÜLLER")}

    assert actual == {name("juergen", "mueller")}


def test_name_tokens_ignore_field_order() -> None:
    a = normalize_person_name("Hans Peter", "Müller")
    b = normalize_person_name("Müller", "Hans-Peter")

    actual = (name_tokens(a), name_tokens(b))

    assert actual == (("hans", "mueller", "peter"), ("hans", "mueller", "peter"))


def test_name_tokens_leave_out_particles_and_titles() -> None:
    actual = name_tokens(normalize_person_name("Dr. Ludwig", "van Beethoven"))

    assert actual == ("beethoven", "ludwig")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (name("hans", "mueller"), name("mueller", "hans"), True),
        (name("ayse", "yilmaz"), name("yilmaz", "ayse"), True),
        (name("hans", "mueller"), name("hans", "mueller"), False),
        (name("hans", "hans"), name("hans", "hans"), False),
        (name("", "mueller"), name("mueller", ""), False),
        (name("hans", "mueller"), name("mueller", "peter"), False),
    ],
)
def test_is_swapped(a: PersonName, b: PersonName, expected: bool) -> None:
    actual = is_swapped(a, b)

    assert actual == expected


name_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßçğışİ .,-'", max_size=30)


@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_normalized_name_fields_are_folded(first: str | None, last: str | None) -> None:
    actual = normalize_person_name(first, last)

    assert all(FOLDED.match(part) for part in (actual.first, actual.last, actual.particles))
    assert FOLDED.match(actual.title)


def renormalized(name: PersonName) -> PersonName:
    """Normalise the fields of a normalised name again, each name kept as one unit."""
    last = f"{name.particles} {name.last.replace(' ', '-')}"
    return normalize_person_name(name.first.replace(" ", "-"), last)


@given(name_text, name_text)
def test_normalizing_a_normalized_name_keeps_it(first: str, last: str) -> None:
    once = normalize_person_name(first, last)
    assume(once.first and once.last)

    again = renormalized(once)

    assert again == PersonName(once.first, once.last, once.particles, title="")


@given(name_text)
def test_normalizing_a_normalized_full_name_keeps_it(full_name: str) -> None:
    once = normalize_person_name(None, full_name)

    again = renormalized(once)

    assert again == PersonName(once.first, once.last, once.particles, title="")


@given(name_text, name_text)
def test_normalize_person_name_ignores_case(first: str, last: str) -> None:
    actual = normalize_person_name(first.upper(), last.upper())

    assert actual == normalize_person_name(first, last)


@given(st.sampled_from(["Hans", "Ayşe", "Mehmet", "Jürgen", "Emily"]), st.sampled_from(
    ["Müller", "Yılmaz", "Öztürk", "Smith", "Schneider"]
))  # fmt: skip
def test_swapped_fields_are_recognised(first: str, last: str) -> None:
    a = normalize_person_name(first, last)
    b = normalize_person_name(last, first)

    actual = (is_swapped(a, b), name_tokens(a) == name_tokens(b))

    assert actual == (True, True)
