"""The ways a second record of the same person goes wrong, each applied at a configurable rate."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from functools import lru_cache
from typing import Any

from connectors.toolkit.sandbox import SeedPerson
from sync.demo.companies import invent_company
from sync.demo.contact import ascii_fold, draw_phone, provider, restyle_phone
from sync.demo.names import Origin, Sex, below, lexicon, nicknames, one_of, places
from sync.demo.people import Person, draw_address
from sync.demo.typos import typo


class NoiseKind(StrEnum):
    """One kind of disagreement between two records of the same person."""

    SWAPPED_NAMES = "swapped_names"
    MARRIED_NAME = "married_name"
    NICKNAME = "nickname"
    TRANSLITERATION = "transliteration"
    TYPO = "typo"
    NAME_CASE = "name_case"
    OTHER_EMAIL = "other_email"
    EMAIL_CASE = "email_case"
    PHONE_FORMAT = "phone_format"
    CONFLICT = "conflict"
    MOVED = "moved"
    MISSING_FIELD = "missing_field"


@dataclass(frozen=True, slots=True)
class NoiseProfile:
    """How often each kind of noise hits a second record of a person (0..1 each).

    Rates are per record and independent. ``transliteration`` counts among records whose names
    carry umlauts, ß or Turkish letters; ``married_name`` among women; ``nickname`` among
    records whose first name has a known short form. ``crm_duplicate`` is the share of CRM
    records that are a second record of a person the CRM already holds.
    """

    swapped_names: float = 0.02
    married_name: float = 0.03
    nickname: float = 0.05
    transliteration: float = 0.25
    typo: float = 0.08
    name_case: float = 0.02
    other_email: float = 0.10
    email_case: float = 0.05
    phone_format: float = 0.30
    conflict: float = 0.05
    moved: float = 0.03
    missing_field: float = 0.10
    crm_duplicate: float = 0.02

    @classmethod
    def none(cls) -> NoiseProfile:
        """Identical copies and no CRM-internal duplicates."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def scaled(self, factor: float) -> NoiseProfile:
        """Every rate multiplied by ``factor`` (capped at 1): 2.0 for a messy data set."""
        rates = {f.name: min(1.0, getattr(self, f.name) * factor) for f in fields(self)}
        return replace(self, **rates)

    def rate(self, kind: NoiseKind) -> float:
        return float(getattr(self, kind.value))

    def step_rates(self) -> tuple[float, ...]:
        """The rates in the order :func:`apply_noise` applies the kinds."""
        return _step_rates(self)


_Draft = dict[str, Any]
_SPECIAL_LETTERS = frozenset("äöüÄÖÜßçÇğĞıİşŞ")
_CONFLICTING = ("phone", "job_title", "company", "birthday")
_TYPO_FIELDS = (("last_name", 30), ("first_name", 25), ("email", 20), ("street", 15), ("city", 5))


def _has_special(text: str | None) -> bool:
    return text is not None and not _SPECIAL_LETTERS.isdisjoint(text)


def _swap_names(rng: random.Random, draft: _Draft, person: Person) -> bool:
    if not (draft["first_name"] and draft["last_name"]):
        return False
    draft["first_name"], draft["last_name"] = draft["last_name"], draft["first_name"]
    return True


def _married_name(rng: random.Random, draft: _Draft, person: Person) -> bool:
    if person.sex is not Sex.F or not draft["last_name"]:
        return False
    old = draft["last_name"]
    new = lexicon(person.origin if rng.random() < 0.8 else one_of(rng, list(Origin))).last.pick(rng)
    roll = rng.random()
    if (
        person.origin is Origin.TR
    ):  # Turkish women keep their maiden name in front: Ayşe Yılmaz Kaya
        draft["last_name"] = new if roll < 0.5 else f"{old} {new}"
    elif person.origin is Origin.DE:
        draft["last_name"] = (
            new if roll < 0.6 else f"{new}-{old}" if roll < 0.85 else f"{old}-{new}"
        )
    else:
        draft["last_name"] = new if roll < 0.85 else f"{old}-{new}"
    return draft["last_name"] != old


