"""Finding connector kinds through entry points and building configured connectors."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path

from connectors.base import (
    ENTRY_POINT_GROUP,
    Connector,
    ConnectorDeps,
    ConnectorFactory,
    ConnectorSettings,
    HttpPolicy,
)
from sync.config.model import CrmsyncConfig, Direction, SystemConfig
from sync.config.secrets import resolve


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
