"""Webhook verification helpers: HMAC signatures, timestamp windows and URL secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from connectors.base import Secret, WebhookRejectedError


def hmac_sha256_base64(secret: Secret, message: bytes) -> str:
    digest = hmac.new(secret.reveal().encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def require_signature(expected: str, given: str | None) -> None:
    """Constant-time comparison; raises :class:`WebhookRejectedError` on any mismatch."""
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise WebhookRejectedError("webhook signature does not match")


def require_fresh(sent_at: datetime, now: datetime, max_age: timedelta) -> None:
    """Reject deliveries older than ``max_age`` (replays) or too far in the future (skew)."""
    if abs(now - sent_at) > max_age:
        raise WebhookRejectedError("webhook timestamp outside the accepted window")


def require_url_secret(expected: Secret, given: str | None) -> None:
    """For vendors that sign nothing (Mailchimp): a shared secret in the webhook URL."""
    if not given or not hmac.compare_digest(expected.reveal().encode(), given.encode()):
        raise WebhookRejectedError("webhook URL secret does not match")
