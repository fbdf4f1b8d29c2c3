"""Pure decoding of Mailchimp members into records: merge fields by type, tags, stats, consent.

Merge fields are decoded by the type the audience declares (``GET /lists/{id}/merge-fields``),
never by tag name, because FNAME/LNAME/ADDRESS can be renamed or deleted. Record fields keep
Mailchimp's names: ``merge_fields.<TAG>``, ``merge_fields.<TAG>.<part>`` for addresses,
``tags``, ``stats.avg_open_rate``, ``member_rating`` and so on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from connectors.base import Consent, ConsentStatus, FieldValue, Record, Rejected
from connectors.mailchimp.models import MemberPayload, MergeFieldDefinition
from connectors.toolkit.timestamps import parse_iso8601

CHANNEL = "email"
ADDRESS_PARTS = ("addr1", "addr2", "city", "state", "zip", "country")
ADDRESS_REQUIRED = frozenset({"addr1", "city", "state", "zip"})
"""Mailchimp refuses an address without these parts, even when only one part changes."""
_TEXT_TYPES = frozenset({"text", "phone", "url", "imageurl", "zip", "radio", "dropdown"})
_DAY_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{4}))?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class DecodeError(ValueError):
    """A vendor value that cannot be decoded; the message names the field, never the value."""


@dataclass(frozen=True, slots=True)
class MergeSpec:
    tag: str
    type: str
    date_format: str | None = None


@dataclass(frozen=True, slots=True)
class MergeSchema:
    """An audience's merge fields by tag."""

    fields: Mapping[str, MergeSpec]

    @classmethod
    def from_definitions(cls, definitions: Iterable[MergeFieldDefinition]) -> MergeSchema:
        return cls({d.tag: MergeSpec(d.tag, d.type, d.options.date_format) for d in definitions})


def subscriber_hash(email: str) -> str:
    """A member's id: the MD5 of the lower-cased address."""
    return hashlib.md5(email.lower().encode()).hexdigest()


def decode_member(item: Mapping[str, Any], schema: MergeSchema) -> Record | Rejected:
    """One member as a record, or as a rejected item with a reason free of personal data."""
    raw_id = item.get("id")
    external_id = raw_id if isinstance(raw_id, str) else None
    try:
        payload = MemberPayload.model_validate(item)
        return _record(payload, schema)
    except ValidationError as exc:
        return Rejected(_validation_reason(exc), external_id, dict(item))
    except DecodeError as exc:
        return Rejected(str(exc), external_id, dict(item))


def _record(payload: MemberPayload, schema: MergeSchema) -> Record:
    changed_at = _time(payload.last_changed, "last_changed")
    if changed_at is None:
        raise DecodeError("last_changed: missing")
    opted_at = _time(payload.timestamp_opt, "timestamp_opt")
    fields: dict[str, FieldValue] = {"email_address": payload.email_address}
    for tag, raw in payload.merge_fields.items():
        fields.update(decode_merge(schema.fields.get(tag) or MergeSpec(tag, "text"), raw))
    fields["tags"] = tuple(sorted(t.name for t in payload.tags))
    stats = payload.stats
    fields["stats.avg_open_rate"] = stats.avg_open_rate if stats else None
    fields["stats.avg_click_rate"] = stats.avg_click_rate if stats else None
    fields["member_rating"] = payload.member_rating
    fields["language"] = payload.language or None
    fields["vip"] = payload.vip
    fields["email_type"] = payload.email_type or None
    fields["timestamp_opt"] = opted_at
    fields["timestamp_signup"] = _time(payload.timestamp_signup, "timestamp_signup")
    return Record(
        external_id=payload.id,
        fields=fields,
        modified_at=changed_at,
        consent=consent_for(payload.status, opted_at=opted_at, changed_at=changed_at),
        is_deleted=payload.status == "archived",
    )


