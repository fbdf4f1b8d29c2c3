"""Verifying and decoding Mailchimp's audience webhooks into change events.

Mailchimp signs nothing: the webhook URL we register carries a secret (``?secret=``), checked
in constant time. Bodies are form-encoded (``type``, ``fired_at``, ``data[...]``); ``fired_at``
is a naive ``YYYY-MM-DD HH:MM:SS``, taken as UTC. The payload does not say which source
(user, admin, api) caused a change, so we register the API-source webhook on its own URL with
``&source=api``; events arriving there are our own writes. Deliveries carry no id and
are retried for ~75 minutes, so the event id is a hash of the body: a redelivery repeats it.
See https://mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks/
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from connectors.base import (
    ChangeKind,
    Consent,
    FieldValue,
    Record,
    Secret,
    WebhookEvent,
    WebhookRejectedError,
    WebhookRequest,
)
from connectors.mailchimp.mapping import (
    DecodeError,
    MergeSchema,
    MergeSpec,
    consent_for,
    decode_merge,
    subscriber_hash,
)
from connectors.toolkit.webhooks import require_url_secret

STREAM = "members"
_STATUS_OF = {"subscribe": "subscribed", "unsubscribe": "unsubscribed", "cleaned": "cleaned"}
Form = dict[str, str]


def parse_delivery(
    request: WebhookRequest, *, secret: Secret | None, list_id: str, schema: MergeSchema
) -> list[WebhookEvent]:
    """Events of one delivery; raises :class:`WebhookRejectedError` if it is not genuine."""
    query = dict(parse_qsl(urlsplit(request.url).query))
    if secret is None:
        raise WebhookRejectedError("no webhook secret is configured for this Mailchimp system")
    require_url_secret(secret, query.get("secret"))
    if request.method.upper() == "GET":
        return []  # Mailchimp's check that the URL exists, sent when the webhook is created
    try:
        form = dict(parse_qsl(request.body.decode(), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError:
        raise WebhookRejectedError("mailchimp webhook: the body is not UTF-8 form data") from None
    kind = form.get("type", "")
    if form.get("data[list_id]") not in (None, list_id):
        return []
    fired_at = _fired_at(form.get("fired_at"))
    event_id = "mailchimp:" + hashlib.sha256(request.body).hexdigest()[:32]
    is_own = query.get("source") == "api"
    if kind == "upemail":
        return [_email_change(form, fired_at, event_id, is_own)]
    if kind in (*_STATUS_OF, "profile"):
        return [_member_event(kind, form, fired_at, event_id, is_own, schema)]
    return []  # campaign events and types added later carry no member change


def _member_event(
    kind: str, form: Form, fired_at: datetime, event_id: str, is_own: bool, schema: MergeSchema
) -> WebhookEvent:
    email = _required(form, "data[email]")
    member_id = subscriber_hash(email)
    is_delete = kind == "unsubscribe" and form.get("data[action]") == "delete"
    consent: tuple[Consent, ...] = ()
    if kind in _STATUS_OF and not is_delete:
        consent = consent_for(_STATUS_OF[kind], opted_at=None, changed_at=fired_at)
    try:
        fields = {"email_address": email, **_merges(form, schema)}
    except DecodeError:
        # An undecodable merge value: announce the change and let the engine fetch the member,
        # whose read path quarantines it with a reason.
        record = None
    else:
        record = Record(member_id, fields, fired_at, consent, is_deleted=is_delete)
    return WebhookEvent(
        stream=STREAM,
        external_id=member_id,
        kind=ChangeKind.DELETED if is_delete else ChangeKind.CHANGED,
        event_id=event_id,
        occurred_at=fired_at,
        record=record,
        is_own_write=is_own,
    )


def _email_change(form: Form, fired_at: datetime, event_id: str, is_own: bool) -> WebhookEvent:
    new_email = _required(form, "data[new_email]")
    old_id = subscriber_hash(_required(form, "data[old_email]"))
    new_id = subscriber_hash(new_email)
    record = Record(
        external_id=new_id,
        fields={"email_address": new_email},
        modified_at=fired_at,
        previous_ids=(old_id,),
    )
    return WebhookEvent(
        stream=STREAM,
        external_id=new_id,
        kind=ChangeKind.ID_CHANGED,
        event_id=event_id,
        occurred_at=fired_at,
        record=record,
        previous_id=old_id,
        is_own_write=is_own,
    )


def _merges(form: Form, schema: MergeSchema) -> dict[str, FieldValue]:
    """``data[merges][TAG]`` and ``data[merges][TAG][part]`` decoded by the merge field's type."""
    raw: dict[str, str | dict[str, str]] = {}
    for key, value in form.items():
        if not key.startswith("data[merges]["):
            continue
        path = key.removeprefix("data[merges][").removesuffix("]").split("][")
        if path[0] in ("EMAIL", "INTERESTS", "GROUPINGS"):
            continue
        if len(path) == 2:
            address = raw.setdefault(path[0], {})
            if isinstance(address, dict):
                address[path[1]] = value
        else:
            raw[path[0]] = value
    fields: dict[str, FieldValue] = {}
    for tag, merge in raw.items():
        fields.update(decode_merge(schema.fields.get(tag) or MergeSpec(tag, "text"), merge))
    return fields


def _fired_at(raw: str | None) -> datetime:
    try:
        return datetime.strptime(raw or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise WebhookRejectedError("mailchimp webhook: fired_at is missing or malformed") from None


def _required(form: Form, key: str) -> str:
    value = form.get(key)
    if not value:
        raise WebhookRejectedError(f"mailchimp webhook: {key} is missing")
    return value
