"""Normalisation of postal addresses: street, house number, postcode, city and country."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sync.identity.normalize.country import normalize_country
from sync.identity.normalize.text import fold


@dataclass(frozen=True)
class Address:
    """A normalised address; ``country`` is ISO 3166-1 alpha-2 or ``""`` if unknown."""

    street: str
    house_number: str
    postcode: str
    city: str
    country: str


# Abbreviations in every country, as folded words: German "Str.", Turkish "Cad.", "Sk.", "Mah.".
_STREET_WORDS = {
    "str": "strasse",
    "strasse": "strasse",
    "cad": "caddesi",
    "cd": "caddesi",
    "cadde": "caddesi",
    "sk": "sokak",
    "sok": "sokak",
    "sokagi": "sokak",
    "mah": "mahallesi",
    "mh": "mahallesi",
    "mahalle": "mahallesi",
    "blv": "bulvari",
    "bulv": "bulvari",
    "bulvar": "bulvari",
}
# "St" is "Street" in English but "Sankt" in German; "Pl" is "Place" or "Platz".
_ENGLISH_STREET_WORDS = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "cres": "crescent",
    "blvd": "boulevard",
    "hwy": "highway",
    "gdns": "gardens",
    "ter": "terrace",
    "terr": "terrace",
    "cl": "close",
}
# Abbreviated endings of German compounds: "Hauptstr." and "Marktpl.".
_STREET_ENDINGS = {"str": "strasse"}
_ENGLISH_WORDS = _STREET_WORDS | _ENGLISH_STREET_WORDS
_GERMAN_WORDS = _STREET_WORDS | {"pl": "platz"}
_GERMAN_ENDINGS = _STREET_ENDINGS | {"pl": "platz"}
_ENGLISH_SPEAKING = frozenset({"GB", "IE", "US", "CA", "AU", "NZ"})
_NUMBER_MARKERS = frozenset({"no", "nr"})
_GERMAN_SPEAKING = frozenset({"DE", "AT", "CH", "LI", "LU"})
_NUMERIC_POSTCODE_LENGTH = {"DE": 5, "TR": 5, "AT": 4, "CH": 4, "LI": 4, "DK": 4, "BE": 4}

# A house number: "12", "12a", "12 a", "12-14", "12/3"; a letter followed by ":" or a digit
# starts the next part instead (Turkish "No: 15 D: 4", where D is the flat).
_LETTER = r"(?:\s*[a-z](?![a-z])(?!\s*[:.]?\s*\d))?"
_NUMBER = rf"\d+{_LETTER}(?:\s*[-/–]\s*\d+{_LETTER})?"
# ASCII: under IGNORECASE alone, "[a-z]" would also match the Turkish "ı" and "İ".
_FLAGS = re.IGNORECASE | re.ASCII
_TURKISH_I = str.maketrans({"ı": "i", "İ": "I"})
_EDGE_PUNCTUATION = " \t,.;:-/"
_NUMBER_ONLY = re.compile(rf"^\s*(?P<number>{_NUMBER})\s*$", _FLAGS)
# Turkish "No: 15" or "No:15/3", optionally followed by the flat, "D: 4" or "Daire 4"; also the
# German "Nr. 15".
_MARKED_NUMBER = re.compile(
    rf"\b(?:no|nr)\s*[:.]?\s*(?P<number>{_NUMBER})(?:\s*,?\s*(?:d|daire)\s*[:.]?\s*(?P<flat>\d+))?",
    _FLAGS,
)
_TRAILING_NUMBER = re.compile(rf"^(?P<street>.*?[^\d\s])[\s,]*(?P<number>{_NUMBER})\s*$", _FLAGS)
# The number followed by extras such as the floor: "Hauptstr. 12, 3. OG".
_NUMBER_THEN_EXTRAS = re.compile(
    rf"^(?P<street>.*?[^\d\s])[\s,]*(?P<number>{_NUMBER})\s*,.*$", _FLAGS
)
# An English flat or unit before the house number: "Flat 3, 10 High St".
_UNIT_PREFIX = re.compile(r"^\s*(?:flat|apartment|apt|unit|suite)\s+\w+(?:\s*,|\s)\s*(?=\S)", re.I)
_LEADING_NUMBER = re.compile(rf"^\s*(?P<number>{_NUMBER})\s*,?\s+(?P<street>\D.*)$", _FLAGS)
_NOT_POSTCODE = re.compile(r"[^A-Z0-9 -]")
_POSTCODE_PREFIX = re.compile(r"^(?:D|DE|A|AT|CH|TR|FL|L)\s*-\s*(?=\d)")
_CITY_WITH_POSTCODE = re.compile(
    r"^\s*(?:[A-Z]{1,2}\s*-\s*)?(?P<postcode>\d{4,5})\s+(?P<city>\D.*)$", _FLAGS
)


def normalize_address(
    street: str | None,
    postcode: str | None,
    city: str | None,
    country: str | None,
    default_country: str = "DE",
) -> Address:
    """Split and fold an address for comparison.

    "Hauptstr. 12 a", "10115", "Berlin", "Deutschland" gives street "hauptstrasse", house number
    "12a", postcode "10115", city "berlin", country "DE". ``default_country`` applies when
    ``country`` is empty; a country that is given but not recognised gives ``""``. A postcode
    inside the city field ("10115 Berlin") is split off when the postcode field is empty.
    """
    code = _country_code(country, default_country)
    if not (postcode or "").strip() and city:
        postcode, city = _split_city(city)
    street_name, house_number = _split_street(street or "")
    return Address(
        street=_expand_street(fold(street_name), code),
        house_number=house_number,
        postcode=normalize_postcode(postcode, code),
        city=fold(city),
        country=code,
    )


def normalize_postcode(raw: str | None, country: str) -> str:
    """Postcode in its country's usual form: "1067" in DE gives "01067", "sw1a1aa" "SW1A 1AA"."""
    # Postcodes are ASCII letters, digits, spaces and hyphens in every country we know of.
    ascii_text = _NOT_POSTCODE.sub(" ", unicodedata.normalize("NFKC", raw or "").upper())
    text = _POSTCODE_PREFIX.sub("", " ".join(ascii_text.split()))
    if country in _NUMERIC_POSTCODE_LENGTH:
        digits = "".join(char for char in text if char.isascii() and char.isdigit())
        # Spreadsheets drop leading zeros: "01067" Dresden arrives as "1067".
        return digits.zfill(_NUMERIC_POSTCODE_LENGTH[country]) if digits else ""
    compact = text.replace(" ", "")
    if country == "GB" and 5 <= len(compact) <= 7:
        return f"{compact[:-3]} {compact[-3:]}"
    if country == "NL" and len(compact) == 6:
        return f"{compact[:4]} {compact[4:]}"
    return text


