"""Request bodies and query strings of the members API, checked and turned into state inputs."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.mailchimp.sandbox import errors
from connectors.mailchimp.sandbox.errors import ApiError
from connectors.mailchimp.sandbox.member import STATUSES
from connectors.mailchimp.sandbox.state import MemberInput, MemberQuery

MAX_COUNT = 1000
_PATCH_STATUSES = STATUSES - {"transactional"}


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"null")
        # Mailchimp's JSON parser refuses an escaped lone surrogate ("\ud800") as malformed.
        json.dumps(body, ensure_ascii=False).encode()
    except (ValueError, UnicodeEncodeError):
        raise ApiError(
            400, "JSON Parse Error", "We encountered an unspecified JSON parsing error."
        ) from None
    if not isinstance(body, dict):
        raise ApiError(400, "JSON Parse Error", "The request body must be a JSON object.")
    return body


def member_input(body: Mapping[str, Any], *, for_patch: bool = False) -> MemberInput:
    """The writable fields of a member body; wrong types are a 400 like Mailchimp's."""
    allowed = _PATCH_STATUSES if for_patch else STATUSES
    status = _optional(body, "status", str)
    if status is not None and status not in allowed:
        raise _invalid("status", "Value must be one of: " + ", ".join(sorted(allowed)))
    email_type = _optional(body, "email_type", str)
    if email_type is not None and email_type not in ("html", "text"):
        raise _invalid("email_type", "Value must be one of: html, text")
    return MemberInput(
        email_address=_optional(body, "email_address", str),
        status=status,
        merge_fields=_optional(body, "merge_fields", dict),
        language=_optional(body, "language", str),
        vip=_optional(body, "vip", bool),
        email_type=email_type,
    )


def status_if_new(body: Mapping[str, Any]) -> str | None:
    value = body.get("status_if_new")
    if value is not None and value not in STATUSES:
        raise _invalid("status_if_new", "Value must be one of: " + ", ".join(sorted(STATUSES)))
    return None if value is None else str(value)


def member_query(params: Mapping[str, str]) -> MemberQuery:
    count = _integer(params, "count", 10)
    if count > MAX_COUNT:
        raise _invalid("count", f"Must be at most {MAX_COUNT}.")
    status = params.get("status")
    if status is not None and status not in STATUSES | {"archived"}:
        raise _invalid("status", "Unknown status.")
    sort_field = params.get("sort_field")
    if sort_field not in (None, "timestamp_opt", "timestamp_signup", "last_changed"):
        raise _invalid("sort_field", "Unknown sort field.")
    sort_dir = params.get("sort_dir", "ASC")
    if sort_dir not in ("ASC", "DESC"):
        raise _invalid("sort_dir", "Value must be ASC or DESC.")
    since = _time(params, "since_last_changed")
    before = _time(params, "before_last_changed")
    return MemberQuery(
        count=count,
        offset=_integer(params, "offset", 0),
        status=status,
        since_last_changed=math.floor(since) if since is not None else None,
        before_last_changed=math.ceil(before) if before is not None else None,
        sort_field=sort_field,
        sort_dir=sort_dir,
    )


def tag_changes(body: Mapping[str, Any]) -> list[tuple[str, bool]]:
    tags = body.get("tags")
    if not isinstance(tags, list):
        raise _invalid("tags", "This value is required.")
    changes = []
    for tag in tags:
        if not isinstance(tag, dict) or not isinstance(tag.get("name"), str):
            raise _invalid("tags", "Each tag needs a name and a status.")
        if tag.get("status") not in ("active", "inactive"):
            raise _invalid("tags", "Status must be active or inactive.")
        changes.append((tag["name"], tag["status"] == "active"))
    return changes


def _optional(body: Mapping[str, Any], key: str, kind: type) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, kind):
        raise _invalid(key, f"Expected a value of type {kind.__name__}.")
    return value


def _integer(params: Mapping[str, str], key: str, default: int) -> int:
    raw = params.get(key)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(key, "Expected an integer.") from None
    if value < 0:
        raise _invalid(key, "Must not be negative.")
    return value


def _time(params: Mapping[str, str], key: str) -> float | None:
    raw = params.get(key)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(key, "Expected an ISO 8601 time.") from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _invalid(field: str, message: str) -> ApiError:
    return errors.invalid_resource(
        "The resource submitted could not be validated. For field-specific details, "
        "see the 'errors' array.",
        errors=[{"field": field, "message": message}],
    )
