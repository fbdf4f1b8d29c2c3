"""How a vendor-neutral :class:`SeedPerson` looks as a HubSpot contact or company."""

from __future__ import annotations

from connectors.toolkit.sandbox import SeedPerson

_OPTED_OUT = ("unsubscribed", "cleaned")


def contact_properties(person: SeedPerson) -> dict[str, str]:
    """Contact properties of a seed person; an unsubscribed or cleaned one is opted out."""
    values = {
        "email": person.email,
        "firstname": person.first_name,
        "lastname": person.last_name,
        "phone": person.phone,
        "company": person.company,
        "jobtitle": person.job_title,
        "address": person.street,
        "zip": person.postcode,
        "city": person.city,
        "country": person.country,
        "date_of_birth": person.birthday.isoformat() if person.birthday else None,
        "lifecyclestage": person.lifecycle_stage,
        "hubspotscore": str(person.rating) if person.rating is not None else None,
    }
    if person.email_status in _OPTED_OUT:
        values["hs_email_optout"] = "true"
    return {k: v for k, v in values.items() if v}


def company_properties(person: SeedPerson) -> dict[str, str]:
    """A company for a seed person: the one they work for, at their email's domain."""
    domain = person.email.rpartition("@")[2] if person.email else None
    values = {
        "name": person.company or f"{person.last_name or 'Unnamed'} Holdings",
        "domain": domain,
        "phone": person.phone,
        "city": person.city,
        "country": person.country,
    }
    return {k: v for k, v in values.items() if v}
