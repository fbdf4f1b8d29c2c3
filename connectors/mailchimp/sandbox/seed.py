"""Vendor-neutral seed people as Mailchimp members: merge fields, status, tags and stats."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from connectors.mailchimp.sandbox.member import Member, subscriber_hash
from connectors.toolkit.sandbox import SeedPerson


def member_from_seed(
    person: SeedPerson,
    *,
    now: int,
    web_id: int,
    tag_id: Callable[[str], int],
    merge_tags: Collection[str],
) -> Member:
    """The member Mailchimp would hold for ``person``; the CRM id goes into ``CRMID``."""
    if not person.email:
        raise ValueError("a Mailchimp member needs an email address")
    stamp = int(person.modified_at.timestamp()) if person.modified_at else now
    status = person.email_status or "subscribed"
    merges = {tag: value for tag, value in merge_values(person).items() if tag in merge_tags}
    return Member(
        id=subscriber_hash(person.email),
        email_address=person.email,
        status=status,
        last_changed=stamp,
        web_id=web_id,
        merge_fields=merges,
        tags={name: (tag_id(name), stamp) for name in person.tags},
        member_rating=person.rating if person.rating is not None else 2,
        avg_open_rate=person.open_rate or 0.0,
        avg_click_rate=person.click_rate or 0.0,
        timestamp_signup=stamp,
        timestamp_opt=stamp if status == "subscribed" else None,
    )


def merge_values(person: SeedPerson) -> dict[str, Any]:
    """Merge field values of a person, ``""`` where the person gives none."""
    birthday = person.birthday
    return {
        "FNAME": person.first_name or "",
        "LNAME": person.last_name or "",
        "PHONE": person.phone or "",
        "COMPANY": person.company or "",
        "CRMID": person.crm_ref or "",
        "BIRTHDAY": f"{birthday.month:02d}/{birthday.day:02d}" if birthday else "",
        "ADDRESS": _address(person),
    }


def _address(person: SeedPerson) -> dict[str, str] | str:
    if not any((person.street, person.postcode, person.city, person.country)):
        return ""
    return {
        "addr1": person.street or "",
        "addr2": "",
        "city": person.city or "",
        "state": "",
        "zip": person.postcode or "",
        "country": person.country or "",
    }
