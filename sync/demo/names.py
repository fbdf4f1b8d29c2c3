"""The weighted word lists (names, places, companies, titles) the synthetic population draws from.

The lists live in ``sync/demo/data/*.txt``, most frequent entry first; a list without explicit
weights gets Zipf weights by rank, so common names turn up far more often than rare ones, as
in real registers. Family names also come from a long tail of compounds (Steinfeld, Karataş,
Ashford), so a million people do not crowd onto a few hundred names.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Generic, TypeVar

T = TypeVar("T")

# Name frequencies fall off roughly like a power of the rank; the offset flattens the head so
# the most common name gets 2-3 % of a list, as Müller or Maria do.
_ZIPF_EXPONENT = 0.8
_ZIPF_OFFSET = 8.0
# Share of family names drawn from the listed common ones; the rest are compounds.
_LISTED_FAMILY_NAMES = 0.6
# Subscriber numbers never start with 0 (trunk prefix) or 1 (service numbers).
ANY_LEAD = "23456789"


class Origin(StrEnum):
    """The naming culture a person's names come from."""

    DE = "de"
    TR = "tr"
    EN = "en"


class Sex(StrEnum):
    F = "f"
    M = "m"


class Country(StrEnum):
    """Countries of residence, ISO 3166-1 alpha-2."""

    DE = "DE"
    AT = "AT"
    CH = "CH"
    TR = "TR"
    GB = "GB"


def below(rng: random.Random, n: int) -> int:
    """A uniform integer in [0, n); several times faster than ``randrange`` and as repeatable."""
    return int(rng.random() * n)


def one_of(rng: random.Random, values: Sequence[T]) -> T:
    return values[int(rng.random() * len(values))]


@dataclass(frozen=True, slots=True)
class Weighted(Generic[T]):
    """Values with cumulative weights; :meth:`pick` draws one in O(log n)."""

    values: tuple[T, ...]
    cumulative: tuple[float, ...]
    total: float

    @classmethod
    def of(cls, values: Sequence[T], weights: Sequence[float]) -> Weighted[T]:
        if not values or len(values) != len(weights):
            raise ValueError("a weighted list needs one positive weight per value")
        cumulative = tuple(itertools.accumulate(weights))
        return cls(tuple(values), cumulative, cumulative[-1])

    @classmethod
    def pairs(cls, weighted: Sequence[tuple[T, float]]) -> Weighted[T]:
        return cls.of([value for value, _ in weighted], [weight for _, weight in weighted])

    @classmethod
    def ranked(cls, values: Sequence[T]) -> Weighted[T]:
        """Zipf weights by position: the first value is the most frequent."""
        weights = [(rank + _ZIPF_OFFSET) ** -_ZIPF_EXPONENT for rank in range(len(values))]
        return cls.of(values, weights)

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


@dataclass(frozen=True, slots=True)
class City:
    """A city with postcode patterns (``#`` a digit, ``?`` a letter) and landline area codes.

    Each area code comes with the digits a subscriber number there may start with.
    """

    name: str
    postcodes: tuple[str, ...]
    area_codes: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FamilyNames:
    """Listed common family names plus a long tail of compounds of two parts."""

    listed: Weighted[str]
    first_parts: Weighted[str]
    second_parts: Weighted[str]

    @property
    def values(self) -> tuple[str, ...]:
        return self.listed.values

    def pick(self, rng: random.Random) -> str:
        if rng.random() < _LISTED_FAMILY_NAMES:
            return self.listed.pick(rng)
        return self.first_parts.pick(rng) + self.second_parts.pick(rng)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything named after a naming culture: given and family names, trades, job titles."""

    first_f: Weighted[str]
    first_m: Weighted[str]
    last: FamilyNames
    sectors: Weighted[str]
    # (male form, female form); equal where the title is not gendered.
    job_titles: Weighted[tuple[str, str]]

    def first(self, sex: Sex) -> Weighted[str]:
        return self.first_f if sex is Sex.F else self.first_m


@dataclass(frozen=True, slots=True)
class Places:
    """The cities and street names of one country."""

    cities: Weighted[City]
    streets: Weighted[str]
    by_name: dict[str, City]


def _rows(name: str) -> list[list[str]]:
    text = resources.files("sync.demo").joinpath("data", name).read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return [[cell.strip() for cell in row] for row in rows]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


@cache
def words(name: str) -> Weighted[str]:
    """A one-column list from ``data/<name>.txt``, weighted by rank."""
    return Weighted.ranked(_unique([row[0] for row in _rows(f"{name}.txt")]))


@cache
def lexicon(origin: Origin) -> Lexicon:
    given = _rows(f"first_{origin}.txt")
    titles = [row[0].split("|") for row in _rows(f"job_titles_{origin}.txt")]
    return Lexicon(
        first_f=Weighted.ranked(_unique([name for sex, name in given if sex == Sex.F])),
        first_m=Weighted.ranked(_unique([name for sex, name in given if sex == Sex.M])),
        last=_family_names(origin),
        sectors=words(f"sectors_{origin}"),
        job_titles=Weighted.ranked([(forms[0], forms[-1]) for forms in titles]),
    )


def _family_names(origin: Origin) -> FamilyNames:
    parts = _rows(f"surname_parts_{origin}.txt")
    return FamilyNames(
        listed=words(f"last_{origin}"),
        first_parts=Weighted.ranked([part for kind, part in parts if kind == "p"]),
        second_parts=Weighted.ranked([part for kind, part in parts if kind == "s"]),
    )


@cache
def places(country: Country) -> Places:
    rows = _rows(f"cities_{country}.txt")
    cities = [City(row[0], tuple(row[1].split(",")), _area_codes(row[2])) for row in rows]
    return Places(
        cities=Weighted.of(cities, [float(row[3]) for row in rows]),
        streets=words(f"streets_{country}"),
        by_name={city.name: city for city in cities},
    )


def _area_codes(cell: str) -> tuple[tuple[str, str], ...]:
    pairs = [code.partition(":") for code in cell.split("|")]
    return tuple((code, lead or ANY_LEAD) for code, _, lead in pairs)


@cache
def providers(country: Country) -> Weighted[str]:
    """E-mail providers of ``country`` by market share."""
    rows = [row for row in _rows("providers.txt") if row[0] == country]
    return Weighted.of([row[1] for row in rows], [float(row[2]) for row in rows])


@cache
def nicknames() -> dict[str, tuple[str, ...]]:
    """Given name → the short forms and spelling variants people use instead."""
    return {row[0]: tuple(row[1].split(",")) for row in _rows("nicknames.txt")}
