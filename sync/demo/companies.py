"""Invented employers: company names with their country's legal forms, and their web domains."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sync.demo.contact import domain_label
from sync.demo.names import Country, Origin, Weighted, lexicon, one_of, words

ORIGIN_OF_COUNTRY = {
    Country.DE: Origin.DE,
    Country.AT: Origin.DE,
    Country.CH: Origin.DE,
    Country.TR: Origin.TR,
    Country.GB: Origin.EN,
}
_LEGAL_FORMS = {
    Country.DE: Weighted.of(
        ["GmbH", "GmbH & Co. KG", "AG", "UG (haftungsbeschränkt)", "e.K.", "KG", "OHG", "GbR"],
        [56, 15, 6, 5, 6, 5, 4, 3],
    ),
    Country.AT: Weighted.of(
        ["GmbH", "AG", "OG", "KG", "e.U.", "GmbH & Co KG"], [60, 8, 8, 8, 10, 6]
    ),
    Country.CH: Weighted.of(["AG", "GmbH", "Sàrl", "Genossenschaft"], [48, 42, 6, 4]),
    Country.TR: Weighted.of(
        ["Ltd. Şti.", "A.Ş.", "San. ve Tic. Ltd. Şti.", "San. ve Tic. A.Ş."], [40, 30, 20, 10]
    ),
    Country.GB: Weighted.of(["Ltd", "Limited", "LLP", "PLC", "Inc"], [68, 12, 8, 5, 7]),
}
_TLD = {
    Country.DE: ".de",
    Country.AT: ".at",
    Country.CH: ".ch",
    Country.TR: ".com.tr",
    Country.GB: ".co.uk",
}
_BRAND_SUFFIXES = ("tec", "tronic", "soft", "net", "plan", "logic", "med", "form", "werk", "data")
_BACK_VOWELS = frozenset("aıou")
_FRONT_VOWELS = frozenset("eiöü")


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    domain: str
    country: Country


def _family_firm(last: str) -> str:
    """Turkish family firms are named by the plural of the family name (Yılmazlar, Özdemirler)."""
    for char in reversed(last.lower()):
        if char in _BACK_VOWELS:
            return f"{last}lar"
        if char in _FRONT_VOWELS:
            return f"{last}ler"
    return f"{last}ler"


def _core_name(rng: random.Random, country: Country) -> str:
    lex = lexicon(ORIGIN_OF_COUNTRY[country])
    last, sector, roll = lex.last.pick(rng), lex.sectors.pick(rng), rng.random()
    if country is Country.TR and roll < 0.2:
        return f"{_family_firm(last)} {sector}"
    if roll < 0.45:
        return f"{last} {sector}"
    if roll < 0.6:
        partner = "Sons" if country is Country.GB else lex.last.pick(rng)
        return f"{last} & {partner}"
    stem = words("company_stems").pick(rng)
    if roll < 0.8:
        return stem + one_of(rng, _BRAND_SUFFIXES)
    return f"{stem} {sector}"


def invent_company(rng: random.Random, country: Country) -> Company:
    core = _core_name(rng, country)
    form = _LEGAL_FORMS[country].pick(rng)
    tld = ".com" if form == "Inc" or rng.random() < 0.2 else _TLD[country]
    label = domain_label(core, ORIGIN_OF_COUNTRY[country], hyphens=rng.random() < 0.4)
    return Company(name=f"{core} {form}", domain=label + tld, country=country)


@dataclass
class Employers:
    """A growing pool of companies per country, so that colleagues share employer and domain."""

    rng: random.Random
    new_share: float = 0.35
    cap: int = 20_000
    _pools: dict[Country, list[Company]] = field(default_factory=dict)

    def pick(self, country: Country) -> Company:
        pool = self._pools.setdefault(country, [])
        if not pool or (len(pool) < self.cap and self.rng.random() < self.new_share):
            pool.append(invent_company(self.rng, country))
            return pool[-1]
        return one_of(self.rng, pool)
