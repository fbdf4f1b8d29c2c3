"""One list member as the simulator stores it, and its JSON form as the API returns it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

STATUSES = frozenset({"subscribed", "unsubscribed", "cleaned", "pending", "transactional"})
COMPLIANCE_STATES = frozenset({"unsubscribed", "cleaned"})


def subscriber_hash(email: str) -> str:
    """The member id: MD5 of the lower-cased address (Mailchimp does not strip whitespace)."""
    return hashlib.md5(email.lower().encode()).hexdigest()


def iso(stamp: int | None) -> str:
    """Epoch seconds as Mailchimp writes times (``2015-10-21T15:41:36+00:00``); unset is ``""``."""
    if stamp is None:
        return ""
    return datetime.fromtimestamp(stamp, UTC).isoformat()


@dataclass
class Member:
    """A member's state; times are epoch seconds, the API's resolution."""

    id: str
    email_address: str
    status: str
    last_changed: int
    web_id: int
    merge_fields: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Tag name → (tag id, epoch seconds when it was added)."""
    language: str = ""
    vip: bool = False
    email_type: str = "html"
    member_rating: int = 2
    avg_open_rate: float = 0.0
    avg_click_rate: float = 0.0
    timestamp_signup: int | None = None
    timestamp_opt: int | None = None
    archived_from: str | None = None
    """The status before the member was archived; compliance rules still apply to it."""
    unsubscribe_reason: str = ""
    source: str = "API - Generic"

    @property
    def unique_email_id(self) -> str:
        return self.id[:10]

    @property
    def contact_id(self) -> str:
        return self.id[::-1]

    def is_in_compliance_state(self) -> bool:
        return self.status in COMPLIANCE_STATES or self.archived_from in COMPLIANCE_STATES


Context = tuple[str, tuple[str, ...]]
"""What rendering needs besides the member: the list id and the audience's merge tags."""


def _merge_fields(member: Member, context: Context) -> dict[str, Any]:
    return {tag: member.merge_fields.get(tag, "") for tag in context[1]}


def _full_name(member: Member, context: Context) -> str:
    first, last = member.merge_fields.get("FNAME", ""), member.merge_fields.get("LNAME", "")
    return f"{first} {last}".strip()


def _tags(member: Member, context: Context) -> list[dict[str, Any]]:
    return [{"id": tag_id, "name": name} for name, (tag_id, _) in member.tags.items()]


def _stats(member: Member, context: Context) -> dict[str, float]:
    return {"avg_open_rate": member.avg_open_rate, "avg_click_rate": member.avg_click_rate}


_RENDERERS: dict[str, Callable[[Member, Context], Any]] = {
    "id": lambda m, c: m.id,
    "email_address": lambda m, c: m.email_address,
    "unique_email_id": lambda m, c: m.unique_email_id,
    "contact_id": lambda m, c: m.contact_id,
    "full_name": _full_name,
    "web_id": lambda m, c: m.web_id,
    "email_type": lambda m, c: m.email_type,
    "status": lambda m, c: m.status,
    "consents_to_one_to_one_messaging": lambda m, c: True,
    "merge_fields": _merge_fields,
    "stats": _stats,
    "ip_signup": lambda m, c: "",
    "timestamp_signup": lambda m, c: iso(m.timestamp_signup),
    "ip_opt": lambda m, c: "",
    "timestamp_opt": lambda m, c: iso(m.timestamp_opt),
    "member_rating": lambda m, c: m.member_rating,
    "last_changed": lambda m, c: iso(m.last_changed),
    "language": lambda m, c: m.language,
    "vip": lambda m, c: m.vip,
    "email_client": lambda m, c: "",
    "location": lambda m, c: dict(_NO_LOCATION),
    "source": lambda m, c: m.source,
    "tags_count": lambda m, c: len(m.tags),
    "tags": _tags,
    "list_id": lambda m, c: c[0],
}


def render(member: Member, context: Context, only: Collection[str] | None = None) -> dict[str, Any]:
    """The member document of ``GET /lists/{list_id}/members/{hash}``.

    ``only`` names the top-level keys a ``fields=`` parameter asked for, so a partial
    response costs only what it returns.
    """
    names = _RENDERERS if only is None else [n for n in _RENDERERS if n in only]
    document = {name: _RENDERERS[name](member, context) for name in names}
    wants_reason = only is None or "unsubscribe_reason" in only
    if wants_reason and member.status == "unsubscribed" and member.unsubscribe_reason:
        document["unsubscribe_reason"] = member.unsubscribe_reason
    return document


_NO_LOCATION: dict[str, Any] = {
    "latitude": 0,
    "longitude": 0,
    "gmtoff": 0,
    "dstoff": 0,
    "country_code": "",
    "timezone": "",
    "region": "",
}
