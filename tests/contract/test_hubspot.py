"""The shared connector contract, run against the HubSpot sandbox for contacts and companies."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from connectors.base import ConnectorSettings, FieldValue, WriteOp
from connectors.hubspot.sandbox import HubSpotSandbox, create_sandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.contract import ConnectorContract
from connectors.toolkit.fault_mode import FaultMode, FaultRecord
from connectors.toolkit.sandbox import Fault, SeedPerson

SMALL_PAGES = {"page_size": 10, "search_page_size": 10}


class TestHubSpotContacts(ConnectorContract):
    kind = "hubspot"
    stream = "contacts"
    small_pages = SMALL_PAGES

    @pytest.fixture
    def sandbox(self, clock: ManualClock) -> HubSpotSandbox:
        return create_sandbox(clock=clock)

    def valid_write_op(self) -> WriteOp:
        email = f"new-{uuid.uuid4().hex[:8]}@example.org"
        fields = {"email": email, "firstname": "Ada", "lastname": "Lovelace"}
        return WriteOp(
            op_id=f"op-{uuid.uuid4().hex[:8]}", external_id=None, fields=fields, key=email
        )

    def rejected_write_op(self) -> WriteOp:
        return WriteOp(
            op_id="op-bad", external_id=None, fields={"firstname": "X"}, key="not-an-email"
        )


class _CompaniesSandbox:
    """The HubSpot sandbox with ``seed`` storing companies, so the contract can seed them."""

    def __init__(self, inner: HubSpotSandbox) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.app = inner.app

    def settings(self, name: str, base_url: str) -> ConnectorSettings:
        return self.inner.settings(name, base_url)

    def seed(self, people: Sequence[SeedPerson]) -> list[str]:
        return self.inner.seed_companies(people)

    def inject(self, fault: Fault) -> None:
        self.inner.inject(fault)

    def fault_mode(self, mode: FaultMode | None) -> FaultRecord:
        return self.inner.fault_mode(mode)

    def add_malformed(self, stream: str) -> str:
        return self.inner.add_malformed(stream)

    def write_calls(self) -> int:
        return self.inner.write_calls()


class TestHubSpotCompanies(ConnectorContract):
    kind = "hubspot"
    stream = "companies"
    small_pages = SMALL_PAGES

    @pytest.fixture
    def sandbox(self, clock: ManualClock) -> Any:
        return _CompaniesSandbox(create_sandbox(clock=clock))

    def valid_write_op(self) -> WriteOp:
        key = f"acme-{uuid.uuid4().hex[:8]}.example"
        fields: dict[str, FieldValue] = {"name": "Acme", "domain": key, "numberofemployees": 12}
        return WriteOp(op_id=f"op-{uuid.uuid4().hex[:8]}", external_id=None, fields=fields, key=key)

    def rejected_write_op(self) -> WriteOp:
        fields = {"name": "Broken", "numberofemployees": "lots"}
        return WriteOp(op_id="op-bad", external_id=None, fields=fields, key="broken.example")
