"""``POST /lists/{list_id}``: batch subscribe/update of up to 500 members with per-member errors.

Mailchimp answers 200 even when members fail; each failure is listed in ``errors[]`` with the
address, a message and an ``error_code`` (``ERROR_CONTACT_EXISTS`` or ``ERROR_GENERIC``).
"""

from __future__ import annotations

from typing import Any

from connectors.mailchimp.sandbox import errors
from connectors.mailchimp.sandbox.errors import ApiError
from connectors.mailchimp.sandbox.member import subscriber_hash
from connectors.mailchimp.sandbox.state import Audience, MemberInput

BATCH_LIMIT = 500


def run_batch(
    audience: Audience, members: list[MemberInput], *, update_existing: bool
) -> dict[str, Any]:
    """Apply each member in order; one member's failure never stops the others."""
    if len(members) > BATCH_LIMIT:
        raise errors.invalid_resource(
            f"You may only add or update {BATCH_LIMIT} members in one call."
        )
    created: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    seen: set[str] = set()
    for given in members:
        email = given.email_address or ""
        key = subscriber_hash(email)
        if key in seen:
            failed.append(_failure(email, "This email address was already in the request."))
            continue
        seen.add(key)
        try:
            document, is_new = audience.upsert(given, update_existing=update_existing)
        except ApiError as error:
            failed.append(_from_api_error(email, error))
            continue
        (created if is_new else updated).append(document)
    return {
        "new_members": created,
        "updated_members": updated,
        "errors": failed,
        "total_created": len(created),
        "total_updated": len(updated),
        "error_count": len(failed),
    }


def _from_api_error(email: str, error: ApiError) -> dict[str, Any]:
    code = "ERROR_CONTACT_EXISTS" if error.title == "Member Exists" else "ERROR_GENERIC"
    entry = _failure(email, error.detail, code)
    field_errors = error.extra.get("errors") or []
    if field_errors:
        entry["field"] = field_errors[0]["field"]
        entry["field_message"] = field_errors[0]["message"]
    return entry


def _failure(email: str, message: str, code: str = "ERROR_GENERIC") -> dict[str, Any]:
    return {"email_address": email, "error": message, "error_code": code}
