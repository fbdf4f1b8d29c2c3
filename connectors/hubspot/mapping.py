"""Pure translations between HubSpot's string-typed values and crmsync's typed records.

HubSpot sends every value as a string; the property definition says what it means
(https://developers.hubspot.com/docs/faq/how-should-timestamps-be-formatted-for-hubspots-apis):
a ``date`` is midnight UTC, so it is decoded to a :class:`date` without any time-zone step.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from connectors.base import (
    Consent,
    ConsentStatus,
    FailureKind,
    FieldValue,
    Record,
    Rejected,
    WriteFailure,
)
from connectors.hubspot.models import ApiError, HubSpotObject, PropertyDefinition
from connectors.toolkit.timestamps import (
    date_to_epoch_ms,
    from_epoch_ms,
    parse_iso8601,
    to_epoch_ms,
)

Schema = Mapping[str, PropertyDefinition]
OPT_OUT = "hs_email_optout"
MERGED_IDS = "hs_merged_object_ids"
_BOOKKEEPING = frozenset({OPT_OUT, MERGED_IDS})


class UndecodableError(ValueError):
    """A value that does not fit its property's type; the message names the property only."""


def decode_value(raw: str | None, prop: PropertyDefinition | None) -> FieldValue:
    """The Python value of ``raw``; ``""`` and null both mean "no value"."""
    if raw is None or raw == "":
        return None
    kind = prop.type if prop else "string"
    field_type = prop.fieldType if prop else ""
    try:
        if kind == "number":
            return _number(raw)
        if kind == "date":
            return _date(raw)
        if kind == "datetime":
            return _datetime(raw)
        if kind == "bool" or field_type == "booleancheckbox":
            return {"true": True, "false": False}[raw.strip().lower()]
        if kind == "enumeration" and field_type == "checkbox":
            return tuple(part for part in raw.split(";") if part)
    except (ValueError, KeyError, InvalidOperation, OverflowError):
        name = prop.name if prop else "value"
        raise UndecodableError(f"{name}: not a valid {kind}") from None
    return raw


def encode_value(value: FieldValue) -> str:
    """The string HubSpot expects; None becomes ``""``, which clears the property."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(to_epoch_ms(value))
    if isinstance(value, date):
        return str(date_to_epoch_ms(value))
    if isinstance(value, tuple):
        return ";".join(value)
    return str(value)


def to_record(item: Mapping[str, Any], schema: Schema, modified_property: str) -> Record | Rejected:
    """A record, or a :class:`Rejected` naming the first property that did not decode."""
    try:
        obj = HubSpotObject.model_validate(item)
    except ValidationError:
        return Rejected("object: not a HubSpot record", _raw_id(item), dict(item))
    try:
        fields = {
            name: decode_value(raw, schema.get(name))
            for name, raw in obj.properties.items()
            if name not in _BOOKKEEPING
        }
        modified = _datetime(obj.properties[modified_property] or "")
    except UndecodableError as problem:
        return Rejected(str(problem), obj.id, dict(item))
    except (KeyError, ValueError, OverflowError):
        return Rejected(f"{modified_property}: not a valid datetime", obj.id, dict(item))
    return Record(
        external_id=obj.id,
        fields=fields,
        modified_at=modified,
        consent=consent_of(obj.properties),
        is_deleted=obj.archived,
        previous_ids=previous_ids(obj),
    )


def consent_of(properties: Mapping[str, str | None]) -> tuple[Consent, ...]:
    """An explicit email opt-out, or no claim at all: "not opted out" is not an opt-in."""
    if (properties.get(OPT_OUT) or "").lower() == "true":
        return (Consent("email", ConsentStatus.WITHDRAWN, source_status=OPT_OUT),)
    return ()


def previous_ids(obj: HubSpotObject) -> tuple[str, ...]:
    merged = obj.properties.get(MERGED_IDS) or ""
    return tuple(part for part in merged.split(";") if part and part != obj.id)


def modified_ms(item: Mapping[str, Any], modified_property: str) -> int | None:
    """The modification time used to walk the search index, or None when it is unreadable."""
    properties = item.get("properties") or {}
    for raw in (properties.get(modified_property), item.get("updatedAt")):
        try:
            return to_epoch_ms(_datetime(str(raw or "")))
        except (ValueError, OverflowError):
            continue
    return None


def failure_of(error: ApiError) -> WriteFailure:
    """A write failure typed by what the engine should do; the message holds no values."""
    code = next((d.code for d in error.errors if d.code), None) or error.category
    names = sorted({str(n) for d in error.errors for n in d.context.get("propertyName") or []})
    message = f"{error.category}: {code}" + (f" on {', '.join(names)}" if names else "")
    if error.category == "VALIDATION_ERROR":
        return WriteFailure(FailureKind.REJECTED, code, message)
    if error.category in ("CONFLICT", "OBJECT_NOT_FOUND"):
        return WriteFailure(FailureKind.CONFLICT, code, message)
    return WriteFailure(FailureKind.RETRYABLE, code, message)


def _number(raw: str) -> int | Decimal:
    text = raw.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    number = Decimal(text)
    if not number.is_finite():
        raise ValueError("not finite")
    return number


def _date(raw: str) -> date:
    text = raw.strip()
    if _is_epoch(text):
        moment = from_epoch_ms(text)
        if (moment.hour, moment.minute, moment.second, moment.microsecond) != (0, 0, 0, 0):
            raise ValueError("a date must be midnight UTC")
        return moment.date()
    return (
        date.fromisoformat(text[:10])
        if len(text) > 10 and text[10] == "T"
        else date.fromisoformat(text)
    )


def _datetime(raw: str) -> datetime:
    text = raw.strip()
    if _is_epoch(text):
        return from_epoch_ms(text)
    return parse_iso8601(text).astimezone(UTC)


def _raw_id(item: Mapping[str, Any]) -> str | None:
    raw = item.get("id")
    return str(raw) if raw is not None else None


def _is_epoch(text: str) -> bool:
    """Epoch milliseconds, negative before 1970 (birthdays are)."""
    return text.removeprefix("-").isdigit()
