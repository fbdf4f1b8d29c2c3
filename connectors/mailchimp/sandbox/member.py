"""One list member as the simulator stores it, and its JSON form as the API returns it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
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


def render(member: Member, list_id: str, merge_tags: Iterable[str]) -> dict[str, Any]:
    """The member document of ``GET /lists/{list_id}/members/{hash}``."""
    merges = {tag: member.merge_fields.get(tag, "") for tag in merge_tags}
    first, last = str(merges.get("FNAME", "")), str(merges.get("LNAME", ""))
    document: dict[str, Any] = {
        "id": member.id,
        "email_address": member.email_address,
        "unique_email_id": member.unique_email_id,
        "contact_id": member.contact_id,
        "full_name": f"{first} {last}".strip(),
        "web_id": member.web_id,
        "email_type": member.email_type,
        "status": member.status,
        "consents_to_one_to_one_messaging": True,
        "merge_fields": merges,
        "stats": {"avg_open_rate": member.avg_open_rate, "avg_click_rate": member.avg_click_rate},
        "ip_signup": "",
        "timestamp_signup": iso(member.timestamp_signup),
        "ip_opt": "",
        "timestamp_opt": iso(member.timestamp_opt),
        "member_rating": member.member_rating,
        "last_changed": iso(member.last_changed),
        "language": member.language,
        "vip": member.vip,
        "email_client": "",
        "location": dict(_NO_LOCATION),
        "source": member.source,
        "tags_count": len(member.tags),
        "tags": [{"id": tag_id, "name": name} for name, (tag_id, _) in member.tags.items()],
        "list_id": list_id,
    }
    if member.status == "unsubscribed" and member.unsubscribe_reason:
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
