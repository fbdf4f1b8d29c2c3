"""Email consent writes through the Communication Preferences v4 API.

``hs_email_optout`` is read-only, so an opt-out is ``POST .../v4/statuses/{email}/unsubscribe-all``.
v4 can re-subscribe a contact who opted out, but only with a legal basis
(https://developers.hubspot.com/docs/api-reference/legacy/communication-preferences/v3/guide):
without a configured ``legal_basis`` and ``subscription_id`` a grant is never written, and an
implicit grant never is (trap 9 of vendor-apis.md).
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
import structlog

from connectors.base import Consent, ConsentStatus, FailureKind, WriteFailure
from connectors.hubspot.mapping import failure_of
from connectors.hubspot.models import ApiError
from connectors.hubspot.options import HubSpotOptions
from connectors.toolkit.http import VendorClient

log = structlog.get_logger("connectors.hubspot")
_PATH = "/communication-preferences/v4/statuses/{}"


class ConsentWriter:
    def __init__(self, client: VendorClient, options: HubSpotOptions, system: str) -> None:
        self._client = client
        self._options = options
        self._system = system

    def needs_call(self, consents: tuple[Consent, ...]) -> bool:
        """True when writing ``consents`` takes a request (a grant we may not write does not)."""
        return any(c.channel == "email" and self._writable(c) for c in consents)

    def _writable(self, consent: Consent) -> bool:
        if consent.status is ConsentStatus.WITHDRAWN:
            return True
        return (
            consent.status is ConsentStatus.GRANTED
            and consent.is_explicit
            and self._options.can_resubscribe
        )

    def apply(self, email: str, consents: tuple[Consent, ...]) -> WriteFailure | None:
        """Write the email-channel consents of one contact; the first failure is returned."""
        for consent in consents:
            if consent.channel != "email":
                continue
            response = self._send(email, consent)
            if response is not None and response.status_code >= 300:
                return _failure(response)
        return None

    def _send(self, email: str, consent: Consent) -> httpx.Response | None:
        subscriber = _PATH.format(quote(email, safe="@"))
        if consent.status is ConsentStatus.WITHDRAWN:
            return self._client.request(
                "POST", subscriber + "/unsubscribe-all", params={"channel": "EMAIL"}
            )
        if consent.status is not ConsentStatus.GRANTED:
            return None
        if not consent.is_explicit or not self._options.can_resubscribe:
            log.info(
                "hubspot.consent_grant_skipped", system=self._system, explicit=consent.is_explicit
            )
            return None
        body = {
            "channel": "EMAIL",
            "statusState": "SUBSCRIBED",
            "subscriptionId": self._options.subscription_id,
            "legalBasis": self._options.legal_basis,
            "legalBasisExplanation": self._options.legal_basis_explanation or "crmsync",
        }
        return self._client.request("POST", subscriber, json=body)


def _failure(response: httpx.Response) -> WriteFailure:
    try:
        return failure_of(ApiError.model_validate(response.json()))
    except ValueError:
        code = f"HTTP_{response.status_code}"
        return WriteFailure(FailureKind.RETRYABLE, code, f"consent write answered {code}")
