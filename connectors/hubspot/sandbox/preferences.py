"""Communication preferences v4: per-subscription email status and the "opted out of all" flag.

The global opt-out is what the contact property ``hs_email_optout`` shows; it can only be
set through this API (the property is read-only). v4 can re-subscribe a contact who opted
out, but in this GDPR-enabled portal only with a legal basis, as HubSpot requires. The batch
opt-out (``POST .../statuses/batch/unsubscribe-all``) is one call for many subscribers and
reports bad inputs in ``errors[]`` without failing the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.hubspot.sandbox.errors import ApiError, item_error, validation
from connectors.hubspot.sandbox.portal import Portal
from connectors.hubspot.sandbox.schema import EMAIL
from connectors.hubspot.sandbox.store import iso_ms

BATCH_WRITE_SCOPE = "communication_preferences.statuses.batch.write"
SUBSCRIPTIONS = {1: "Marketing Information", 2: "One to One"}
STATES = ("SUBSCRIBED", "NOT_SUBSCRIBED", "NOT_SPECIFIED")
LEGAL_BASES = (
    "LEGITIMATE_INTEREST_PQL",
    "LEGITIMATE_INTEREST_CLIENT",
    "PERFORMANCE_OF_CONTRACT",
    "CONSENT_WITH_NOTICE",
    "NON_GDPR",
    "PROCESS_AND_STORE",
    "LEGITIMATE_INTEREST_OTHER",
)


@dataclass(frozen=True, slots=True)
class _Status:
    state: str
    at_ms: int
    legal_basis: str | None = None
    explanation: str | None = None


class Preferences:
    """Subscription statuses by email address, kept in step with the contacts table."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self._statuses: dict[tuple[str, int], _Status] = {}
        self._opted_out: dict[str, int] = {}

    def definitions(self) -> dict[str, Any]:
        return {
            "results": [
                {"id": i, "name": name, "channel": "EMAIL", "isActive": True, "isDefault": i == 1}
                for i, name in SUBSCRIPTIONS.items()
            ]
        }

    def statuses(self, subscriber: str) -> dict[str, Any]:
        email = subscriber.lower()
        with self.portal.lock:
            return self._envelope([self._status_json(email, i) for i in SUBSCRIPTIONS])

    def wide_status(self, subscriber: str) -> dict[str, Any]:
        email = subscriber.lower()
        with self.portal.lock:
            at_ms = self._opted_out.get(email)
        if at_ms is None:
            return self._envelope([])
        wide = {"channel": "EMAIL", "status": "NOT_SUBSCRIBED", "subscriberIdString": email}
        return self._envelope(
            [wide | {"wideStatusType": "PORTAL_WIDE", "timestamp": iso_ms(at_ms)}]
        )

    def mark_opted_out(self, email: str) -> None:
        """Record a seeded opt-out (the contact already shows it)."""
        with self.portal.lock:
            self._opted_out.setdefault(email.lower(), self.portal.now_ms())

    def unsubscribe_all(self, subscriber: str) -> dict[str, Any]:
        email = subscriber.strip().lower()
        if not EMAIL.match(email):
            raise validation("Invalid email address", subCategory="INVALID_EMAIL")
        with self.portal.lock:
            self.portal.write_calls += 1
            self._opt_out(email)
            return self._envelope([self._status_json(email, i) for i in SUBSCRIPTIONS])

    def unsubscribe_all_batch(
        self, request: dict[str, Any], *, channel: str | None, is_verbose: bool
    ) -> dict[str, Any]:
        """Opt every valid input out; an invalid one is an entry of ``errors[]`` and the rest
        still go through (HubSpot answers 200 either way). Statuses only when verbose."""
        inputs = self._batch_inputs(request, channel)
        requested = iso_ms(self.portal.now_ms())
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        with self.portal.lock:
            self.portal.write_calls += 1
            for raw in inputs:
                email = str(raw).strip().lower() if isinstance(raw, str) else ""
                if not EMAIL.match(email):
                    errors.append(_invalid_email(raw))
                    continue
                reason = self._opt_out(email)
                statuses = [
                    self._status_json(email, i) | {"setStatusSuccessReason": reason}
                    for i in SUBSCRIPTIONS
                ]
                results.append({"subscriberIdString": email, "statuses": statuses})
        answer = self._envelope(results if is_verbose else [])
        return answer | {"requestedAt": requested, "errors": errors, "numErrors": len(errors)}

    def _batch_inputs(self, request: dict[str, Any], channel: str | None) -> list[Any]:
        if not self.portal.config.has_batch_preferences_scope:
            raise _missing_scope()
        if channel != "EMAIL":
            raise validation("channel is required and must be EMAIL")
        inputs = request.get("inputs") if isinstance(request, dict) else None
        if not isinstance(inputs, list) or not inputs:
            raise validation("inputs must be a non-empty list of email addresses")
        limit = self.portal.config.preferences_batch_max
        if len(inputs) > limit:
            raise validation(f"Batch input size {len(inputs)} exceeds the limit of {limit}")
        return inputs

    def _opt_out(self, email: str) -> str:
        """Opt ``email`` out of everything (caller holds the lock); the success reason."""
        now_ms = self.portal.now_ms()
        was_out = email in self._opted_out
        self._opted_out.setdefault(email, now_ms)
        for sub_id in SUBSCRIPTIONS:
            status = self._statuses.get((email, sub_id))
            if status is None or status.state != "NOT_SUBSCRIBED":
                self._statuses[(email, sub_id)] = _Status("NOT_SUBSCRIBED", now_ms)
        self._show_on_contact(email, opted_out=True)
        return "NO_STATUS_CHANGE" if was_out else "UNSUBSCRIBE_FROM_ALL_OCCURRED"

    def set_status(self, subscriber: str, request: dict[str, Any]) -> dict[str, Any]:
        email, state = subscriber.lower(), str(request.get("statusState", ""))
        sub_id, basis = request.get("subscriptionId"), request.get("legalBasis")
        if state not in STATES or sub_id not in SUBSCRIPTIONS:
            raise validation("statusState and a known subscriptionId are required")
        if basis is not None and basis not in LEGAL_BASES:
            raise validation(f"Unknown legalBasis {basis}")
        if state == "SUBSCRIBED" and basis is None:
            raise validation("A legal basis is required to subscribe a contact in this portal")
        with self.portal.lock:
            self.portal.write_calls += 1
            now_ms = self.portal.now_ms()
            explanation = request.get("legalBasisExplanation")
            self._statuses[(email, sub_id)] = _Status(state, now_ms, basis, explanation)
            if state == "SUBSCRIBED" and self._opted_out.pop(email, None) is not None:
                self._show_on_contact(email, opted_out=False)
            return self._envelope([self._status_json(email, sub_id)])

    def _show_on_contact(self, email: str, *, opted_out: bool) -> None:
        row = self.portal.tables["contacts"].resolve(email, "email")
        if row is not None and row.props.get("hs_email_optout") != str(opted_out).lower():
            values = {"hs_email_optout": str(opted_out).lower()}
            self.portal.edit("contacts", str(row.id), values, source="INTEGRATION")

    def _status_json(self, email: str, sub_id: int) -> dict[str, Any]:
        status = self._statuses.get((email, sub_id))
        state = "NOT_SUBSCRIBED" if email in self._opted_out else None
        body: dict[str, Any] = {
            "channel": "EMAIL",
            "subscriberIdString": email,
            "subscriptionId": sub_id,
            "subscriptionName": SUBSCRIPTIONS[sub_id],
            "status": state or (status.state if status else "NOT_SPECIFIED"),
            "source": "API",
        }
        if status is not None:
            body |= {"timestamp": iso_ms(status.at_ms), "legalBasis": status.legal_basis}
            body["legalBasisExplanation"] = status.explanation
        return body

    def _envelope(self, results: list[dict[str, Any]]) -> dict[str, Any]:
        stamp = iso_ms(self.portal.now_ms())
        return {"status": "COMPLETE", "results": results, "startedAt": stamp, "completedAt": stamp}


def _invalid_email(raw: Any) -> dict[str, Any]:
    """One ``errors[]`` entry; ``context.subscriberIdString`` names the input it is about."""
    entry = item_error(
        "VALIDATION_ERROR",
        "Invalid email address",
        trace_id=None,
        code="INVALID_EMAIL",
        subscriberIdString=raw,
    )
    return entry | {"subCategory": "INVALID_EMAIL"}


def _missing_scope() -> ApiError:
    """HubSpot's 403 for an app without the batch write scope."""
    detail = {
        "message": "One or more of the following scopes are required.",
        "context": {"requiredGranularScopes": [BATCH_WRITE_SCOPE]},
    }
    message = "This app hasn't been granted all required scopes to make this call."
    return ApiError(403, "MISSING_SCOPES", message, errors=[detail])
