"""The Mailchimp connector's configuration: its options, API key and data-centre base URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.base import ConfigurationError, ConnectorSettings, Secret

MAX_PAGE_SIZE = 1000
MAX_CONNECTIONS = 10
"""Mailchimp allows 10 simultaneous connections per API key; more are refused with 429."""
BATCH_WAIT_S = 300.0
"""How long a write waits for a ``/batches`` submission to finish before it gives up on it."""
SETTLE_S = 60
"""How long after a second Mailchimp may still show members changed in it (commit lag)."""


class _OptionsModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    list_id: str = Field(min_length=1)
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    max_connections: int = Field(default=MAX_CONNECTIONS, ge=1, le=MAX_CONNECTIONS)
    double_opt_in: bool = True
    batch_wait_s: float = Field(default=BATCH_WAIT_S, gt=0, le=3600)
    settle_s: int = Field(default=SETTLE_S, ge=1, le=3600)


@dataclass(frozen=True, slots=True)
class MailchimpOptions:
    """Validated options.

    ``double_opt_in``: when a member who unsubscribed or bounced is granted consent again,
    Mailchimp refuses ``subscribed`` ("Member In Compliance State"); with True we write
    ``pending`` instead so Mailchimp sends a confirmation mail, with False the write fails.

    ``batch_wait_s``: updates of known members run as asynchronous batches; a write waits this
    long for them, then cancels what has not finished and reports those ops as retryable.

    ``settle_s``: an incremental read moves past the newest change it saw only once that
    change is this much older than the read's start (by Mailchimp's ``Date``); fresher
    changes are read once more, in case others of their second were not visible yet.
    """

    list_id: str
    page_size: int = MAX_PAGE_SIZE
    max_connections: int = MAX_CONNECTIONS
    double_opt_in: bool = True
    batch_wait_s: float = BATCH_WAIT_S
    settle_s: int = SETTLE_S


def parse_options(raw: Mapping[str, Any]) -> MailchimpOptions:
    """Options from the configuration; one :class:`ConfigurationError` lists every problem."""
    try:
        model = _OptionsModel.model_validate(dict(raw))
    except ValidationError as exc:
        problems = "; ".join(
            f"options.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigurationError(f"mailchimp: {problems}") from None
    return MailchimpOptions(**model.model_dump())


def api_key(settings: ConnectorSettings) -> Secret:
    key = settings.credentials.get("api_key")
    if key is None or not key.reveal():
        raise ConfigurationError("mailchimp: credentials.api_key is required")
    return key


def base_url(settings: ConnectorSettings, key: Secret) -> str:
    """``settings.base_url`` when set, else the data centre named by the key's ``-us6`` suffix."""
    if settings.base_url:
        return settings.base_url.rstrip("/")
    _, dash, centre = key.reveal().rpartition("-")
    if not dash or not centre.isalnum():
        raise ConfigurationError("mailchimp: the API key names no data centre (…-us6)")
    return f"https://{centre}.api.mailchimp.com/3.0"