def _nickname(rng: random.Random, draft: _Draft, person: Person) -> bool:
    first = draft["first_name"]
    forms = nicknames().get(first or "")
    if not forms:
        return False
    draft["first_name"] = one_of(rng, forms)
    return True


def _transliterate(rng: random.Random, draft: _Draft, person: Person) -> bool:
    if not (_has_special(draft["first_name"]) or _has_special(draft["last_name"])):
        return False
    # Germans write ü as ue; Turkish names lose their letters' marks (Öztürk → Ozturk) more often.
    german = rng.random() < (0.7 if person.origin is Origin.DE else 0.15)
    for name in ("first_name", "last_name", *(("street", "city") if rng.random() < 0.5 else ())):
        if draft[name]:
            draft[name] = ascii_fold(draft[name], german=german)
    return True


def _typo(rng: random.Random, draft: _Draft, person: Person) -> bool:
    present = [(name, weight) for name, weight in _TYPO_FIELDS if draft[name]]
    if not present:
        return False
    roll, name = rng.random() * sum(w for _, w in present), present[-1][0]
    for candidate, weight in present:
        if roll < weight:
            name = candidate
            break
        roll -= weight
    value = draft[name]
    if name == "email":
        local, _, domain = value.partition("@")
        draft[name] = f"{typo(rng, local, person.address.country)}@{domain}"
    else:
        draft[name] = typo(rng, value, person.address.country)
    return bool(draft[name] != value)


def _name_case(rng: random.Random, draft: _Draft, person: Person) -> bool:
    first, last, roll = draft["first_name"], draft["last_name"], rng.random()
    if not last:
        return False
    if roll < 0.6:  # imports from systems that shout family names: "Mehmet YILMAZ"
        draft["last_name"] = last.upper()
    elif roll < 0.85:
        draft["first_name"], draft["last_name"] = (first or "").lower() or None, last.lower()
    else:
        draft["first_name"], draft["last_name"] = (first or "").upper() or None, last.upper()
    return True


def _other_email(rng: random.Random, draft: _Draft, person: Person) -> bool:
    current = draft["email"]
    if person.work_email and current != person.work_email:
        draft["email"] = person.work_email
    elif current != person.private_email:
        draft["email"] = person.private_email
    else:
        local = person.private_email.split("@")[0]
        draft["email"] = f"{local}{below(rng, 90) + 10}@{provider(rng, person.address.country)}"
    return True


def _email_case(rng: random.Random, draft: _Draft, person: Person) -> bool:
    email = draft["email"]
    if not email:
        return False
    local, _, domain = email.partition("@")
    roll = rng.random()
    if roll < 0.35:
        variant = f"{'.'.join(part.capitalize() for part in local.split('.'))}@{domain}"
    elif roll < 0.55:
        variant = email.upper()
    elif roll < 0.7:
        variant = f"{local}@{domain.upper()}"
    else:
        variant = one_of(rng, (f" {email}", f"{email} ", f" {email} ", f"{email}\t"))
    draft["email"] = variant
    return variant != email


def _phone_format(rng: random.Random, draft: _Draft, person: Person) -> bool:
    if not draft["phone"]:
        return False
    draft["phone"] = restyle_phone(person.phone, draft["phone"], rng)
    return True


def _conflict(rng: random.Random, draft: _Draft, person: Person) -> bool:
    """One field disagrees outright: another phone, job title, employer or birthday."""
    present = [name for name in _CONFLICTING if draft[name]]
    if not present:
        return False
    name = one_of(rng, present)
    old = draft[name]
    for _ in range(5):
        draft[name] = _other_value(rng, name, old, person)
        if draft[name] != old:
            return True
    return False


def _other_value(rng: random.Random, name: str, old: Any, person: Person) -> Any:
    country = person.address.country
    if name == "phone":
        city = places(country).by_name[person.address.city]
        new = draw_phone(rng, country, city, is_mobile=person.phone.is_mobile)
        return restyle_phone(new, "", rng)
    if name == "job_title":
        title = lexicon(person.origin).job_titles.pick(rng)
        return title[1] if person.sex is Sex.F else title[0]
    if name == "company":
        return invent_company(rng, country).name
    # A slip in the date: day and month swapped, or the year off by one.
    if old.day <= 12 and old.day != old.month:
        return old.replace(day=old.month, month=old.day)
    return old.replace(year=old.year - 1, day=min(old.day, 28) if old.month == 2 else old.day)


