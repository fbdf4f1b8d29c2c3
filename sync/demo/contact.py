"""How people write their phone numbers and e-mail addresses, country by country."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sync.demo.names import (
    ANY_LEAD,
    City,
    Country,
    Origin,
    Weighted,
    below,
    one_of,
    providers,
    words,
)

CALLING_CODES = {
    Country.DE: "49",
    Country.AT: "43",
    Country.CH: "41",
    Country.TR: "90",
    Country.GB: "44",
}
# National significant number length of a landline: area code plus subscriber number.
_LANDLINE_DIGITS = {Country.DE: 10, Country.AT: 9, Country.CH: 9, Country.TR: 10, Country.GB: 10}
# fmt: off
# Mobile prefixes (``#`` a digit) with the length of the subscriber number that follows.
_MOBILE = {
    Country.DE: Weighted.ranked(
        [("151", 8), ("176", 8), ("172", 7), ("152", 8), ("160", 7), ("170", 7), ("171", 7),
         ("157", 8), ("162", 7), ("173", 7), ("174", 7), ("175", 7), ("177", 8), ("178", 8),
         ("179", 8), ("159", 8), ("163", 7), ("155", 8)]
    ),
    Country.AT: Weighted.ranked(
        [("664", 7), ("660", 7), ("676", 7), ("650", 7), ("699", 8), ("680", 7), ("681", 7)]
    ),
    Country.CH: Weighted.ranked([("79", 7), ("78", 7), ("76", 7), ("77", 7), ("75", 7)]),
    Country.TR: Weighted.ranked([("53#", 7), ("54#", 7), ("505", 7), ("555", 7), ("506", 7)]),
    Country.GB: Weighted.ranked([("79##", 6), ("77##", 6), ("78##", 6), ("74##", 6), ("75##", 6)]),
}
_NATIONAL_STYLES = ["0{a} {s}", "0{a}/{s}", "0{a}-{s}", "+{cc} {a} {s}", "+{cc} (0){a} {s}"]
_COMPACT_STYLES = ["00{cc} {a} {s}", "+{cc}{a}{s}", "0{a}{s}", "(0{a}) {s}", "+{cc} {a} {g}"]
_STYLES = {
    Country.DE: Weighted.of(_NATIONAL_STYLES + _COMPACT_STYLES, [30, 10, 5, 22, 6, 5, 10, 5, 4, 3]),
    Country.AT: Weighted.of(_NATIONAL_STYLES + _COMPACT_STYLES, [30, 12, 3, 25, 6, 5, 9, 5, 2, 3]),
    Country.CH: Weighted.of(
        ["0{a} {g}", "+{cc} {a} {g}", "+{cc}{a}{s}", "00{cc} {a} {g}", "0{a}{s}",
         "+{cc} (0){a} {g}"],
        [35, 33, 10, 8, 10, 4],
    ),
    Country.TR: Weighted.of(
        ["0{a} {g}", "+{cc} {a} {g}", "0 ({a}) {g}", "0{a}{s}", "+{cc}{a}{s}", "00{cc} {a} {s}",
         "({a}) {g}"],
        [30, 25, 15, 10, 10, 5, 5],
    ),
    Country.GB: Weighted.of(
        ["0{a} {g}", "+{cc} {a} {g}", "+{cc} (0){a} {g}", "00{cc} {a} {s}", "+{cc}{a}{s}",
         "0{a}{s}"],
        [35, 25, 10, 5, 15, 10],
    ),
}
_PRIVATE_LOCALS = Weighted.pairs(
    [("{f}.{l}", 28), ("{f}{l}", 10), ("{i}.{l}", 8), ("{f}.{l}{yy}", 9), ("{f}{l}{n}", 6),
     ("{l}.{f}", 5), ("{f}_{l}", 5), ("{f}{yyyy}", 4), ("{i}{l}", 8), ("{l}{i}", 3),
     ("{w}{yy}", 4), ("{w}.{f}", 2), ("{f}-{l}", 3), ("{l}{n}", 3), ("{f}", 2)]
)
# fmt: on
_WORK_LOCALS = Weighted.pairs(
    [("{f}.{l}", 70), ("{i}.{l}", 12), ("{i}{l}", 10), ("{l}", 4), ("{f}", 4)]
)
_GERMAN_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_PLAIN_FOLD = str.maketrans("äöüÄÖÜçÇğĞıİşŞéèëêÉàâáîíôóûú", "aouAOUcCgGiIsSeeeeEaaaiioouu") | {
    ord("ß"): "ss"
}
_NOT_IN_ADDRESSES = str.maketrans("", "", "'’. ,()")
_GB_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number as its parts; the same number can be written in many styles."""

    country: Country
    area: str  # area code or mobile prefix, without the trunk 0
    number: str  # subscriber number
    is_mobile: bool

    @property
    def e164(self) -> str:
        return f"+{CALLING_CODES[self.country]}{self.area}{self.number}"


