"""The simulated portal's property definitions and how HubSpot validates and stores values.

HubSpot keeps every value as a string; on write it checks the value against the property's
type (a ``date`` must be midnight UTC, an enumeration must name an option) and answers
``VALIDATION_ERROR`` per record. Stored values are normalised the way the v3 API returns
them: dates as ``YYYY-MM-DD``, datetimes as ISO 8601 UTC with milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.toolkit.timestamps import format_iso8601_ms, parse_iso8601

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_VALUE_LENGTH = 65_536
"""HubSpot stores a property value of up to 65,536 characters and refuses a longer one.
Within that it takes any JSON string: control characters, NUL, escaped lone surrogates."""


@dataclass(frozen=True, slots=True)
class PropertyDef:
    name: str
    type: str
    field_type: str
    options: tuple[str, ...] = ()
    is_unique: bool = False
    is_read_only: bool = False

    def as_json(self, object_type: str) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.name.replace("_", " ").title(),
            "type": self.type,
            "fieldType": self.field_type,
            "groupName": f"{object_type[:-1]}information",
            "options": [
                {"label": o.title(), "value": o, "hidden": False, "displayOrder": i}
                for i, o in enumerate(self.options)
            ],
            "hasUniqueValue": self.is_unique,
            "calculated": False,
            "hidden": False,
            "modificationMetadata": {
                "archivable": True,
                "readOnlyDefinition": True,
                "readOnlyValue": self.is_read_only,
            },
        }


class InvalidValueError(Exception):
    """A property value HubSpot would refuse; ``code`` is HubSpot's error code."""

    def __init__(self, code: str, prop: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.prop = prop


def _text(name: str) -> PropertyDef:
    return PropertyDef(name, "string", "text")


def _system(name: str, type_: str, field_type: str) -> PropertyDef:
    return PropertyDef(name, type_, field_type, is_read_only=True)


STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)

_SHARED = (
    _system("hs_object_id", "number", "number"),
    _system("createdate", "datetime", "date"),
    _system("hs_merged_object_ids", "enumeration", "checkbox"),
    PropertyDef("phone", "string", "phonenumber"),
    _text("city"),
    _text("country"),
)

CONTACT_PROPERTIES = (
    *_SHARED,
    _system("lastmodifieddate", "datetime", "date"),
    _system("hs_email_optout", "bool", "booleancheckbox"),
    PropertyDef("email", "string", "text", is_unique=True),
    *(_text(n) for n in ("firstname", "lastname", "company", "jobtitle", "address", "zip")),
    PropertyDef("date_of_birth", "date", "date"),
    PropertyDef("lifecyclestage", "enumeration", "radio", STAGES),
    PropertyDef("hubspotscore", "number", "number"),
    PropertyDef("interests", "enumeration", "checkbox", ("news", "events", "offers")),
    PropertyDef("is_vip", "bool", "booleancheckbox"),
    # Custom properties a portal admin creates for the engagement crmsync brings from the MA.
    PropertyDef("crmsync_email_open_rate", "number", "number"),
    PropertyDef("crmsync_email_click_rate", "number", "number"),
    PropertyDef("crmsync_engagement_rating", "number", "number"),
)

COMPANY_PROPERTIES = (
    *_SHARED,
    _system("hs_lastmodifieddate", "datetime", "date"),
    _text("name"),
    _text("domain"),
    PropertyDef("industry", "enumeration", "select", ("software", "retail", "manufacturing")),
    PropertyDef("numberofemployees", "number", "number"),
    PropertyDef("annualrevenue", "number", "number"),
    # A custom property with unique values, as an admin creates one for idempotent upserts.
    PropertyDef("company_key", "string", "text", is_unique=True),
)

SCHEMAS: dict[str, dict[str, PropertyDef]] = {
    "contacts": {p.name: p for p in CONTACT_PROPERTIES},
    "companies": {p.name: p for p in COMPANY_PROPERTIES},
}
MODIFIED_PROPERTY = {"contacts": "lastmodifieddate", "companies": "hs_lastmodifieddate"}
DEFAULT_PROPERTIES = {
    "contacts": (
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
}


def normalise(prop: PropertyDef, raw: object) -> str:
    """The stored form of ``raw``, or :class:`InvalidValueError`; ``""`` clears a value."""
    if raw is None or raw == "":
        return ""
    value = str(raw).strip() if not isinstance(raw, bool) else str(raw).lower()
    if len(value) > MAX_VALUE_LENGTH:
        message = f"{prop.name} is longer than {MAX_VALUE_LENGTH} characters"
        raise InvalidValueError("INVALID_LENGTH", prop.name, message)
    if prop.type == "number":
        return _number(prop, value)
    if prop.type == "date":
        return _date(prop, value).isoformat()
    if prop.type == "datetime":
        return format_iso8601_ms(_datetime(prop, value))
    if prop.type == "bool":
        if value not in ("true", "false"):
            raise InvalidValueError("INVALID_BOOLEAN", prop.name, f"{value!r} is not a boolean")
        return value
    if prop.type == "enumeration":
        return _options(prop, value)
    if prop.name == "email":
        if not EMAIL.match(value):
            raise InvalidValueError("INVALID_EMAIL", prop.name, f"Email address {value} is invalid")
        return value.lower()
    return value


def _number(prop: PropertyDef, value: str) -> str:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise InvalidValueError(
            "INVALID_INTEGER", prop.name, f"{value!r} is not a number"
        ) from None
    if not number.is_finite():
        raise InvalidValueError("INVALID_INTEGER", prop.name, f"{value!r} is not a number")
    return value


def _date(prop: PropertyDef, value: str) -> date:
    if _is_epoch(value):
        moment = datetime.fromtimestamp(int(value) / 1000, tz=UTC)
        if moment.time() != datetime.min.time():
            raise InvalidValueError(
                "INVALID_DATE", prop.name, f"{value} is not a valid date, must be midnight UTC"
            )
        return moment.date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValueError("INVALID_DATE", prop.name, f"{value!r} is not a date") from None


def _datetime(prop: PropertyDef, value: str) -> datetime:
    if _is_epoch(value):
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    try:
        return parse_iso8601(value)
    except ValueError:
        raise InvalidValueError(
            "INVALID_DATETIME", prop.name, f"{value!r} is no datetime"
        ) from None


def _options(prop: PropertyDef, value: str) -> str:
    chosen = value.split(";") if prop.field_type == "checkbox" else [value]
    if prop.options:
        for option in chosen:
            if option not in prop.options:
                message = f"{option!r} was not one of the allowed options"
                raise InvalidValueError("INVALID_OPTION", prop.name, message)
    return value


def _is_epoch(text: str) -> bool:
    """Epoch milliseconds, negative before 1970 (birthdays are)."""
    return text.removeprefix("-").isdigit()
