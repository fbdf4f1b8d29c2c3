"""Fixtures for the Mailchimp tests: a spec-checked sandbox on the manual clock, on loopback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.base import ConnectorDeps
from connectors.mailchimp.connector import MailchimpConnector
from connectors.mailchimp.sandbox import MailchimpSandbox, create_sandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SandboxServer

# The spec checker lives with the contract tests; the test directories are not packages, so
# it is imported the way pytest imports the contract module itself: by its directory.
_CONTRACT_DIR = str(Path(__file__).resolve().parents[3] / "contract")
if _CONTRACT_DIR not in sys.path:
    sys.path.insert(0, _CONTRACT_DIR)

from mailchimp_spec import SpecCheck  # noqa: E402

ConnectorFactory = Callable[..., MailchimpConnector]


@pytest.fixture
def spec_check() -> Iterator[SpecCheck]:
    """Fails the test if any request or response broke Mailchimp's OpenAPI spec."""
    check = SpecCheck()
    yield check
    check.assert_clean()


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    """Overridden by tests that need another connection limit, batch delay or spec check."""
    return {}


@pytest.fixture
def sandbox(
    clock: ManualClock, spec_check: SpecCheck, sandbox_options: dict[str, Any]
) -> MailchimpSandbox:
    options = {"wrap_operations": spec_check.wrap, **sandbox_options}
    return create_sandbox(clock=clock, wrap_app=spec_check.wrap, **options)


@pytest.fixture
def server(sandbox: MailchimpSandbox) -> Iterator[SandboxServer]:
    with SandboxServer(sandbox.app) as server:
        yield server


@pytest.fixture
def api(sandbox: MailchimpSandbox, server: SandboxServer) -> Iterator[httpx.Client]:
    """A raw client with the sandbox's key, for asserting the sandbox's own answers."""
    base = f"{server.base_url}/3.0/lists/{sandbox.list_id}"
    with httpx.Client(base_url=base, auth=("anystring", sandbox.api_key)) as client:
        yield client


@pytest.fixture
def make_connector(
    sandbox: MailchimpSandbox, server: SandboxServer, clock: ManualClock
) -> Iterator[ConnectorFactory]:
    made: list[MailchimpConnector] = []

    def make(**options: Any) -> MailchimpConnector:
        base = sandbox.settings("newsletter", server.base_url)
        settings = replace(base, options={**base.options, **options})
        connector = MailchimpConnector(settings, ConnectorDeps(clock=clock))
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def connector(make_connector: ConnectorFactory) -> MailchimpConnector:
    return make_connector()
