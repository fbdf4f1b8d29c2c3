"""Tests of address normalisation: streets, house numbers, postcodes, cities and countries."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.identity.normalize.address import Address, normalize_address, normalize_postcode
from sync.identity.normalize.country import normalize_country


@pytest.mark.parametrize(
    ("street", "postcode", "city", "country", "expected"),
    [
        ("Hauptstr. 12 a", "10115", "Berlin", "Deutschland",
         Address("hauptstrasse", "12a", "10115", "berlin", "DE")),
        ("Hauptstraße 12A", "10115", "BERLIN", "Germany",
         Address("hauptstrasse", "12a", "10115", "berlin", "DE")),
        ("Haupt-Strasse 12 - 14", "01067", "Dresden", "DE",
         Address("haupt strasse", "12-14", "01067", "dresden", "DE")),
        ("Musterstraße 7/1", "1067", "Dresden", None,
         Address("musterstrasse", "7/1", "01067", "dresden", "DE")),
        ("Hauptstr. 12, 3. OG", "D-80331", "München", "D",
         Address("hauptstrasse", "12", "80331", "muenchen", "DE")),
        ("Straße des 17. Juni 135", "10623", "Berlin", "BRD",
         Address("strasse des 17 juni", "135", "10623", "berlin", "DE")),
        ("Marktpl. 1", "A-8010", "Graz", "Österreich",
         Address("marktplatz", "1", "8010", "graz", "AT")),
        ("Bahnhofstrasse 1", "CH-8001", "Zürich", "Schweiz",
         Address("bahnhofstrasse", "1", "8001", "zuerich", "CH")),
        ("Atatürk Cad. No: 15 D: 4", "34000", "İstanbul", "Türkiye",
         Address("atatuerk caddesi", "15/4", "34000", "istanbul", "TR")),
        ("Bağdat Caddesi No:123/5", "34728", "Kadıköy", "TR",
         Address("bagdat caddesi", "123/5", "34728", "kadikoey", "TR")),
        ("Cumhuriyet Mah. 1203 Sok. No:5", "35000", "İzmir", "Turkey",
         Address("cumhuriyet mahallesi 1203 sokak", "5", "35000", "izmir", "TR")),
        ("Çiçek Sk. No 7", "6100", "Ankara", "Türkei",
         Address("cicek sokak", "7", "06100", "ankara", "TR")),
        ("10 Downing St", "sw1a2aa", "London", "United Kingdom",
         Address("downing street", "10", "SW1A 2AA", "london", "GB")),
        ("221B Baker Street", "NW1 6XE", "London", "England",
         Address("baker street", "221b", "NW1 6XE", "london", "GB")),
        ("Flat 3, 12 High Rd", "ec1a  1bb", "London", "UK",
         Address("high road", "12", "EC1A 1BB", "london", "GB")),
        ("5 Park Ave", "10022", "New York", "USA",
         Address("park avenue", "5", "10022", "new york", "US")),
    ],
)  # fmt: skip
def test_normalize_address(
    street: str, postcode: str, city: str, country: str | None, expected: Address
) -> None:
    actual = normalize_address(street, postcode, city, country)

    assert actual == expected


def test_st_is_street_only_in_english_speaking_countries() -> None:
    actual = (
        normalize_address("High St 1", None, None, "GB").street,
        normalize_address("St.-Georg-Str. 1", None, None, "DE").street,
    )

    assert actual == ("high street", "st georg strasse")


def test_postcode_in_the_city_field_is_split_off() -> None:
    actual = normalize_address("Hauptstr. 1", None, "D-10115 Berlin", None)

    assert actual == Address("hauptstrasse", "1", "10115", "berlin", "DE")


def test_default_country_applies_when_country_is_empty() -> None:
    actual = normalize_address("Bağdat Cd. 5", "6100", "Ankara", "  ", default_country="TR")

    assert actual == Address("bagdat caddesi", "5", "06100", "ankara", "TR")


def test_unknown_country_stays_unknown() -> None:
    actual = normalize_address("Unter den Linden", None, "Berlin", "Atlantis")

    assert actual == Address("unter den linden", "", "", "berlin", "")


def test_empty_address() -> None:
    actual = normalize_address(None, None, None, None)

    assert actual == Address("", "", "", "", "DE")


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("10115", "DE", "10115"),
        ("1067", "DE", "01067"),
        ("D-10115", "DE", "10115"),
        ("DE 10115", "DE", "10115"),
        ("1010", "AT", "1010"),
        ("CH-8001", "CH", "8001"),
        ("6100", "TR", "06100"),
        ("34 000", "TR", "34000"),
        ("sw1a1aa", "GB", "SW1A 1AA"),
        ("SW1A  1AA", "GB", "SW1A 1AA"),
        ("m1 1ae", "GB", "M1 1AE"),
        ("1234ab", "NL", "1234 AB"),
        ("10022-1234", "US", "10022-1234"),
        ("", "DE", ""),
        (None, "GB", ""),
    ],
)
def test_normalize_postcode(raw: str | None, country: str, expected: str) -> None:
    actual = normalize_postcode(raw, country)

    assert actual == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("Almanya", "DE"),
        ("Österreich", "AT"),
        ("Oesterreich", "AT"),
        ("Osterreich", "AT"),
        ("Schweiz", "CH"),
        ("Türkiye", "TR"),
        ("Turkiye", "TR"),
        ("Turkey", "TR"),
        ("Türkei", "TR"),
        ("TR", "TR"),
        ("United Kingdom", "GB"),
        ("Vereinigtes Königreich", "GB"),
        ("UK", "GB"),
        ("GB", "GB"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("İngiltere", "GB"),
        ("United States", "US"),
        ("USA", "US"),
        ("Frankreich", "FR"),
        ("Niederlande", "NL"),
        ("Holland", "NL"),
        ("AE", "AE"),
        ("Atlantis", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_country(raw: str | None, expected: str | None) -> None:
    actual = normalize_country(raw)

    assert actual == expected


@given(st.text(max_size=30))
def test_normalize_country_gives_a_code_that_maps_to_itself(raw: str) -> None:
    code = normalize_country(raw)

    assert code is None or (re.match(r"^[A-Z]{2}$", code) and normalize_country(code) == code)


@given(st.text(max_size=12), st.sampled_from(["DE", "AT", "TR", "GB", "NL", "US", "FR"]))
def test_normalize_postcode_is_idempotent(raw: str, country: str) -> None:
    once = normalize_postcode(raw, country)

    assert normalize_postcode(once, country) == once


address_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßçğış0123456789 .,-/:", max_size=40)
street_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßçğışı .-", min_size=1, max_size=30)
house_numbers = st.from_regex(r"\A[1-9][0-9]{0,3}( ?[a-d])?( ?[-/] ?[1-9][0-9]{0,2})?\Z")


@given(street_words, house_numbers, st.sampled_from(["DE", "TR", "GB"]), st.booleans())
def test_normalized_street_parts_are_folded_and_stable(
    words: str, number: str, country: str, number_first: bool
) -> None:
    street = f"{number} {words}" if number_first else f"{words} {number}"
    once = normalize_address(street, None, None, country)

    again = normalize_address(f"{once.street} {once.house_number}", None, None, country)

    assert re.match(r"^([a-z0-9]+( [a-z0-9]+)*)?$", once.street)
    assert (again.street, again.house_number) == (once.street, once.house_number)


@given(address_text, st.sampled_from(["DE", "TR", "GB"]))
def test_normalize_address_accepts_any_street_text(street: str, country: str) -> None:
    actual = normalize_address(street, street, street, country)

    assert re.match(r"^([a-z0-9]+( [a-z0-9]+)*)?$", actual.street)
    assert re.match(r"^[a-z0-9/-]*$", actual.house_number)


@given(address_text, address_text)
def test_normalize_address_ignores_case(street: str, city: str) -> None:
    actual = normalize_address(street.upper(), None, city.upper(), "Deutschland")

    assert actual == normalize_address(street, None, city, "deutschland")
