"""Recognition of country names and codes as ISO 3166-1 alpha-2 codes."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sync.identity.normalize.text import fold, fold_loose

# Names that phonenumbers' locale table does not carry: Turkish exonyms (it has few), the
# parts of the United Kingdom, common short forms, ISO alpha-3 codes of the countries our
# users meet most, and the vehicle codes "D" and "A" that DACH addresses use ("D-10115").
_ALIASES = {
    "GB": (
        "uk", "u k", "gbr", "great britain", "britain", "england", "scotland", "wales",
        "northern ireland", "grossbritannien", "grossbritanien", "vereinigtes koenigreich",
        "schottland", "nordirland", "ingiltere", "birlesik krallik", "iskocya", "galler",
    ),
    "DE": ("d", "deu", "ger", "brd", "bundesrepublik deutschland", "almanya", "germany"),
    "AT": ("a", "aut", "oesterreich", "avusturya"),
    "CH": ("che", "isvicre", "schweiz", "suisse", "svizzera"),
    "TR": ("tur", "turkiye", "tuerkei", "turkei", "turkey", "republic of turkey"),
    "US": (
        "usa", "u s a", "u s", "america", "united states of america", "amerika", "abd",
        "vereinigte staaten", "vereinigte staaten von amerika", "amerika birlesik devletleri",
    ),
    "NL": ("nld", "holland", "hollanda", "niederlande"),
    "FR": ("fra", "fransa"),
    "BE": ("bel", "belcika"),
    "IT": ("ita", "italya"),
    "ES": ("esp", "ispanya"),
    "PT": ("prt", "portekiz"),
    "PL": ("pol", "polonya"),
    "DK": ("dnk", "danimarka"),
    "SE": ("swe", "isvec"),
    "NO": ("nor", "norvec"),
    "FI": ("fin", "finlandiya"),
    "IE": ("irl", "irlanda"),
    "GR": ("grc", "yunanistan"),
    "LU": ("lux", "luksemburg"),
    "CZ": ("cze", "cekya", "cek cumhuriyeti", "tschechien"),
    "HU": ("hun", "macaristan"),
    "RO": ("rou", "romanya"),
    "BG": ("bgr", "bulgaristan"),
    "HR": ("hrv", "hirvatistan"),
    "RS": ("srb", "sirbistan"),
    "RU": ("rus", "rusya"),
    "UA": ("ukr", "ukrayna"),
    "AZ": ("aze", "azerbaycan"),
    "CY": ("cyp", "kibris"),
    "CA": ("can", "kanada"),
    "AU": ("aus", "avustralya"),
    "CN": ("chn", "cin"),
    "JP": ("jpn", "japonya"),
    "EG": ("egy", "misir"),
    "SY": ("syr", "suriye"),
    "IQ": ("irq", "irak"),
}  # fmt: skip
_LANGUAGES = ("en", "de", "tr")


def normalize_country(raw: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code ("DE") for a code or an English, German or Turkish name.

    "Deutschland", "Germany", "de", "DEU", "Türkiye", "Turkey", "UK", "England" are recognised;
    spelling variants of umlauts do not matter ("Oesterreich", "Österreich", "Osterreich").
    ``None`` when the text names no country. Deterministic; never raises.
    """
    folded = fold(raw)
    if not folded:
        return None
    table = _country_table()
    if len(folded) == 2 and folded.upper() in table.codes:
        return folded.upper()
    return table.names.get(fold_loose(folded))


@dataclass(frozen=True)
class _CountryTable:
    codes: frozenset[str]
    names: Mapping[str, str]  # loosely folded name or alias -> alpha-2 code


@functools.cache
def _country_table() -> _CountryTable:
    """Built once, on first use, then read-only."""
    # Imported here because the table costs half a second to load; most callers never need it.
    from phonenumbers.geodata.locale import LOCALE_DATA

    index: dict[str, str] = {}
    for region, names in sorted(LOCALE_DATA.items()):
        if len(region) != 2 or not region.isalpha():
            continue  # "001" and the like are not countries
        for language in _LANGUAGES:
            name = _localised_name(names, language)
            if name:
                index.setdefault(fold_loose(name), region)
    for region, aliases in _ALIASES.items():
        index.update((fold_loose(alias), region) for alias in aliases)
    return _CountryTable(codes=frozenset(index.values()), names=MappingProxyType(index))


def _localised_name(names: Mapping[str, str], language: str) -> str | None:
    """A name from phonenumbers' table, where "*xx" means "same as language xx"."""
    name = names.get(language)
    for _ in range(len(names)):
        if name is None or not name.startswith("*"):
            return name
        name = names.get(name[1:])
    return None
