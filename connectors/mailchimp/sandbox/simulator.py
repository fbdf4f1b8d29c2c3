"""The Mailchimp sandbox: one account with one audience, and the controls tests and the demo use."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from connectors.base import Clock, ConnectorSettings, Role, Secret, SystemClock, WebhookRequest
from connectors.mailchimp.sandbox.app import build_app, build_results_app
from connectors.mailchimp.sandbox.batches import RESULTS_PREFIX
from connectors.mailchimp.sandbox.errors import fault_body
from connectors.mailchimp.sandbox.http import ApiGate, Traffic
from connectors.mailchimp.sandbox.member import Member, subscriber_hash
from connectors.mailchimp.sandbox.merge import default_merge_fields
from connectors.mailchimp.sandbox.seed import member_from_seed, merge_values
from connectors.mailchimp.sandbox.state import Audience, MemberInput
from connectors.mailchimp.sandbox.webhooks import Source, WebhookDelivery
from connectors.toolkit.fault_mode import FaultMode, FaultModeLayer, FaultRecord
from connectors.toolkit.sandbox import (
    ASGIApp,
    DateHeader,
    Fault,
    FaultInjector,
    Receive,
    Scope,
    SeedPerson,
    Send,
)

API_KEY = "5f4dcc3b5aa765d61d8327deb882cf99-us6"
LIST_ID = "a1b2c3d4e5"
WEBHOOK_SECRET = "sandbox-webhook-secret"
MALFORMED_BIRTHDAY = "13/45"


class MailchimpSandbox:
    """Implements :class:`connectors.toolkit.sandbox.Sandbox` for Mailchimp list members."""

    kind = "mailchimp"

    def __init__(
        self,
        *,
        clock: Clock,
        max_connections: int,
        api_key: str,
        list_id: str,
        webhook_secret: str,
        wrap_app: Callable[[ASGIApp], ASGIApp] | None,
        wrap_operations: Callable[[ASGIApp], ASGIApp] | None,
        batch_run_after_s: float,
    ) -> None:
        self.api_key = api_key
        self.list_id = list_id
        self.webhook_secret = webhook_secret
        self.audience = Audience(list_id, "crmsync sandbox audience", clock, default_merge_fields())
        self.traffic = Traffic(max_connections)
        api, self.batches = build_app(self.audience, clock, run_after_s=batch_run_after_s)
        operations = self.batches.app
        if wrap_operations is not None:
            operations = wrap_operations(operations)
        self._batch_faults = FaultInjector(operations)
        self.batches.app = self._batch_faults
        inner: ASGIApp = ApiGate(api, api_key=api_key, traffic=self.traffic)
        if wrap_app is not None:
            inner = wrap_app(inner)
        self._faults = FaultInjector(_with_results(inner, build_results_app(self.batches)))
        self._storms = FaultModeLayer(DateHeader(self._faults, clock), clock, error_body=fault_body)
        self.app: ASGIApp = self._storms

    # --- the Sandbox protocol -----------------------------------------------------------------

    def settings(self, name: str, base_url: str) -> ConnectorSettings:
        return ConnectorSettings(
            name=name,
            role=Role.MA,
            base_url=base_url.rstrip("/") + "/3.0",
            credentials={
                "api_key": Secret(self.api_key),
                "webhook_secret": Secret(self.webhook_secret),
            },
            options={"list_id": self.list_id},
        )

    def seed(self, people: Sequence[SeedPerson]) -> list[str]:
        """Members as Mailchimp holds them, with ``last_changed`` from ``modified_at``."""
        tags = {f.tag for f in self.audience.merge_fields()}
        now = self.audience.now()
        members = [
            member_from_seed(
                person,
                now=now,
                web_id=self.audience.new_web_id(),
                tag_id=self.audience.tag_id,
                merge_tags=tags,
            )
            for person in people
        ]
        self.audience.store(members)
        return [m.id for m in members]

    def inject(self, fault: Fault) -> None:
        self._faults.add(fault)

    def fault_mode(self, mode: FaultMode | None) -> FaultRecord:
        """Storms hit the API's own requests, not the operations inside ``/batches``."""
        return self._storms.switch(mode)

    def inject_into_batches(self, fault: Fault) -> None:
        """A fault for operations inside ``/batches`` (their paths start with ``/3.0``)."""
        self._batch_faults.add(fault)

    def add_malformed(self, stream: str) -> str:
        """A member whose birthday is no date (legacy data Mailchimp still returns)."""
        if stream != "members":
            raise ValueError(f"the Mailchimp sandbox has no stream {stream!r}")
        email = f"malformed-{self.audience.new_web_id()}@example.net"
        member = Member(
            id=subscriber_hash(email),
            email_address=email,
            status="subscribed",
            last_changed=self.audience.now(),
            web_id=self.audience.new_web_id(),
            merge_fields={"BIRTHDAY": MALFORMED_BIRTHDAY},
        )
        self.audience.store([member])
        return member.id

    def write_calls(self) -> int:
        return self.traffic.writes

    # --- helpers for tests and the demo -------------------------------------------------------

    def member(self, key: str) -> Member:
        """A copy of a member's state by hash or address (raises ApiError 404 if unknown)."""
        return self.audience.member(key)

    def edit_member(
        self,
        key: str,
        *,
        source: Source = "admin",
        status: str | None = None,
        merge_fields: Mapping[str, Any] | None = None,
        new_email: str | None = None,
    ) -> dict[str, Any]:
        """Change a member as a subscriber (``user``) or an admin in Mailchimp's UI would.

        ``last_changed`` moves and the webhook deliveries are queued (see :meth:`deliveries`).
        """
        given = MemberInput(
            email_address=new_email,
            status=status,
            merge_fields=dict(merge_fields) if merge_fields is not None else None,
        )
        return self.audience.edit(key, given, source)

    def edit_person(self, external_id: str, changes: SeedPerson) -> None:
        """A subscriber's own edit from vendor-neutral changes (status and merge fields)."""
        merges = {k: v for k, v in merge_values(changes).items() if v}
        self.edit_member(
            external_id,
            source="user",
            status=changes.email_status,
            merge_fields=merges or None,
            new_email=changes.email,
        )

    def deliveries(self) -> list[WebhookDelivery]:
        """Take the webhook deliveries queued since the last call, oldest first."""
        taken: list[WebhookDelivery] = []
        while self.audience.deliveries:
            taken.append(self.audience.deliveries.popleft())
        return taken

    def webhook_request(
        self,
        delivery: WebhookDelivery,
        url: str = "https://crmsync.example/webhooks/mailchimp",
        *,
        secret: str | None = None,
        received_at: datetime | None = None,
    ) -> WebhookRequest:
        """``delivery`` as our receiver gets it, with the sandbox's secret unless another given."""
        return delivery.request(
            url, secret=self.webhook_secret if secret is None else secret, received_at=received_at
        )


