"""Email consent writes through the Communication Preferences v4 API.

``hs_email_optout`` is read-only, so an opt-out is an unsubscribe-all. Opt-outs go out in
batches, ``POST .../v4/statuses/batch/unsubscribe-all`` (https://developers.hubspot.com/docs/
api-reference/legacy/communication-preferences/status/batch/unsubscribe-contacts-batch), which
answers 200 with per-input ``errors[]``; its reference page lists free tiers, but HubSpot's
subscriptions guide (https://developers.hubspot.com/docs/guides/api/marketing/subscriptions)
ties its scope to Marketing Hub Enterprise, so a 403 there falls back to one call per contact.
v4 can re-subscribe a contact who opted out, but only with a legal basis
(https://developers.hubspot.com/docs/api-reference/legacy/communication-preferences/v3/guide):
without a configured ``legal_basis`` and ``subscription_id`` a grant is never written, and an
implicit grant never is (an opt-out must not be undone by a write that only implies consent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote

import httpx
import structlog

from connectors.base import AuthError, Consent, ConsentStatus, FailureKind, WriteFailure
from connectors.hubspot.mapping import failure_of
from connectors.hubspot.models import ApiError, OptOutAnswer
from connectors.hubspot.options import HubSpotOptions
from connectors.toolkit.http import VendorClient

log = structlog.get_logger("connectors.hubspot")
_PATH = "/communication-preferences/v4/statuses/{}"
_BATCH_PATH = "/communication-preferences/v4/statuses/batch/unsubscribe-all"
# verbose=true makes HubSpot list each subscriber it opted out; without it results[] is empty.
_BATCH_PARAMS = {"channel": "EMAIL", "verbose": "true"}


@dataclass(frozen=True, slots=True)
class ConsentWrite:
    """The consents one write op states for the contact with ``email``."""

    op_id: str
    email: str
    consents: tuple[Consent, ...]


class ConsentWriter:
    def __init__(self, client: VendorClient, options: HubSpotOptions, system: str) -> None:
        self._client = client
        self._options = options
        self._system = system
        self._is_batch_refused = False

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

    def write(self, items: Sequence[ConsentWrite]) -> dict[str, WriteFailure]:
        """Write the email-channel consents of ``items``; failures by op id (absent: written).

        Withdrawals go out ``opt_out_batch_size`` addresses per call, then explicit grants one
        contact at a time. The outcome is that of writing ``items`` in order: an op that
        withdraws writes none of its grants, and a grant is superseded by a later item's
        withdrawal of the same address. Raises what :meth:`VendorClient.request` raises.
        """
        withdrawing = [i for i in items if _withdraws(i.consents)]
        by_email = self._withdraw([i.email for i in withdrawing])
        failures = {
            i.op_id: by_email[i.email.lower()] for i in withdrawing if i.email.lower() in by_email
        }
        last_withdrawal = {
            i.email.lower(): n for n, i in enumerate(items) if _withdraws(i.consents)
        }
        for n, item in enumerate(items):
            if last_withdrawal.get(item.email.lower(), -1) >= n:
                continue
            failure = self._grant(item.email, item.consents)
            if failure is not None:
                failures[item.op_id] = failure
        return failures

    # --- opt-outs ---------------------------------------------------------------------------

    def _withdraw(self, emails: Sequence[str]) -> dict[str, WriteFailure]:
        """Opt ``emails`` out of all email; failures by lower-cased address."""
        unique = list(dict.fromkeys(e.lower() for e in emails))
        size = self._options.opt_out_batch_size
        failures: dict[str, WriteFailure] = {}
        for start in range(0, len(unique), size):
            failures |= self._withdraw_chunk(unique[start : start + size])
        return failures

    def _withdraw_chunk(self, emails: list[str]) -> dict[str, WriteFailure]:
        if not self._is_batch_refused:
            try:
                response = self._client.request(
                    "POST", _BATCH_PATH, params=_BATCH_PARAMS, json={"inputs": emails}
                )
            except AuthError as exc:
                if exc.status != 403:
                    raise
                # Missing batch scope; a token refused outright fails the per-contact call too.
                log.warning("hubspot.consent_batch_refused", system=self._system)
                self._is_batch_refused = True
            else:
                if response.status_code in (200, 207):
                    return _batch_failures(emails, response)
                log.info(
                    "hubspot.consent_batch_failed", system=self._system, status=response.status_code
                )
        return self._withdraw_one_by_one(emails)

    def _withdraw_one_by_one(self, emails: list[str]) -> dict[str, WriteFailure]:
        failures: dict[str, WriteFailure] = {}
        for email in emails:
            path = _PATH.format(quote(email, safe="@")) + "/unsubscribe-all"
            response = self._client.request("POST", path, params={"channel": "EMAIL"})
            if response.status_code >= 300:
                failures[email] = _failure(response)
        return failures

    # --- grants -----------------------------------------------------------------------------

    def _grant(self, email: str, consents: tuple[Consent, ...]) -> WriteFailure | None:
        for consent in consents:
            if consent.channel != "email" or consent.status is not ConsentStatus.GRANTED:
                continue
            if not consent.is_explicit or not self._options.can_resubscribe:
                log.info(
                    "hubspot.consent_grant_skipped",
                    system=self._system,
                    explicit=consent.is_explicit,
                )
                continue
            body = {
                "channel": "EMAIL",
                "statusState": "SUBSCRIBED",
                "subscriptionId": self._options.subscription_id,
                "legalBasis": self._options.legal_basis,
                "legalBasisExplanation": self._options.legal_basis_explanation or "crmsync",
            }
            subscriber = _PATH.format(quote(email, safe="@"))
            response = self._client.request("POST", subscriber, json=body)
            if response.status_code >= 300:
                return _failure(response)
        return None


def _withdraws(consents: tuple[Consent, ...]) -> bool:
    return any(c.channel == "email" and c.status is ConsentStatus.WITHDRAWN for c in consents)


def _batch_failures(emails: list[str], response: httpx.Response) -> dict[str, WriteFailure]:
    """Per input: its ``errors[]`` entry, or a retry when HubSpot names it nowhere."""
    try:
        answer = OptOutAnswer.model_validate(response.json())
    except ValueError:
        answer = OptOutAnswer()
    done = {r.subscriberIdString.lower() for r in answer.results}
    errors = {email: error for error in answer.errors for email in error.subscribers()}
    failures: dict[str, WriteFailure] = {}
    for email in emails:
        if email in errors:
            failures[email] = _rejection(errors[email])
        elif email not in done:
            failures[email] = WriteFailure(
                FailureKind.RETRYABLE, "NO_RESULT", "no opt-out result for this contact"
            )
    return failures


def _rejection(error: ApiError) -> WriteFailure:
    """``failure_of``, named by the ``subCategory`` (``INVALID_EMAIL``) when HubSpot sends one."""
    failure = failure_of(error)
    if isinstance(error.subCategory, str) and error.subCategory:
        code = error.subCategory
        return replace(failure, code=code, message=f"{error.category}: {code}")
    return failure


def _failure(response: httpx.Response) -> WriteFailure:
    try:
        return _rejection(ApiError.model_validate(response.json()))
    except ValueError:
        code = f"HTTP_{response.status_code}"
        return WriteFailure(FailureKind.RETRYABLE, code, f"consent write answered {code}")
