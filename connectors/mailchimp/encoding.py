"""Pure encoding of write ops into Mailchimp member bodies, and of consent into a member status.

Only the fields an op carries are sent. Merge values are encoded by the audience's declared
type (dates in the field's ``date_format``, birthdays as ``MM/DD``, address parts joined into
one object). A status is sent only when the op states consent: an op without consent must
never change a member's subscription (unknown is neither an opt-in nor an opt-out).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from connectors.base import ConfigurationError, ConsentStatus, FieldValue, WriteOp
from connectors.mailchimp.mapping import (
    ADDRESS_PARTS,
    CHANNEL,
    MergeSchema,
    MergeSpec,
    day_month,
    subscriber_hash,
)

_PLAIN_FIELDS = frozenset({"language", "vip", "email_type"})
_STATUS_FOR = {
    ConsentStatus.GRANTED: "subscribed",
    ConsentStatus.WITHDRAWN: "unsubscribed",
    ConsentStatus.PENDING: "pending",
}


class EncodeError(ValueError):
    """An op that cannot become a member write; ``code`` is stable, the message free of PII."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class MemberChange:
    """One upsert, ready for the wire.

    ``member_id`` is the hash the member has after the write; ``previous_id`` is set when the
    op changes the address of a member we know by its old hash. ``email`` is None when the op
    names the member only by id (then it can only be patched by id).
    """

    op: WriteOp
    email: str | None
    member_id: str
    body: Mapping[str, Any]
    status: str | None
    tags: tuple[str, ...] | None = None
    previous_id: str | None = None
    merge_fields: Mapping[str, Any] = field(default_factory=dict)


def encode_change(op: WriteOp, schema: MergeSchema) -> MemberChange:
    """Raises :class:`EncodeError` for this op alone, :class:`ConfigurationError` for mappings."""
    email = _email(op)
    if email is None and op.external_id is None:
        raise EncodeError("missing_email", "the op carries neither an address nor a member id")
    member_id = subscriber_hash(email) if email else str(op.external_id)
    body: dict[str, Any] = {}
    if email is not None:
        body["email_address"] = email
    merges = encode_merges(op.fields, schema)
    if merges:
        body["merge_fields"] = merges
    for name in _PLAIN_FIELDS & op.fields.keys():
        body[name] = op.fields[name]
    unknown = sorted(k for k in op.fields if not _is_writable(k))
    if unknown:
        raise ConfigurationError(f"mailchimp: members cannot be written with {', '.join(unknown)}")
    previous = op.external_id if op.external_id and op.external_id != member_id else None
    return MemberChange(
        op=op,
        email=email,
        member_id=member_id,
        body=body,
        status=status_for(op),
        tags=_tags(op.fields.get("tags")) if "tags" in op.fields else None,
        previous_id=previous,
        merge_fields=merges,
    )


def status_for(op: WriteOp) -> str | None:
    """The member status the op's e-mail consent asks for; None when it states none."""
    stated = [c for c in op.consent if c.channel == CHANNEL]
    if not stated:
        return None
    return _STATUS_FOR.get(stated[-1].status)


def encode_merges(fields: Mapping[str, FieldValue], schema: MergeSchema) -> dict[str, Any]:
    """``merge_fields.<TAG>[.<part>]`` op fields as the ``merge_fields`` object of a body."""
    merges: dict[str, Any] = {}
    for name, value in fields.items():
        if not name.startswith("merge_fields."):
            continue
        tag, _, part = name.removeprefix("merge_fields.").partition(".")
        spec = schema.fields.get(tag)
        if spec is None:
            raise ConfigurationError(f"mailchimp: the audience has no merge field {tag}")
        if spec.type == "address":
            if part not in ADDRESS_PARTS:
                raise ConfigurationError(f"mailchimp: {name} is not an address part")
            address = merges.setdefault(tag, {})
            address[part] = "" if value is None else str(value)
        else:
            merges[tag] = encode_merge(spec, value)
    return merges


def encode_merge(spec: MergeSpec, value: FieldValue) -> Any:
    """One non-address merge value in the form Mailchimp accepts for its type."""
    if value is None:
        return ""
    if spec.type == "number" and isinstance(value, int | float | Decimal):
        number = float(value) if isinstance(value, Decimal) else value
        return int(number) if isinstance(number, float) and number.is_integer() else number
    if spec.type == "date" and isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
        return _format(spec.date_format or "MM/DD/YYYY", day.month, day.day, day.year)
    if spec.type == "birthday":
        return _birthday(spec, value)
    if isinstance(value, tuple):
        return ", ".join(value)
    return value if isinstance(value, str) else str(value)


def _birthday(spec: MergeSpec, value: FieldValue) -> Any:
    fmt = spec.date_format or "MM/DD"
    if isinstance(value, date):
        return _format(fmt, value.month, value.day, None)
    text = str(value)
    if text.startswith("--") and len(text) == 7:
        return _format(fmt, int(text[2:4]), int(text[5:7]), None)
    parts = day_month(text, fmt)
    return _format(fmt, parts[0], parts[1], None) if parts else text


def _format(fmt: str, month: int, day: int, year: int | None) -> str:
    text = fmt.replace("YYYY", f"{year or 0:04d}")
    return text.replace("MM", f"{month:02d}").replace("DD", f"{day:02d}")


def _is_writable(name: str) -> bool:
    if name in _PLAIN_FIELDS or name in ("email_address", "tags"):
        return True
    return name.startswith("merge_fields.")


def _email(op: WriteOp) -> str | None:
    given = op.fields.get("email_address")
    if isinstance(given, str) and given.strip():
        return given.strip()
    return op.key.strip() if op.key and op.key.strip() else None


def _tags(value: FieldValue) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, tuple):
        return tuple(sorted({t for t in value if t}))
    return tuple(sorted({t.strip() for t in str(value).split(";") if t.strip()}))