def consent_for(
    status: str, *, opted_at: datetime | None, changed_at: datetime | None
) -> tuple[Consent, ...]:
    """Mailchimp's status as e-mail consent; an archived member states none."""
    if status == "subscribed":
        return (Consent(CHANNEL, ConsentStatus.GRANTED, opted_at or changed_at),)
    if status == "pending":
        return (Consent(CHANNEL, ConsentStatus.PENDING, changed_at),)
    if status == "unsubscribed":
        return (Consent(CHANNEL, ConsentStatus.WITHDRAWN, changed_at),)
    if status == "cleaned":
        # A hard bounce or abuse report: the address must not be mailed again.
        return (Consent(CHANNEL, ConsentStatus.WITHDRAWN, changed_at, source_status="cleaned"),)
    if status == "transactional":
        # A contact without marketing consent: neither a grant nor a withdrawal.
        unknown = ConsentStatus.UNKNOWN
        return (Consent(CHANNEL, unknown, changed_at, is_explicit=False, source_status=status),)
    return ()


def decode_merge(spec: MergeSpec, raw: Any) -> dict[str, FieldValue]:
    """One merge value by its type; an address becomes one field per part."""
    name = f"merge_fields.{spec.tag}"
    if spec.type == "address":
        return _address(name, raw)
    if raw is None or raw == "":
        return {name: None}
    if spec.type == "number":
        return {name: _number(name, raw)}
    if spec.type == "date":
        return {name: _date(name, raw, spec.date_format or "MM/DD/YYYY")}
    if spec.type == "birthday":
        return {name: _birthday(name, raw, spec.date_format or "MM/DD")}
    if (
        spec.type in _TEXT_TYPES
        and isinstance(raw, str | int | float)
        and not isinstance(raw, bool)
    ):
        return {name: str(raw)}
    raise DecodeError(f"{name}: not a {spec.type} value")


def _address(name: str, raw: Any) -> dict[str, FieldValue]:
    if raw is None or raw == "":
        return {f"{name}.{part}": None for part in ADDRESS_PARTS}
    if not isinstance(raw, dict):
        raise DecodeError(f"{name}: not an address object")
    return {f"{name}.{part}": (str(raw.get(part) or "") or None) for part in ADDRESS_PARTS}


def _number(name: str, raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise DecodeError(f"{name}: not a number")
    if isinstance(raw, int | float):
        return raw
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise DecodeError(f"{name}: not a number") from None
    return int(value) if value.is_integer() else value


def _date(name: str, raw: Any, date_format: str) -> date:
    text = str(raw).strip()
    iso = _ISO_DATE.match(text)
    parts = day_month(text, date_format)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if parts is not None and parts[2] is not None:
            return date(parts[2], parts[0], parts[1])
    except ValueError:
        pass
    raise DecodeError(f"{name}: not a date in {date_format}")


def _birthday(name: str, raw: Any, date_format: str) -> str:
    """A birthday has no year: ISO 8601's ``--MM-DD``, never a date with an invented year."""
    parts = day_month(str(raw).strip(), date_format)
    if parts is None or not _is_day_of_year(parts[0], parts[1]):
        raise DecodeError(f"{name}: not a birthday in {date_format}")
    return f"--{parts[0]:02d}-{parts[1]:02d}"


def day_month(text: str, date_format: str) -> tuple[int, int, int | None] | None:
    """``(month, day, year)`` from ``MM/DD[/YYYY]`` or ``DD/MM[/YYYY]`` as the format says."""
    match = _DAY_MONTH.match(text)
    if match is None:
        return None
    first, second = int(match[1]), int(match[2])
    year = int(match[3]) if match[3] else None
    if date_format.startswith("DD"):
        return second, first, year
    return first, second, year


def _is_day_of_year(month: int, day: int) -> bool:
    try:
        date(2000, month, day)  # a leap year, so 02/29 counts
    except ValueError:
        return False
    return True


def _time(raw: str | None, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        return parse_iso8601(raw)
    except ValueError:
        raise DecodeError(f"{name}: not an ISO 8601 time") from None


def _validation_reason(exc: ValidationError) -> str:
    """Where and what kind of problem, without the offending values."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'member'}: {e['type']}" for e in exc.errors()
    )
