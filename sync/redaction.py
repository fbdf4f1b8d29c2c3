"""The log redaction processor: the last line of defence against secrets and personal data.

Code logs counts, ids and error types, never payloads (STYLE rule 9); this processor is the
backstop for what slips through anyway, including lines from libraries. It replaces values
under sensitive keys, masks e-mail addresses, phone numbers, bearer tokens, vendor API keys,
secrets in URL queries and any registered secret value inside strings, and reduces objects
it does not know to their type name, because their ``repr`` may carry a whole record.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, MutableMapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any
from uuid import UUID

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6
"""Registered secrets shorter than this are not masked inside strings (too many false hits)."""

_SECRET_KEY_PARTS = (
    "token",
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "authorization",
    "credential",
    "cookie",
    "signature",
    "private_key",
)
_PERSONAL_KEYS = frozenset(
    {
        "email",
        "emails",
        "email_address",
        "phone",
        "phone_number",
        "mobile",
        "first_name",
        "last_name",
        "firstname",
        "lastname",
        "full_name",
        "name",
        "fname",
        "lname",
        "birthday",
        "date_of_birth",
        "street",
        "address",
    }
)
_SAFE_SCALARS = (bool, int, float, Decimal, UUID, datetime, date, time, timedelta)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Bearer/Basic credentials in Authorization-like text.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*"), rf"\1 {REDACTED}"),
    # Secrets in URL queries (Mailchimp webhook URLs carry ?secret=).
    (
        re.compile(
            r"(?i)([?&;](?:secret|token|key|api_key|apikey|access_token|password|signature|"
            r"hapikey|code)=)[^&\s\"'#]+"
        ),
        rf"\1{REDACTED}",
    ),
    # E-mail addresses, also URL-encoded (%40) as they appear in request paths.
    (re.compile(r"[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"), REDACTED),
    # Mailchimp API keys (32 hex digits and a data-centre suffix), HubSpot private app tokens.
    (re.compile(r"\b[0-9a-f]{32}-[a-z]{2}\d{1,2}\b"), REDACTED),
    (re.compile(r"\bpat-[a-z0-9]{2,4}-[0-9a-f\-]{36}\b"), REDACTED),
    # International phone numbers (+49 30 1234567, +90 (212) 555 12 34).
    (re.compile(r"(?<![\w+])\+\d[\d\s().\-/]{6,}\d"), REDACTED),
    # National phone numbers with a trunk prefix and a separator (030 1234567, 0171/2345678).
    (
        re.compile(r"(?<![\w.:\-/])\(?0\d{1,5}\)?[\s\-/]\d[\d\s\-/]{3,}\d(?!\w|[.:]\d)"),
        REDACTED,
    ),
)


class Redactor:
    """A structlog processor; also masks every secret value registered with :meth:`add`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Mask these exact values wherever they appear (longest first, so none leaks partly)."""
        fresh = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
        with self._lock:
            merged = set(self._secrets) | fresh
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    def __call__(
        self, logger: object, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key in list(event_dict):
            event_dict[key] = self.value(key, event_dict[key])
        return event_dict

    def value(self, key: object, value: Any) -> Any:
        """The loggable form of ``value`` found under ``key``."""
        if isinstance(key, str) and is_sensitive_key(key) and value is not None:
            return REDACTED
        return self._clean(value)

    def text(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def _clean(self, value: Any) -> Any:
        if value is None or isinstance(value, _SAFE_SCALARS):
            return value
        if isinstance(value, str | Enum | PurePath):
            return self.text(str(value.value if isinstance(value, Enum) else value))
        if isinstance(value, Mapping):
            return {str(k): self.value(k, v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._clean(v) for v in value]
        if isinstance(value, bytes | bytearray):
            return f"<{len(value)} bytes>"
        # An object's repr may spell out a whole record: keep only what it is.
        return f"<{type(value).__name__}>"


def is_sensitive_key(key: str) -> bool:
    """True for keys that name a secret or a personal field (``Authorization``, ``email``)."""
    norm = key.lower().replace("-", "_")
    return norm in _PERSONAL_KEYS or any(part in norm for part in _SECRET_KEY_PARTS)
