"""Profiles: the frozen, normalised view of one person record that matching compares."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sync.identity import normalize as nz
from sync.identity.settings import ExtraKind, MatchSettings

CANONICAL_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "postcode",
    "city",
    "country",
    "birthday",
    "company",
    "website",
)
EXTERNAL_ID_PREFIX = "id:"
"""A field ``id:<namespace>`` carries an id shared across systems (``id:crm``, ``id:vat``)."""


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record comes from: configured system, its role (``crm``, ``ma``, …) and its id."""

    system: str
    role: str
    record_id: str

    @property
    def is_crm(self) -> bool:
        return self.role == "crm"

    @property
    def key(self) -> str:
        """A stable text identity, used for ordering and persistence."""
        return f"{self.system}\x1f{self.record_id}"


@dataclass(frozen=True, slots=True)
class Profile:
    """One person record, normalised for comparison; ``None`` means the source had no value.

    Names are folded (case, diacritics, ä→ae, ı→i), e-mails and phones canonical (E.164),
    ``birthday`` is ``YYYYMMDD`` and extras are ``(name, normalised value)`` in settings order.
    """

    ref: SourceRef
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    birthday: str | None = None
    company: str | None = None
    domain: str | None = None
    external_ids: tuple[tuple[str, str], ...] = ()
    extras: tuple[tuple[str, str | None], ...] = ()


_DATE_PATTERNS: tuple[tuple[re.Pattern[str], tuple[int, int, int]], ...] = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"), (0, 1, 2)),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (0, 1, 2)),
    (re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$"), (2, 1, 0)),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), (0, 1, 2)),
)


@lru_cache(maxsize=65_536)
def normalize_birthday(raw: str | None) -> str | None:
    """``YYYYMMDD`` from ISO, compact, German (``dd.mm.yyyy``) or ``dd/mm/yyyy`` dates.

    An eight-digit value that is not a valid calendar date is kept as it is: a typo in a
    date still carries evidence for the edit-distance comparison.
    """
    text = (raw or "").strip()
    for pattern, (yi, mi, di) in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            parts = found.groups()
            year, month, day = parts[yi], parts[mi], parts[di]
            value = f"{int(year):04d}{int(month):02d}{int(day):02d}"
            return value if _is_date(value) or text.isdigit() else None
    return None


def _is_date(value: str) -> bool:
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=262_144)
def _names(first: str | None, last: str | None) -> tuple[str | None, str | None]:
    if not first and not last:
        return None, None
    person = nz.normalize_person_name(first or "", last or "")
    return (person.first or None, person.last or None)


@lru_cache(maxsize=65_536)
def _address(
    street: str | None, postcode: str | None, city: str | None, country: str | None, default: str
) -> nz.Address:
    return nz.normalize_address(street or "", postcode or "", city or "", country or "", default)


@lru_cache(maxsize=65_536)
def _company(raw: str) -> str | None:
    return nz.normalize_company(raw) or None


@lru_cache(maxsize=65_536)
def _fold(raw: str) -> str | None:
    return nz.fold(raw) or None


def _domain(website: str | None) -> str | None:
    """The web domain of the record's website. Not taken from the e-mail address: that would
    count one piece of evidence twice."""
    return nz.normalize_domain(website) if website else None


def _extra_value(kind: ExtraKind, raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    if kind is ExtraKind.DATE:
        return normalize_birthday(raw)
    if kind in (ExtraKind.ID, ExtraKind.NUMBER):
        return "".join(raw.split()).lower() or None
    return _fold(raw)


def build_profile(
    ref: SourceRef, values: Mapping[str, str | None], settings: MatchSettings
) -> Profile:
    """Normalise one record's canonical fields (and extras, external ids) into a Profile."""
    first, last = _names(_clean(values.get("first_name")), _clean(values.get("last_name")))
    email_raw = _clean(values.get("email"))
    email = nz.normalize_email(email_raw, settings.email_rules) if email_raw else None
    phone_raw = _clean(values.get("phone"))
    phone = nz.normalize_phone(phone_raw, settings.default_region) if phone_raw else None
    address = _address(
        _clean(values.get("street")),
        _clean(values.get("postcode")),
        _clean(values.get("city")),
        _clean(values.get("country")),
        settings.default_country,
    )
    company_raw = _clean(values.get("company"))
    return Profile(
        ref=ref,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        street=address.street or None,
        house_number=_clean(values.get("house_number")) or address.house_number or None,
        postcode=address.postcode or None,
        city=address.city or None,
        country=address.country or None,
        birthday=normalize_birthday(_clean(values.get("birthday"))),
        company=_company(company_raw) if company_raw else None,
        domain=_domain(_clean(values.get("website"))),
        external_ids=_external_ids(values),
        extras=tuple(
            (name, _extra_value(kind, values.get(name))) for name, kind in settings.extras
        ),
    )


def _clean(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    return text or None


def _external_ids(values: Mapping[str, str | None]) -> tuple[tuple[str, str], ...]:
    found = []
    for name, raw in values.items():
        value = _clean(raw)
        if name.startswith(EXTERNAL_ID_PREFIX) and value:
            found.append((name[len(EXTERNAL_ID_PREFIX) :], value))
    return tuple(sorted(found))
