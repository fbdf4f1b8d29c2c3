"""HubSpot webhook deliveries: v3 signature checks and the decoding of CRM object events.

Signature v3 is Base64(HMAC-SHA256(client secret, method + URI + raw body + timestamp)),
the timestamp (ms) is in ``X-HubSpot-Request-Timestamp`` and deliveries older than five
minutes are refused
(https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError

from connectors.base import ChangeKind, Secret, WebhookEvent, WebhookRejectedError, WebhookRequest
from connectors.hubspot.models import WebhookEventIn
from connectors.toolkit.timestamps import from_epoch_ms
from connectors.toolkit.webhooks import hmac_sha256_base64, require_fresh, require_signature

MAX_AGE = timedelta(minutes=5)
STREAMS = {"contact": "contacts", "company": "companies"}
_KINDS = {
    "creation": ChangeKind.CHANGED,
    "propertyChange": ChangeKind.CHANGED,
    "restore": ChangeKind.CHANGED,
    "deletion": ChangeKind.DELETED,
    "privacyDeletion": ChangeKind.DELETED,
    "merge": ChangeKind.MERGED,
}
# HubSpot signs the URI with these characters decoded; the question mark of the query stays.
_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
    "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip
_EVENTS = TypeAdapter(list[WebhookEventIn])


def verify(request: WebhookRequest, secret: Secret, now: datetime) -> None:
    """Raise :class:`WebhookRejectedError` unless the delivery is signed and fresh."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    stamp = headers.get("x-hubspot-request-timestamp", "")
    if not stamp.isdigit():
        raise WebhookRejectedError("webhook timestamp missing or malformed")
    require_fresh(from_epoch_ms(stamp), now, MAX_AGE)
    message = (request.method.upper() + _signed_uri(request.url)).encode() + request.body
    expected = hmac_sha256_base64(secret, message + stamp.encode())
    require_signature(expected, headers.get("x-hubspot-signature-v3"))


def decode(body: bytes, app_id: str | None) -> list[WebhookEvent]:
    """Events for contacts and companies; other object types are left out."""
    try:
        raw = json.loads(body)
        events = _EVENTS.validate_python(raw if isinstance(raw, list) else [raw])
    except (ValueError, ValidationError):
        raise WebhookRejectedError("webhook body is not a list of HubSpot events") from None
    return [decoded for event in events for decoded in _decode_one(event, app_id)]


def _decode_one(event: WebhookEventIn, app_id: str | None) -> list[WebhookEvent]:
    object_type, _, action = event.subscriptionType.partition(".")
    stream, kind = STREAMS.get(object_type), _KINDS.get(action)
    if stream is None or kind is None:
        return []
    occurred = from_epoch_ms(event.occurredAt) if event.occurredAt is not None else None
    own = _is_own(event, app_id)
    if kind is not ChangeKind.MERGED:
        return [
            WebhookEvent(
                stream, str(event.objectId), kind, str(event.eventId), occurred, None, None, own
            )
        ]
    survivor = str(event.newObjectId or event.primaryObjectId or event.objectId)
    absorbed = [event.primaryObjectId, *event.mergedObjectIds]
    return [
        WebhookEvent(
            stream, survivor, kind, f"{event.eventId}:{old}", occurred, None, str(old), own
        )
        for old in absorbed
        if old is not None and str(old) != survivor
    ]


def _is_own(event: WebhookEventIn, app_id: str | None) -> bool:
    """Our writes come back marked with our app as the source (HubSpot's ``sourceId``)."""
    if not app_id or not event.sourceId:
        return False
    prefix, _, value = event.sourceId.rpartition(":")
    return value == app_id and prefix != "userId"


def _signed_uri(url: str) -> str:
    for encoded, plain in _DECODED.items():
        url = url.replace(encoded, plain).replace(encoded.lower(), plain)
    return url