def _country_code(country: str | None, default_country: str) -> str:
    if not fold(country):
        return normalize_country(default_country) or ""
    return normalize_country(country) or ""


def _split_city(city: str) -> tuple[str, str]:
    match = _CITY_WITH_POSTCODE.match(unicodedata.normalize("NFKC", city).translate(_TURKISH_I))
    if match is None:
        return "", city
    return match["postcode"], match["city"]


def _split_street(street: str) -> tuple[str, str]:
    """Separate the house number from the street name: (street name, house number)."""
    # The dotless and dotted Turkish i are the letters whose case pair is ASCII: read them as
    # "i" so that upper and lower case parse alike.
    street = unicodedata.normalize("NFKC", street).translate(_TURKISH_I).strip(_EDGE_PUNCTUATION)
    marked = _MARKED_NUMBER.search(street)
    if marked is not None:
        number = _compact_number(marked["number"])
        flat = marked["flat"]
        rest = street[: marked.start()] + " " + street[marked.end() :]
        return rest, f"{number}/{flat}" if flat else number
    without_unit = _UNIT_PREFIX.sub("", street)
    number_only = _NUMBER_ONLY.match(without_unit)
    if number_only is not None:
        return "", _compact_number(number_only["number"])
    for pattern in (_TRAILING_NUMBER, _NUMBER_THEN_EXTRAS, _LEADING_NUMBER):
        match = pattern.match(without_unit)
        if match is not None:
            return match["street"], _compact_number(match["number"])
    return street, ""


def _compact_number(number: str) -> str:
    return "".join(number.split()).replace("–", "-").lower()


def _expand_street(folded: str, country: str) -> str:
    if country in _ENGLISH_SPEAKING:
        words, endings = _ENGLISH_WORDS, _STREET_ENDINGS
    elif country in _GERMAN_SPEAKING:
        words, endings = _GERMAN_WORDS, _GERMAN_ENDINGS
    else:
        words, endings = _STREET_WORDS, _STREET_ENDINGS
    expanded = [_expand_word(word, words, endings) for word in folded.split()]
    if expanded and expanded[-1] in _NUMBER_MARKERS:  # "No" or "Nr." left without its number
        expanded.pop()
    return " ".join(expanded)


def _expand_word(word: str, words: dict[str, str], endings: dict[str, str]) -> str:
    if word in words:
        return words[word]
    for ending, expansion in endings.items():  # "Hauptstr." -> "hauptstrasse"
        if word.endswith(ending) and len(word) > len(ending):
            return word[: -len(ending)] + expansion
    return word