def fill(pattern: str, rng: random.Random) -> str:
    """Replace each ``#`` with a digit and each ``?`` with a letter valid in GB postcodes."""
    if "?" not in pattern:
        digits = pattern.count("#")
        if digits == 0:
            return pattern
        if pattern.endswith("#" * digits):
            return pattern[:-digits] + str(below(rng, 10**digits)).zfill(digits)
    chars = [
        str(below(rng, 10)) if c == "#" else one_of(rng, _GB_INWARD_LETTERS) if c == "?" else c
        for c in pattern
    ]
    return "".join(chars)


def _subscriber(rng: random.Random, length: int, lead: str = ANY_LEAD) -> str:
    return one_of(rng, lead) + str(below(rng, 10 ** (length - 1))).zfill(length - 1)


def draw_phone(rng: random.Random, country: Country, city: City, *, is_mobile: bool) -> Phone:
    """A new number: a mobile, or a landline in ``city``'s area."""
    if is_mobile:
        prefix, length = _MOBILE[country].pick(rng)
        return Phone(country, fill(prefix, rng), _subscriber(rng, length), True)
    area, lead = one_of(rng, city.area_codes)
    length = max(5, _LANDLINE_DIGITS[country] - len(area))
    return Phone(country, area, _subscriber(rng, length, lead), False)


def _grouped(phone: Phone) -> str:
    digits = phone.number
    if phone.country in (Country.CH, Country.TR) and len(digits) == 7:
        return f"{digits[:3]} {digits[3:5]} {digits[5:]}"
    if len(digits) == 8:
        return f"{digits[:4]} {digits[4:]}"
    if len(digits) == 7:
        return f"{digits[:3]} {digits[3:]}"
    return digits


def format_phone(phone: Phone, rng: random.Random) -> str:
    """The number in one of the styles people of its country write it in."""
    style = _STYLES[phone.country].pick(rng)
    cc = CALLING_CODES[phone.country]
    return style.format(cc=cc, a=phone.area, s=phone.number, g=_grouped(phone))


def restyle_phone(phone: Phone, written: str, rng: random.Random) -> str:
    """The same number written differently from ``written`` (when the country has the styles)."""
    for _ in range(8):
        candidate = format_phone(phone, rng)
        if candidate != written:
            return candidate
    return phone.e164


def ascii_fold(text: str, *, german: bool) -> str:
    """Letters without diacritics; German style (ü → ue) or plain (ü → u)."""
    if german:
        text = text.translate(_GERMAN_FOLD)
    return text.translate(_PLAIN_FOLD)


@lru_cache(maxsize=8192)
def _token(name: str, origin: Origin) -> str:
    return ascii_fold(name, german=origin is Origin.DE).lower().translate(_NOT_IN_ADDRESSES)


def provider(rng: random.Random, country: Country) -> str:
    """A mail provider people in ``country`` use, by market share."""
    return providers(country).pick(rng)


def private_local(rng: random.Random, first: str, last: str, birthday: date, origin: Origin) -> str:
    """The part before the @ of a private address, as people choose it."""
    given, family = _token(first, origin), _token(last, origin)
    year, pattern = str(birthday.year), _PRIVATE_LOCALS.pick(rng)
    word = words("email_words").pick(rng) if "{w}" in pattern else ""
    return pattern.format(
        f=given, l=family, i=given[:1], yy=year[2:], yyyy=year, n=1 + below(rng, 998), w=word
    )


def work_local(rng: random.Random, first: str, last: str, origin: Origin) -> str:
    given, family = _token(first, origin), _token(last, origin)
    return _WORK_LOCALS.pick(rng).format(f=given, l=family, i=given[:1])


def domain_label(text: str, origin: Origin, *, hyphens: bool) -> str:
    """A company name turned into the label of its web domain."""
    parts = _token(text.replace("&", " ").replace("-", " ").replace(" ", "-"), origin).split("-")
    return ("-" if hyphens else "").join(part for part in parts if part)