def _with_results(api: ASGIApp, results: ASGIApp) -> ASGIApp:
    """Batch results are served beside the API, outside ``/3.0`` and without a key."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(RESULTS_PREFIX):
            await results(scope, receive, send)
        else:
            await api(scope, receive, send)

    return route


def create_sandbox(
    *,
    clock: Clock | None = None,
    max_connections: int = 10,
    api_key: str = API_KEY,
    list_id: str = LIST_ID,
    webhook_secret: str = WEBHOOK_SECRET,
    wrap_app: Callable[[ASGIApp], ASGIApp] | None = None,
    wrap_operations: Callable[[ASGIApp], ASGIApp] | None = None,
    batch_run_after_s: float = 0.0,
) -> MailchimpSandbox:
    """A fresh sandbox; ``wrap_app`` lets a test observe every request inside fault injection,
    ``wrap_operations`` every operation a ``/batches`` submission runs.

    A submitted batch runs when it is looked at ``batch_run_after_s`` clock seconds later.
    """
    return MailchimpSandbox(
        clock=clock or SystemClock(),
        max_connections=max_connections,
        api_key=api_key,
        list_id=list_id,
        webhook_secret=webhook_secret,
        wrap_app=wrap_app,
        wrap_operations=wrap_operations,
        batch_run_after_s=batch_run_after_s,
    )
