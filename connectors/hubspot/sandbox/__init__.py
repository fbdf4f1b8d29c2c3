"""A faithful local simulator of HubSpot's CRM v3 API, and the control surface tests drive it by.

``create_sandbox`` is the entry point ``crmsync.sandboxes: hubspot``. The sandbox serves
contacts and companies with HubSpot's ids, paging, search caps and lag, batch limits and 207
answers, merges, rate limits and error bodies; time comes from the injected clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

from connectors.base import Clock, ConnectorSettings, Role, Secret, SystemClock
from connectors.hubspot.sandbox.app import Services, build_app
from connectors.hubspot.sandbox.errors import fault_body
from connectors.hubspot.sandbox.limits import RateConfig, RateLimits
from connectors.hubspot.sandbox.portal import Portal, PortalConfig
from connectors.hubspot.sandbox.preferences import Preferences
from connectors.hubspot.sandbox.seed import company_properties, contact_properties
from connectors.hubspot.sandbox.writes import Writer
from connectors.toolkit.fault_mode import FaultMode, FaultModeLayer, FaultRecord
from connectors.toolkit.sandbox import DateHeader, Fault, FaultInjector, SeedPerson
from connectors.toolkit.timestamps import to_epoch_ms

__all__ = ["HubSpotSandbox", "create_sandbox"]

READ_FIELDS = {
    "contacts": (
        "email", "firstname", "lastname", "phone", "company", "jobtitle", "address", "zip",
        "city", "country", "date_of_birth", "lifecyclestage",
    ),
    "companies": (
        "name", "domain", "phone", "city", "country", "industry", "numberofemployees",
        "annualrevenue",
    ),
}  # fmt: skip


class HubSpotSandbox:
    """The simulator plus what tests need beyond the API: seeding, user edits, signed webhooks."""

    kind = "hubspot"

    def __init__(
        self,
        clock: Clock,
        portal: PortalConfig,
        rates: RateConfig,
        token: str = "sandbox-private-app-token",
        client_secret: str = "sandbox-client-secret",
    ) -> None:
        self.clock = clock
        self.token = token
        self.client_secret = client_secret
        self.portal = Portal(portal, clock)
        self.preferences = Preferences(self.portal)
        services = Services(
            self.portal, Writer(self.portal), self.preferences, RateLimits(rates, clock), token
        )
        self._faults = FaultInjector(build_app(services))
        self._storms = FaultModeLayer(
            DateHeader(self._faults, clock), clock, error_body=fault_body, is_write=_is_write
        )
        self.app = self._storms

    def settings(self, name: str, base_url: str) -> ConnectorSettings:
        return ConnectorSettings(
            name=name,
            role=Role.CRM,
            base_url=base_url,
            credentials={"token": Secret(self.token), "client_secret": Secret(self.client_secret)},
            options={"app_id": self.portal.config.app_id, "company_id_property": "company_key"},
            read_fields=READ_FIELDS,
        )

    def seed(self, people: Sequence[SeedPerson]) -> list[str]:
        """Store people as contacts; an unsubscribed or cleaned person is opted out of email."""
        ids = self._load("contacts", [(contact_properties(p), p) for p in people])
        for person in people:
            if person.email and person.email_status in ("unsubscribed", "cleaned"):
                self.preferences.mark_opted_out(person.email)
        return ids

    def seed_companies(self, people: Sequence[SeedPerson]) -> list[str]:
        """Store one company per person (the company they work for)."""
        return self._load("companies", [(company_properties(p), p) for p in people])

    def inject(self, fault: Fault) -> None:
        self._faults.add(fault)

    def fault_mode(self, mode: FaultMode | None) -> FaultRecord:
        return self._storms.switch(mode)

    def add_malformed(self, stream: str) -> str:
        """A record whose modification date cannot be decoded (a corrupt timestamp)."""
        (row_id,) = self._load(stream, [({"city": "Nowhere"}, None)])
        with self.portal.lock:
            table = self.portal.table(stream)
            row = table.rows[int(row_id)]
            broken = replace(row, props=row.props | {table.modified_property: "2026-13-45T25:61"})
            table.rows[broken.id] = broken
            self.portal.indexes[stream].load([broken])
        return row_id

    def write_calls(self) -> int:
        with self.portal.lock:
            return self.portal.write_calls

    def edit(
        self, external_id: str, properties: Mapping[str, Any], stream: str = "contacts"
    ) -> None:
        """Change a record as a HubSpot user would; its modification date moves to now."""
        self.portal.edit(stream, external_id, dict(properties))

    def edit_person(self, external_id: str, changes: SeedPerson) -> None:
        """A user edit from vendor-neutral changes; an unsubscribe opts the contact out."""
        properties = contact_properties(replace(changes, email_status=None))
        if changes.email_status in ("unsubscribed", "cleaned"):
            properties["hs_email_optout"] = "true"
        self.edit(external_id, properties)

    def merge(self, primary_id: str, other_id: str, stream: str = "contacts") -> str:
        """Merge two records as a user would; returns the id of the new surviving record."""
        request = {"primaryObjectId": primary_id, "objectIdToMerge": other_id}
        return str(Writer(self.portal).merge(stream, request)["id"])

    def properties_of(self, external_id: str, stream: str = "contacts") -> dict[str, str] | None:
        """The stored values of a live record (following merges), for assertions."""
        with self.portal.lock:
            row = self.portal.table(stream).resolve(external_id)
            return dict(row.props) if row is not None else None

    def take_events(self) -> list[dict[str, Any]]:
        """The webhook events HubSpot would have sent for changes so far (and forget them)."""
        return self.portal.take_events()

    def webhook_delivery(
        self, events: Sequence[Mapping[str, Any]], url: str, method: str = "POST"
    ) -> tuple[dict[str, str], bytes]:
        """Headers and raw body of one delivery, signed with the v3 scheme at the clock's now."""
        body = json.dumps(list(events), separators=(",", ":")).encode()
        timestamp = str(to_epoch_ms(self.clock.now()))
        message = method.encode() + url.encode() + body + timestamp.encode()
        digest = hmac.new(self.client_secret.encode(), message, hashlib.sha256).digest()
        headers = {
            "Content-Type": "application/json",
            "X-HubSpot-Signature-v3": base64.b64encode(digest).decode(),
            "X-HubSpot-Signature-Version": "v3",
            "X-HubSpot-Request-Timestamp": timestamp,
        }
        return headers, body

    def _load(
        self, stream: str, rows: Sequence[tuple[dict[str, str], SeedPerson | None]]
    ) -> list[str]:
        now = self.clock.now()
        table = self.portal.table(stream)
        prepared = [
            (
                table.validate(values, allow_system=True),
                to_epoch_ms(person.modified_at if person and person.modified_at else now),
            )
            for values, person in rows
        ]
        return self.portal.load(stream, prepared)


