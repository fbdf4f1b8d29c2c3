"""Fixtures for the HubSpot tests: a sandbox on the manual clock, served on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from connectors.base import ConnectorDeps
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.sandbox import HubSpotSandbox, create_sandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SandboxServer

ConnectorFactory = Callable[..., HubSpotConnector]


@pytest.fixture
def sandbox_limits() -> dict[str, Any]:
    """Overridden by tests that need other caps, lags or rate limits."""
    return {}


@pytest.fixture
def sandbox(clock: ManualClock, sandbox_limits: dict[str, Any]) -> HubSpotSandbox:
    return create_sandbox(clock=clock, **sandbox_limits)


@pytest.fixture
def server(sandbox: HubSpotSandbox) -> Iterator[SandboxServer]:
    with SandboxServer(sandbox.app) as server:
        yield server


@pytest.fixture
def api(sandbox: HubSpotSandbox, server: SandboxServer) -> Iterator[httpx.Client]:
    """A raw, authenticated client for asserting the sandbox's own answers."""
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    with httpx.Client(base_url=server.base_url, headers=headers) as client:
        yield client


@pytest.fixture
def make_connector(
    sandbox: HubSpotSandbox, server: SandboxServer, clock: ManualClock
) -> Iterator[ConnectorFactory]:
    made: list[HubSpotConnector] = []

    def make(**options: Any) -> HubSpotConnector:
        base = sandbox.settings("crm", server.base_url)
        settings = replace(base, options={**base.options, **options})
        connector = HubSpotConnector(settings, ConnectorDeps(clock=clock))
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()
