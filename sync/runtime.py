"""Everything a cycle runs with: configuration, store, connectors, field maps and the clock."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from connectors.base import (
    Capability,
    Clock,
    ConfigurationError,
    Connector,
    ConnectorDeps,
    Role,
    StreamInfo,
    SystemClock,
)
from sync.config.loader import LoadedConfig
from sync.config.model import CrmsyncConfig, Direction, StreamConfig
from sync.config.secrets import resolve_url
from sync.identity.settings import MatchSettings
from sync.mapping import StreamMap
from sync.matching import ModelKeeper, match_settings
from sync.registry import build_connectors
from sync.store.db import open_store
from sync.store.sql import Store


@dataclass(frozen=True)
class Stream:
    """One configured stream of one system, with what its connector says it can do."""

    system: str
    name: str
    info: StreamInfo
    config: StreamConfig
    map: StreamMap

    @property
    def key(self) -> tuple[str, str]:
        return (self.system, self.name)

    @property
    def can_write(self) -> bool:
        return Capability.WRITE in self.info.capabilities and self.config.push


@dataclass
class Runtime:
    """Set ``stopping`` to make running pulls and pushes end after their current batch."""

    config: CrmsyncConfig
    store: Store
    connectors: Mapping[str, Connector]
    streams: list[Stream]
    clock: Clock = field(default_factory=SystemClock)
    stopping: threading.Event = field(default_factory=threading.Event)
    match_settings: MatchSettings = field(default_factory=MatchSettings)
    models: ModelKeeper = field(default_factory=lambda: ModelKeeper(MatchSettings()))

    def stream(self, system: str, name: str) -> Stream:
        for s in self.streams:
            if s.key == (system, name):
                return s
        raise ConfigurationError(f"no stream '{name}' is configured for system '{system}'")

    def leader(self) -> str | None:
        return self.config.leader()

    def leader_stream(self, entity: str) -> Stream | None:
        leader = self.leader()
        return next(
            (s for s in self.streams if s.system == leader and s.info.entity.value == entity), None
        )

    def close(self) -> None:
        for connector in self.connectors.values():
            connector.close()
        self.store.close()


def open_runtime(
    loaded: LoadedConfig,
    *,
    deps: Mapping[str, ConnectorDeps] | None = None,
    clock: Clock | None = None,
    dry_run: bool = False,
) -> Runtime:
    """Open the store (migrating it) and build every configured connector."""
    config = loaded.config
    engine = open_store(resolve_url(config.store.url, base_dir=loaded.base_dir))
    connectors = build_connectors(config, loaded.base_dir, deps or {})
    streams = [
        _stream(config, name, stream, connectors[name])
        for name, system in config.systems.items()
        for stream in system.streams
    ]
    settings = match_settings(config)
    return Runtime(
        config,
        Store(engine, dry_run=dry_run),
        connectors,
        streams,
        clock or SystemClock(),
        match_settings=settings,
        models=ModelKeeper(settings),
    )


def _stream(config: CrmsyncConfig, system: str, name: str, connector: Connector) -> Stream:
    offered = connector.streams()
    if name not in offered:
        known = ", ".join(sorted(offered))
        raise ConfigurationError(
            f"{system}: the connector has no stream '{name}' (it has: {known})"
        )
    info = offered[name]
    cfg = config.systems[system].streams[name]
    types = config.field_types()
    smap = StreamMap(
        system=system,
        stream=name,
        role=Role(config.systems[system].role),
        entity=info.entity,
        read=cfg.mapped(Direction.READ),
        write=cfg.mapped(Direction.WRITE),
        types={k: types[k] for k in cfg.fields},
    )
    return Stream(system, name, info, cfg, smap)
