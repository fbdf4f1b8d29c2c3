"""Tests of text folding: transliteration, case, punctuation, and its properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.identity.normalize.text import fold, fold_loose, tokens

FOLDED = re.compile(r"^([a-z0-9]+( [a-z0-9]+)*)?$")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Müller", "mueller"),
        ("MÜLLER", "mueller"),
        ("Mueller", "mueller"),
        ("Straße", "strasse"),
        ("STRAẞE", "strasse"),
        ("Jürgen Köhler-Weiß", "juergen koehler weiss"),
        ("Ähre", "aehre"),
        ("İSTANBUL", "istanbul"),
        ("İbrahim", "ibrahim"),
        ("Işık Yılmaz", "isik yilmaz"),
        ("ÇAĞRI ŞAHİN", "cagri sahin"),
        ("Gülşen Öztürk", "guelsen oeztuerk"),
        ("José Ñúñez", "jose nunez"),
        ("Łukasz Wałęsa", "lukasz walesa"),
        ("Søren Kierkegaard", "soren kierkegaard"),
        ("Æble Œuvre", "aeble oeuvre"),
        ("François Lefèvre", "francois lefevre"),
        ("O'Brien", "obrien"),
        ("D’Angelo", "dangelo"),
        ("İstanbul'da", "istanbulda"),
        ("Hans-Peter", "hans peter"),
        ("  Dr.  med.\tAnna  ", "dr med anna"),
        ("Müller & Söhne", "mueller soehne"),
        ("ｆｕｌｌｗｉｄｔｈ １２", "fullwidth 12"),
        ("Mu\u0308ller", "mueller"),
        ("Сергей Smith", "smith"),
        ("", ""),
        (None, ""),
        ("!!!", ""),
    ],
)
def test_fold(raw: str | None, expected: str) -> None:
    actual = fold(raw)

    assert actual == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Müller", "muller"),
        ("Mueller", "muller"),
        ("Muller", "muller"),
        ("Öztürk", "ozturk"),
        ("Oeztuerk", "ozturk"),
        ("Ozturk", "ozturk"),
        ("Gärtner", "gartner"),
        ("Straße", "strasse"),
        ("Şükrü Çelik", "sukru celik"),
        (None, ""),
    ],
)
def test_fold_loose(raw: str | None, expected: str) -> None:
    actual = fold_loose(raw)

    assert actual == expected


def test_tokens_are_the_folded_words_in_order() -> None:
    actual = tokens("Dr. Hans-Peter MÜLLER")

    assert actual == ("dr", "hans", "peter", "mueller")


def test_tokens_of_none_is_empty() -> None:
    actual = tokens(None)

    assert actual == ()


@given(st.text())
def test_fold_output_is_lowercase_ascii_words(text: str) -> None:
    actual = fold(text)

    assert FOLDED.match(actual)


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text)

    assert fold(once) == once


@given(st.text())
def test_fold_loose_output_is_lowercase_ascii_and_idempotent(text: str) -> None:
    once = fold_loose(text)

    assert FOLDED.match(once)
    assert fold_loose(once) == once


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßçğışé -'"))
def test_fold_ignores_case(text: str) -> None:
    actual = fold(text.upper())

    assert actual == fold(text)


@given(st.text())
def test_fold_loose_of_fold_equals_fold_loose(text: str) -> None:
    actual = fold_loose(fold(text))

    assert actual == fold_loose(text)


@given(st.text())
def test_tokens_split_fold(text: str) -> None:
    actual = tokens(text)

    assert actual == tuple(fold(text).split())
