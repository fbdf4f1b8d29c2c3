"""The webhook deliveries Mailchimp would POST for member changes, as form fields and requests.

Mailchimp signs nothing; the receiver's URL carries a secret. Payloads are form-encoded with
``type``, ``fired_at`` (``YYYY-MM-DD HH:MM:SS``, no zone) and ``data[...]`` fields; see
https://mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks/
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlencode

from connectors.base import WebhookRequest
from connectors.mailchimp.sandbox.member import Member

Source = Literal["user", "admin", "api"]


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One webhook POST: its event type, the source that caused it, and its form fields."""

    type: str
    source: Source
    fired_at: datetime
    form: tuple[tuple[str, str], ...]

    def body(self) -> bytes:
        return urlencode(self.form).encode()

    def request(
        self, url: str, *, secret: str | None, received_at: datetime | None = None
    ) -> WebhookRequest:
        """The delivery as a receiver sees it, sent to ``url`` with ``?secret=`` appended."""
        target = url
        if secret is not None:
            target += ("&" if "?" in url else "?") + urlencode({"secret": secret})
        return WebhookRequest(
            method="POST",
            url=target,
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "user-agent": "MailChimp",
            },
            body=self.body(),
            received_at=received_at or self.fired_at,
        )


def deliveries_for_change(
    before: Member | None, after: Member, list_id: str, source: Source, at: datetime
) -> list[WebhookDelivery]:
    """What Mailchimp fires when ``before`` became ``after`` (``before`` None: a new member)."""
    found: list[WebhookDelivery] = []
    if before is not None and before.email_address != after.email_address:
        found.append(_upemail(before.email_address, after, list_id, source, at))
    status_type = _status_event(before.status if before else None, after.status)
    if status_type is not None:
        found.append(_member_event(status_type, after, list_id, source, at))
    elif before is not None and before.merge_fields != after.merge_fields:
        found.append(_member_event("profile", after, list_id, source, at))
    return found


def delete_delivery(member: Member, list_id: str, source: Source, at: datetime) -> WebhookDelivery:
    """An archive or permanent delete: ``unsubscribe`` with ``data[action]=delete``."""
    return _member_event("unsubscribe", member, list_id, source, at, action="delete")


def _status_event(old: str | None, new: str) -> str | None:
    if old == new:
        return None
    return {"subscribed": "subscribe", "unsubscribed": "unsubscribe", "cleaned": "cleaned"}.get(new)


def _member_event(
    kind: str,
    member: Member,
    list_id: str,
    source: Source,
    at: datetime,
    action: str = "unsub",
) -> WebhookDelivery:
    form = [("type", kind), ("fired_at", _fired_at(at)), *_member_fields(member, list_id)]
    if kind == "unsubscribe":
        form += [("data[action]", action), ("data[reason]", "manual")]
    if kind == "cleaned":
        form += [("data[reason]", "hard")]
    return WebhookDelivery(type=kind, source=source, fired_at=at, form=tuple(form))


def _upemail(
    old_email: str, member: Member, list_id: str, source: Source, at: datetime
) -> WebhookDelivery:
    form = (
        ("type", "upemail"),
        ("fired_at", _fired_at(at)),
        ("data[list_id]", list_id),
        ("data[new_id]", member.unique_email_id),
        ("data[new_email]", member.email_address),
        ("data[old_email]", old_email),
    )
    return WebhookDelivery(type="upemail", source=source, fired_at=at, form=form)


def _member_fields(member: Member, list_id: str) -> list[tuple[str, str]]:
    fields = [
        ("data[id]", member.unique_email_id),
        ("data[list_id]", list_id),
        ("data[email]", member.email_address),
        ("data[email_type]", member.email_type),
        ("data[web_id]", str(member.web_id)),
        ("data[ip_opt]", ""),
        ("data[merges][EMAIL]", member.email_address),
    ]
    for tag, value in member.merge_fields.items():
        if isinstance(value, dict):
            fields += [(f"data[merges][{tag}][{part}]", str(v)) for part, v in value.items()]
        else:
            fields.append((f"data[merges][{tag}]", str(value)))
    return fields


def _fired_at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
