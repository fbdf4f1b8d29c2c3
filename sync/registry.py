"""Finding connector kinds through entry points and building configured connectors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from pathlib import Path

import httpx

from connectors.base import (
    ENTRY_POINT_GROUP,
    ConfigurationError,
    Connector,
    ConnectorDeps,
    ConnectorFactory,
    ConnectorSettings,
    HttpPolicy,
)
from sync.config.checks import Problem
from sync.config.loader import LoadedConfig
from sync.config.model import CrmsyncConfig, Direction, SystemConfig
from sync.config.secrets import SecretNotFoundError, resolve


class UnknownConnectorError(LookupError):
    """No installed package provides the configured connector kind."""


def available_kinds() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


def load_factory(kind: str) -> ConnectorFactory:
    found = entry_points(group=ENTRY_POINT_GROUP, name=kind)
    if not found:
        known = ", ".join(available_kinds()) or "none"
        raise UnknownConnectorError(f"no connector of kind '{kind}' is installed (known: {known})")
    factory: ConnectorFactory = next(iter(found)).load()
    return factory


def settings_for(
    name: str, system: SystemConfig, base_dir: Path, env: Mapping[str, str] | None = None
) -> ConnectorSettings:
    """The connector's view of its configuration, with secrets resolved."""
    return ConnectorSettings(
        name=name,
        role=system.role,
        base_url=system.base_url or "",
        credentials={k: resolve(v, env, base_dir) for k, v in system.credentials.items()},
        options=dict(system.options),
        read_fields={
            stream: tuple(sorted(set(cfg.mapped(Direction.READ).values())))
            for stream, cfg in system.streams.items()
        },
        http=HttpPolicy(
            timeout_s=system.http.timeout_s,
            max_attempts=system.http.max_attempts,
            max_retry_s=system.http.max_retry_s,
        ),
    )


def build_connectors(
    config: CrmsyncConfig,
    base_dir: Path,
    deps: Mapping[str, ConnectorDeps],
    env: Mapping[str, str] | None = None,
) -> dict[str, Connector]:
    """One connector per configured system; ``deps`` may give a system its transport/clock."""
    built: dict[str, Connector] = {}
    for name, system in config.systems.items():
        factory = load_factory(system.kind)
        settings = settings_for(name, system, base_dir, env)
        built[name] = factory(settings, deps.get(name, ConnectorDeps()))
    return built


def stream_problems(loaded: LoadedConfig) -> Iterator[Problem]:
    """Streams a configured connector does not offer, and options it refuses.

    Each connector is built as ``run`` builds it, but with a transport that refuses every
    request, so checking never reaches a vendor. Systems whose kind is not installed or whose
    secrets do not resolve are left to the checks that report those.
    """
    installed = set(available_kinds())
    for name, system in loaded.config.systems.items():
        if system.kind not in installed:
            continue
        try:
            settings = settings_for(name, system, loaded.base_dir)
        except SecretNotFoundError:
            continue
        try:
            connector = load_factory(system.kind)(settings, ConnectorDeps(transport=_OFFLINE))
        except ConfigurationError as exc:
            yield ("systems", name, "options"), str(exc)
            continue
        try:
            offered = connector.streams()
        finally:
            connector.close()
        for stream in system.streams:
            if stream not in offered:
                has = ", ".join(sorted(offered))
                yield (
                    ("systems", name, "streams", stream),
                    (f"unknown stream '{stream}' for {system.kind} (it has: {has})"),
                )


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("checking a configuration never connects", request=request)


_OFFLINE = httpx.MockTransport(_refuse)