def _is_write(method: str, path: str) -> bool:
    """Searches and batch reads are POSTs that change nothing."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    return not path.endswith(("/search", "/batch/read"))


def create_sandbox(*, clock: Clock | None = None, **limits: Any) -> HubSpotSandbox:
    """A fresh HubSpot sandbox; ``limits`` override any field of :class:`PortalConfig`
    (page caps, batch size, search index lag) or :class:`RateConfig` (burst, daily, search),
    and ``token`` / ``client_secret``. Search sees creates 10 s and updates 60 s late, as
    HubSpot's does; ``index_lag_create_s=0, index_lag_update_s=0`` turns the lag off.
    """
    portal_keys = {f.name for f in fields(PortalConfig)}
    rate_keys = {f.name for f in fields(RateConfig)}
    unknown = set(limits) - portal_keys - rate_keys - {"token", "client_secret"}
    if unknown:
        raise TypeError(f"unknown sandbox settings: {sorted(unknown)}")
    portal = PortalConfig(**{k: v for k, v in limits.items() if k in portal_keys})
    rates = RateConfig(**{k: v for k, v in limits.items() if k in rate_keys})
    secrets = {k: str(v) for k, v in limits.items() if k in ("token", "client_secret")}
    return HubSpotSandbox(clock or SystemClock(), portal, rates, **secrets)
