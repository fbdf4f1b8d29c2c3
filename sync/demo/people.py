"""Synthetic people with the collisions real customer bases have, drawn lazily from a seed.

Each :class:`Person` is the ground truth behind the records the systems hold. Besides fresh
people the stream contains household partners (same address and landline, sometimes the same
e-mail address) and namesakes (a different person with the same first and last name).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from sync.demo.companies import ORIGIN_OF_COUNTRY, Company, Employers
from sync.demo.contact import (
    Phone,
    draw_phone,
    fill,
    private_local,
    provider,
    work_local,
)
from sync.demo.names import (
    City,
    Country,
    Origin,
    Sex,
    Weighted,
    below,
    lexicon,
    one_of,
    places,
)

COUNTRY_MIX = Weighted.of(
    [Country.DE, Country.AT, Country.CH, Country.TR, Country.GB], [50, 10, 8, 17, 15]
)
# Who lives where: Germany has a large Turkish community, and so on.
_ORIGIN_MIX = {
    Country.DE: Weighted.of([Origin.DE, Origin.TR, Origin.EN], [80, 13, 7]),
    Country.AT: Weighted.of([Origin.DE, Origin.TR, Origin.EN], [85, 10, 5]),
    Country.CH: Weighted.of([Origin.DE, Origin.TR, Origin.EN], [85, 6, 9]),
    Country.TR: Weighted.of([Origin.TR, Origin.DE, Origin.EN], [94, 3, 3]),
    Country.GB: Weighted.of([Origin.EN, Origin.TR, Origin.DE], [88, 5, 7]),
}
EMPLOYED_SHARE = 0.55
_MOBILE_SHARE = 0.7
_REFERENCE_YEAR = 2025
_YOUNGEST = date(_REFERENCE_YEAR - 18, 12, 31)
_OLDEST = date(_REFERENCE_YEAR - 88, 1, 1)
_YOUNGEST_ORDINAL = _YOUNGEST.toordinal()
_RECENT = 512


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    postcode: str
    city: str
    country: Country


@dataclass(frozen=True, slots=True)
class Person:
    """One real person: the truth that every system's record of them derives from."""

    person_id: int
    origin: Origin
    sex: Sex
    first_name: str
    last_name: str
    birthday: date
    address: Address
    phone: Phone
    private_email: str
    company: Company | None = None
    job_title: str | None = None
    work_email: str | None = None
    household_of: int | None = None
    namesake_of: int | None = None


class _Identity(NamedTuple):
    person_id: int
    origin: Origin
    sex: Sex
    first: str
    last: str


class AddressBook:
    """Remembers the e-mail addresses handed out, so no two people share one by accident.

    A bit set probed twice by CRC-32 keeps memory near 8 bytes per person at 1M people; a
    false positive only makes an address a little more unusual, never a duplicate.
    """

    def __init__(self, expected: int) -> None:
        bits = 1 << max(16, (expected * 64).bit_length())
        self._mask = bits - 1
        self._bits = bytearray(bits >> 3)

    def claim(self, address: str) -> bool:
        """Mark ``address`` as taken; False if it (probably) was taken already."""
        raw = address.encode()
        first, second = zlib.crc32(raw) & self._mask, zlib.crc32(raw, 0x9E3779B9) & self._mask
        taken = (self._bits[first >> 3] >> (first & 7)) & (self._bits[second >> 3] >> (second & 7))
        self._bits[first >> 3] |= 1 << (first & 7)
        self._bits[second >> 3] |= 1 << (second & 7)
        return not taken & 1


def draw_address(rng: random.Random, country: Country, city: City | None = None) -> Address:
    place = places(country)
    city = city or place.cities.pick(rng)
    street, number = place.streets.pick(rng), str(1 + below(rng, 119))
    if rng.random() < 0.08:
        number += one_of(rng, "ab")
    if country is Country.GB:
        line = f"{number} {street}"
        line = f"Flat {1 + below(rng, 11)}, {line}" if rng.random() < 0.1 else line
    elif country is Country.TR:
        line = f"{street} No: {number}"
        line = f"{line} D: {1 + below(rng, 19)}" if rng.random() < 0.5 else line
    elif country is Country.AT and rng.random() < 0.2:
        line = f"{street} {number}/{1 + below(rng, 8)}/{1 + below(rng, 29)}"
    else:
        line = f"{street} {number}"
    postcode = fill(one_of(rng, city.postcodes), rng)
    return Address(line, postcode, city.name, country)


