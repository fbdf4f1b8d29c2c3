"""A person as one system records them: the fields that system keeps and the ones it adds."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from connectors.toolkit.sandbox import EmailStatus, SeedPerson
from sync.demo.contact import format_phone
from sync.demo.names import Weighted, below, words
from sync.demo.people import Person

DEFAULT_AS_OF = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
# fmt: off
LIFECYCLE_STAGES = Weighted.pairs(
    [("subscriber", 30), ("lead", 30), ("marketingqualifiedlead", 12),
     ("salesqualifiedlead", 8), ("opportunity", 6), ("customer", 14)]
)
EMAIL_STATUSES: Weighted[EmailStatus] = Weighted.pairs(
    [("subscribed", 82), ("unsubscribed", 10), ("cleaned", 3), ("pending", 3),
     ("transactional", 2)]
)
# fmt: on
_CRM_OPT_OUT = 0.015
_WORK_EMAIL_SHARE = 0.35
_HISTORY_S = 180 * 86_400


@dataclass(frozen=True, slots=True)
class Shape:
    """Which fields a system keeps, as the share of its records that carry each one."""

    email: float
    phone: float
    address: float
    birthday: float
    company: float
    job_title: float
    is_crm: bool = False
    is_ma: bool = False


CRM_SHAPE = Shape(
    email=0.98, phone=0.75, address=0.85, birthday=0.3, company=1.0, job_title=0.85, is_crm=True
)
MA_SHAPE = Shape(
    email=1.0, phone=0.4, address=0.5, birthday=0.5, company=0.4, job_title=0.0, is_ma=True
)
FILE_SHAPE = Shape(email=0.9, phone=0.7, address=0.9, birthday=0.6, company=0.9, job_title=0.0)


class Base(NamedTuple):
    """What every record of a person starts from (a tuple: built once per person, cheaply)."""

    email: str
    first_name: str
    last_name: str
    phone: str
    company: str | None
    job_title: str | None
    street: str
    postcode: str
    city: str
    country: str
    birthday: date


def base_record(rng: random.Random, person: Person) -> Base:
    """Everything known about ``person``, written once: the copies of a person start alike."""
    email = person.private_email
    if person.work_email and rng.random() < _WORK_EMAIL_SHARE:
        email = person.work_email
    address = person.address
    return Base(
        email, person.first_name,
        person.last_name, format_phone(person.phone, rng),
        person.company.name if person.company else None, person.job_title, address.street,
        address.postcode, address.city, str(address.country), person.birthday,
    )  # fmt: skip


def view(rng: random.Random, base: Base, shape: Shape, as_of: datetime) -> SeedPerson:
    """The record one system holds: ``base`` thinned to the system's fields, plus its own."""
    has_address = rng.random() < shape.address
    status, open_rate, click_rate, rating = _marketing(rng) if shape.is_ma else (None,) * 4
    if shape.is_crm and rng.random() < _CRM_OPT_OUT:
        status = "unsubscribed"
    return SeedPerson(
        email=base.email if rng.random() < shape.email else None,
        first_name=base.first_name,
        last_name=base.last_name,
        phone=base.phone if rng.random() < shape.phone else None,
        company=base.company if rng.random() < shape.company else None,
        job_title=base.job_title if rng.random() < shape.job_title else None,
        street=base.street if has_address else None,
        postcode=base.postcode if has_address else None,
        city=base.city if has_address else None,
        country=base.country,
        birthday=base.birthday if rng.random() < shape.birthday else None,
        lifecycle_stage=LIFECYCLE_STAGES.pick(rng) if shape.is_crm else None,
        email_status=status,
        tags=_tags(rng) if shape.is_ma else (),
        open_rate=open_rate,
        click_rate=click_rate,
        rating=rating,
        modified_at=as_of - timedelta(seconds=int(rng.random() ** 1.6 * _HISTORY_S)),
    )


def _marketing(
    rng: random.Random,
) -> tuple[EmailStatus, float, float, int]:
    """Consent and engagement: most subscribed, engagement skewed low like real audiences."""
    status = EMAIL_STATUSES.pick(rng)
    # Power-law draws: cheap, and skewed low like the open and click rates of real audiences.
    open_rate = round(rng.random() ** 1.8 * (0.25 if status == "cleaned" else 0.85), 3)
    click_rate = round(open_rate * rng.random() ** 2 * 0.5, 3)
    rating = max(1, min(5, round(1 + open_rate * 5 + (rng.random() - 0.5) * 1.6)))
    return status, open_rate, click_rate, rating


def _tags(rng: random.Random) -> tuple[str, ...]:
    count = below(rng, 4)
    if not count:
        return ()
    tags = words("tags")
    return tuple(dict.fromkeys([tags.pick(rng) for _ in range(count)]))
