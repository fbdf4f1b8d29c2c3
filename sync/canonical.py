"""The canonical customer: its built-in fields, their types, and how values are coerced to them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from connectors.base import FieldValue


class FieldType(StrEnum):
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    TAGS = "tags"


BUILTIN_FIELDS: Mapping[str, FieldType] = {
    # person
    "email": FieldType.TEXT,
    "first_name": FieldType.TEXT,
    "last_name": FieldType.TEXT,
    "phone": FieldType.TEXT,
    "mobile_phone": FieldType.TEXT,
    "company": FieldType.TEXT,
    "job_title": FieldType.TEXT,
    "street": FieldType.TEXT,
    "postcode": FieldType.TEXT,
    "city": FieldType.TEXT,
    "country": FieldType.TEXT,
    "website": FieldType.TEXT,
    "birthday": FieldType.DATE,
    "language": FieldType.TEXT,
    "lifecycle_stage": FieldType.TEXT,
    "owner": FieldType.TEXT,
    "crm_id": FieldType.TEXT,
    "tags": FieldType.TAGS,
    "email_open_rate": FieldType.FLOAT,
    "email_click_rate": FieldType.FLOAT,
    "engagement_rating": FieldType.INT,
    "lead_score": FieldType.INT,
    # organisation
    "organisation_name": FieldType.TEXT,
    "domain": FieldType.TEXT,
    "industry": FieldType.TEXT,
    "employees": FieldType.INT,
}
"""Fields every configuration knows; ``canonical_fields`` in the config adds custom ones."""

DERIVED_FIELDS = frozenset({"crm_id"})
"""Fields the engine fills itself (the CRM id comes from the link to the CRM record)."""


class CoercionError(ValueError):
    """A vendor value cannot become the canonical field's type; the record is quarantined."""


def coerce(value: FieldValue, kind: FieldType) -> FieldValue:
    """Convert a decoded vendor value to the canonical type; blank text becomes None."""
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None
        if kind is FieldType.TEXT:
            return stripped  # the common case, without the coercer table
    elif value is None:
        return None
    try:
        converted: FieldValue = _COERCERS[kind](value)
        return converted
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise CoercionError(f"not a {kind.value}") from exc


def _text(value: FieldValue) -> str:
    if isinstance(value, tuple):
        return ";".join(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _int(value: FieldValue) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float | Decimal):
        if value != int(value):
            raise ValueError("fractional")
        return int(value)
    return int(str(value).strip())


def _float(value: FieldValue) -> float:
    return float(str(value).strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]


def _decimal(value: FieldValue) -> Decimal:
    return Decimal(str(value).strip())


def _bool(value: FieldValue) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y", "on"):
        return True
    if text in ("false", "0", "no", "n", "off"):
        return False
    raise ValueError("not a boolean")


def _date(value: FieldValue) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def _datetime(value: FieldValue) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _tags(value: FieldValue) -> tuple[str, ...]:
    items = value if isinstance(value, tuple) else str(value).split(";")
    return tuple(sorted({t.strip() for t in items if t and t.strip()}))


_COERCERS: dict[FieldType, Callable[[FieldValue], FieldValue]] = {
    FieldType.TEXT: _text,
    FieldType.INT: _int,
    FieldType.FLOAT: _float,
    FieldType.DECIMAL: _decimal,
    FieldType.BOOL: _bool,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.TAGS: _tags,
}