class _Drawer:
    """The state one people stream needs: its random generator, e-mail book and employers."""

    def __init__(self, seed: int, n: int) -> None:
        self.rng = random.Random(f"{seed}/people")
        self.book = AddressBook(n)
        self.employers = Employers(self.rng)

    def fresh(self, person_id: int) -> Person:
        rng = self.rng
        country = COUNTRY_MIX.pick(rng)
        origin = _ORIGIN_MIX[country].pick(rng)
        sex = Sex.F if rng.random() < 0.5 else Sex.M
        lex = lexicon(origin)
        who = _Identity(person_id, origin, sex, lex.first(sex).pick(rng), lex.last.pick(rng))
        return self._complete(who, draw_address(rng, country))

    def namesake(self, person_id: int, other: Person) -> Person:
        """Another person with the same name (two different Anna Müllers)."""
        country = other.address.country if self.rng.random() < 0.7 else COUNTRY_MIX.pick(self.rng)
        return self._complete(
            _Identity(person_id, other.origin, other.sex, other.first_name, other.last_name),
            draw_address(self.rng, country),
            namesake_of=other.person_id,
        )

    def partner(self, person_id: int, other: Person) -> Person:
        """Someone living with ``other``: same address and landline, often the same family name."""
        rng = self.rng
        sex = other.sex if rng.random() < 0.1 else (Sex.M if other.sex is Sex.F else Sex.F)
        lex = lexicon(other.origin)
        last = other.last_name if rng.random() < 0.75 else lex.last.pick(rng)
        who = _Identity(person_id, other.origin, sex, lex.first(sex).pick(rng), last)
        return self._complete(
            who,
            other.address,
            household_of=other.person_id,
            birthday=_adult(other.birthday + timedelta(days=below(rng, 6000) - 3000)),
            phone=None if other.phone.is_mobile else other.phone,
            email=other.private_email if rng.random() < 0.35 else None,
        )

    def _complete(
        self,
        who: _Identity,
        address: Address,
        *,
        household_of: int | None = None,
        namesake_of: int | None = None,
        birthday: date | None = None,
        phone: Phone | None = None,
        email: str | None = None,
    ) -> Person:
        rng = self.rng
        birthday = birthday or _birthday(rng)
        phone = phone or self._phone(address)
        if email is None:
            local = private_local(rng, who.first, who.last, birthday, who.origin)
            email = self._unique(local, provider(rng, address.country))
        company = job = work = None
        if rng.random() < EMPLOYED_SHARE:
            home = address.country if rng.random() < 0.9 else COUNTRY_MIX.pick(rng)
            company = self.employers.pick(home)
            forms = lexicon(ORIGIN_OF_COUNTRY[home]).job_titles.pick(rng)
            job = forms[1] if who.sex is Sex.F else forms[0]
            work = self._unique(work_local(rng, who.first, who.last, who.origin), company.domain)
        return Person(
            who.person_id, who.origin, who.sex, who.first, who.last, birthday, address, phone,
            email, company, job, work, household_of, namesake_of,
        )  # fmt: skip

    def _phone(self, address: Address) -> Phone:
        """A mobile, or a landline with the area code of where the person lives."""
        city = places(address.country).by_name[address.city]
        is_mobile = self.rng.random() < _MOBILE_SHARE
        return draw_phone(self.rng, address.country, city, is_mobile=is_mobile)

    def _unique(self, local: str, domain: str) -> str:
        candidate = f"{local}@{domain}"
        for attempt in range(12):
            if self.book.claim(candidate):
                return candidate
            bound = 99 if attempt < 6 else 9999
            candidate = f"{local}{1 + below(self.rng, bound)}@{domain}"
        return candidate


def _adult(birthday: date) -> date:
    return min(max(birthday, _OLDEST), _YOUNGEST)


def _birthday(rng: random.Random) -> date:
    """Adults of 18 to 88, most of them around 40."""
    return date.fromordinal(_YOUNGEST_ORDINAL - int(rng.triangular(0, 70, 20) * 365.25))


def iter_people(
    seed: int, n: int, *, households: float = 0.02, namesakes: float = 0.01
) -> Iterator[Person]:
    """``n`` people with ids 0..n-1, the same for the same arguments.

    ``households`` is the share of people who live with the person before them; ``namesakes``
    the share who carry the name of a recent other person.
    """
    drawer = _Drawer(seed, n)
    recent: list[Person] = []
    for person_id in range(n):
        roll = drawer.rng.random()
        if recent and roll < households:
            person = drawer.partner(person_id, recent[-1])
        elif recent and roll < households + namesakes:
            person = drawer.namesake(person_id, one_of(drawer.rng, recent))
        else:
            person = drawer.fresh(person_id)
        recent.append(person)
        if len(recent) > _RECENT:
            del recent[: _RECENT // 2]
        yield person