def _moved(rng: random.Random, draft: _Draft, person: Person) -> bool:
    if not (draft["street"] or draft["city"]):
        return False
    same_city = rng.random() < 0.4
    country = person.address.country
    city = places(country).by_name[person.address.city] if same_city else None
    address = draw_address(rng, country, city)
    draft.update(street=address.street, postcode=address.postcode, city=address.city)
    return True


_OPTIONAL_GROUPS = (
    ("phone",),
    ("street", "postcode", "city"),
    ("postcode",),
    ("birthday",),
    ("company", "job_title"),
    ("first_name",),
)


def _missing(rng: random.Random, draft: _Draft, person: Person) -> bool:
    present = [group for group in _OPTIONAL_GROUPS if any(draft[name] for name in group)]
    if not present:
        return False
    count = 1 if rng.random() < 0.75 else 2
    for group in rng.sample(present, min(count, len(present))):
        for name in group:
            draft[name] = None
    return True


_NoiseStep = Callable[[random.Random, _Draft, Person], bool]
# Order matters: a married name can then be transliterated or mistyped, and fields dropped last.
_STEPS: tuple[tuple[NoiseKind, _NoiseStep], ...] = (
    (NoiseKind.SWAPPED_NAMES, _swap_names),
    (NoiseKind.MARRIED_NAME, _married_name),
    (NoiseKind.NICKNAME, _nickname),
    (NoiseKind.TRANSLITERATION, _transliterate),
    (NoiseKind.TYPO, _typo),
    (NoiseKind.NAME_CASE, _name_case),
    (NoiseKind.OTHER_EMAIL, _other_email),
    (NoiseKind.EMAIL_CASE, _email_case),
    (NoiseKind.PHONE_FORMAT, _phone_format),
    (NoiseKind.CONFLICT, _conflict),
    (NoiseKind.MOVED, _moved),
    (NoiseKind.MISSING_FIELD, _missing),
)
_DRAFT_FIELDS = (
    *("first_name", "last_name", "email", "phone", "company", "job_title"),
    *("street", "postcode", "city", "birthday"),
)


@lru_cache(maxsize=64)
def _step_rates(profile: NoiseProfile) -> tuple[float, ...]:
    return tuple(profile.rate(kind) for kind, _ in _STEPS)


def apply_noise(
    rng: random.Random, record: SeedPerson, person: Person, profile: NoiseProfile
) -> tuple[SeedPerson, tuple[NoiseKind, ...]]:
    """A noisy variant of ``record`` and the kinds of noise that actually changed it."""
    rates = profile.step_rates()
    draws = [_STEPS[i] for i, rate in enumerate(rates) if rng.random() < rate]
    if not draws:
        return record, ()
    draft: _Draft = {name: getattr(record, name) for name in _DRAFT_FIELDS}
    applied = tuple(kind for kind, step in draws if step(rng, draft, person))
    return (_rebuilt(record, draft), applied) if applied else (record, ())


def _rebuilt(record: SeedPerson, draft: _Draft) -> SeedPerson:
    """``record`` with the draft's fields; spelled out because ``replace`` is slow at scale."""
    return SeedPerson(
        email=draft["email"], first_name=draft["first_name"], last_name=draft["last_name"],
        phone=draft["phone"], company=draft["company"], job_title=draft["job_title"],
        street=draft["street"], postcode=draft["postcode"], city=draft["city"],
        country=record.country, birthday=draft["birthday"],
        lifecycle_stage=record.lifecycle_stage, email_status=record.email_status,
        tags=record.tags, crm_ref=record.crm_ref, open_rate=record.open_rate,
        click_rate=record.click_rate, rating=record.rating, modified_at=record.modified_at,
    )  # fmt: skip
