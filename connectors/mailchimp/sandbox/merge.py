"""An audience's merge fields: their definitions and how Mailchimp validates a value for each type.

Values are stored the way the API returns them: text as strings, numbers as numbers, dates in
the field's ``date_format``, birthdays as ``MM/DD`` (or ``DD/MM``), addresses as objects. An
unset field reads back as ``""``. See https://mailchimp.com/developer/marketing/docs/merge-fields/
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connectors.mailchimp.sandbox.errors import ApiError, invalid_resource

ADDRESS_PARTS = ("addr1", "addr2", "city", "state", "zip", "country")
_ADDRESS_REQUIRED = ("addr1", "city", "state", "zip")
_DATE_PATTERNS = {
    "MM/DD/YYYY": (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("m", "d", "y")),
    "DD/MM/YYYY": (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("d", "m", "y")),
    "MM/DD": (re.compile(r"^(\d{1,2})/(\d{1,2})$"), ("m", "d")),
    "DD/MM": (re.compile(r"^(\d{1,2})/(\d{1,2})$"), ("d", "m")),
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TEXT_TYPES = frozenset({"text", "phone", "url", "imageurl", "zip"})


@dataclass
class MergeField:
    """One merge field of an audience, as ``GET /lists/{id}/merge-fields`` describes it."""

    merge_id: int
    tag: str
    name: str
    type: str
    required: bool = False
    default_value: str = ""
    public: bool = True
    display_order: int = 0
    help_text: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    def describe(self, list_id: str) -> dict[str, Any]:
        return {
            "merge_id": self.merge_id,
            "tag": self.tag,
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default_value": self.default_value,
            "public": self.public,
            "display_order": self.display_order,
            "options": dict(self.options),
            "help_text": self.help_text,
            "list_id": list_id,
        }


def default_merge_fields() -> list[MergeField]:
    """The fields a new audience has, plus COMPANY and CRMID that a CRM sync adds."""
    specs: list[tuple[str, str, str, dict[str, Any]]] = [
        ("FNAME", "First Name", "text", {"size": 25}),
        ("LNAME", "Last Name", "text", {"size": 25}),
        ("ADDRESS", "Address", "address", {"default_country": 164}),
        ("PHONE", "Phone Number", "phone", {"phone_format": "none"}),
        ("BIRTHDAY", "Birthday", "birthday", {"date_format": "MM/DD"}),
        ("COMPANY", "Company", "text", {"size": 25}),
        ("CRMID", "CRM id", "text", {"size": 25}),
    ]
    return [
        MergeField(merge_id=i + 1, tag=tag, name=name, type=kind, display_order=i + 2, options=opt)
        for i, (tag, name, kind, opt) in enumerate(specs)
    ]


def normalise(spec: MergeField, value: Any) -> Any:
    """The stored form of ``value`` for ``spec``; raises :class:`ApiError` (400) when invalid."""
    if value is None or value == "":
        return ""
    if spec.type in _TEXT_TYPES:
        return _text(spec, value)
    if spec.type in ("radio", "dropdown"):
        return _choice(spec, value)
    if spec.type == "number":
        return _number(spec, value)
    if spec.type == "date":
        return _date(spec, value)
    if spec.type == "birthday":
        return _birthday(spec, value)
    if spec.type == "address":
        return _address(spec, value)
    raise _field_error(spec, "unsupported merge field type")


def _field_error(spec: MergeField, message: str) -> ApiError:
    detail = (
        "The resource submitted could not be validated. "
        "For field-specific details, see the 'errors' array."
    )
    return invalid_resource(detail, errors=[{"field": spec.tag, "message": message}])


def _text(spec: MergeField, value: Any) -> str:
    if isinstance(value, dict | list | bool):
        raise _field_error(spec, "Please enter a text value.")
    return str(value)


def _choice(spec: MergeField, value: Any) -> str:
    text = _text(spec, value)
    if text not in spec.options.get("choices", []):
        raise _field_error(spec, "Please choose one of the listed options.")
    return text


def _number(spec: MergeField, value: Any) -> int | float:
    if isinstance(value, bool):
        raise _field_error(spec, "Please enter a number.")
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        raise _field_error(spec, "Please enter a number.") from None
    return int(number) if number.is_integer() else number


def _date(spec: MergeField, value: Any) -> str:
    fmt = spec.options.get("date_format", "MM/DD/YYYY")
    parts = _parse_parts(str(value), fmt) or _parse_iso(str(value))
    if parts is None or not _is_valid(parts.get("y", 2000), parts["m"], parts["d"]):
        raise _field_error(spec, f"Please enter the date in the format {fmt}.")
    return format_date(fmt, parts)


def _birthday(spec: MergeField, value: Any) -> str:
    fmt = spec.options.get("date_format", "MM/DD")
    parts = _parse_parts(str(value), fmt)
    # 2000 is a leap year, so 02/29 is a valid birthday.
    if parts is None or not _is_valid(2000, parts["m"], parts["d"]):
        raise _field_error(spec, f"Please enter the birthday in the format {fmt}.")
    return format_date(fmt, parts)


def _address(spec: MergeField, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _field_error(spec, "Please enter a complete address.")
    address = {part: str(value.get(part) or "") for part in ADDRESS_PARTS}
    if any(not address[part] for part in _ADDRESS_REQUIRED):
        raise _field_error(spec, "Please enter a complete address.")
    address["country"] = address["country"] or "US"
    return address


def _parse_parts(raw: str, fmt: str) -> dict[str, int] | None:
    pattern, order = _DATE_PATTERNS.get(fmt, _DATE_PATTERNS["MM/DD/YYYY"])
    match = pattern.match(raw.strip())
    if match is None:
        return None
    return {name: int(group) for name, group in zip(order, match.groups(), strict=True)}


def _parse_iso(raw: str) -> dict[str, int] | None:
    match = _ISO_DATE.match(raw.strip())
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    return {"y": year, "m": month, "d": day}


def _is_valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def format_date(fmt: str, parts: dict[str, int]) -> str:
    """Render ``{y, m, d}`` in a Mailchimp date format such as ``DD/MM/YYYY`` or ``MM/DD``."""
    text = fmt.replace("YYYY", f"{parts.get('y', 0):04d}")
    return text.replace("MM", f"{parts['m']:02d}").replace("DD", f"{parts['d']:02d}")
