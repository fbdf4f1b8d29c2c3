"""Communication preferences v4: per-subscription email status and the "opted out of all" flag.

The global opt-out is what the contact property ``hs_email_optout`` shows; it can only be
set through this API (the property is read-only). v4 can re-subscribe a contact who opted
out, but in this GDPR-enabled portal only with a legal basis, as HubSpot requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.hubspot.sandbox.errors import validation
from connectors.hubspot.sandbox.portal import Portal
from connectors.hubspot.sandbox.store import iso_ms

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
        email = subscriber.lower()
        with self.portal.lock:
            self.portal.write_calls += 1
            now_ms = self.portal.now_ms()
            self._opted_out.setdefault(email, now_ms)
            for sub_id in SUBSCRIPTIONS:
                self._statuses[(email, sub_id)] = _Status("NOT_SUBSCRIBED", now_ms)
            self._show_on_contact(email, opted_out=True)
            return self._envelope([self._status_json(email, i) for i in SUBSCRIPTIONS])

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
