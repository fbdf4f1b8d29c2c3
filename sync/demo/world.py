"""A running world of vendor sandboxes on loopback and a configuration that points at them.

Used by ``crmsync demo``, the end-to-end tests and the benchmarks: every system of a template
configuration gets the sandbox of its kind (found through the ``crmsync.sandboxes`` entry
points), served on a free loopback port; the configuration is written again with the
sandboxes' URLs and options, and their credentials go into environment variables, exactly as
real secrets would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from connectors.base import SANDBOX_ENTRY_POINT_GROUP, Clock, ConnectorSettings
from connectors.toolkit.sandbox import Sandbox, SandboxFactory, SandboxServer
from sync.config.secrets import is_reference

DEMO_TEMPLATE = Path(__file__).with_name("demo.yaml")  # shipped in the package
HUBSPOT_WITHOUT_SEARCH_LAG = {"index_lag_create_s": 0, "index_lag_update_s": 0}
"""HubSpot sandbox options for runs that edit and read again at once (demo, benchmark): its
search shows an edit up to a minute late, as HubSpot's does."""


@dataclass
class World:
    """Sandboxes by system name, their servers, the written config and its secrets."""

    config_path: Path
    sandboxes: dict[str, Sandbox]
    servers: dict[str, SandboxServer]
    env: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        for server in self.servers.values():
            server.stop()


def sandbox_factory(kind: str) -> SandboxFactory:
    (entry,) = entry_points(group=SANDBOX_ENTRY_POINT_GROUP, name=kind)
    factory: SandboxFactory = entry.load()
    return factory


def start_world(
    directory: Path,
    *,
    store_url: str,
    template: Path = DEMO_TEMPLATE,
    clock: Clock | None = None,
    sandbox_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> World:
    """Start one sandbox per configured system and write ``directory/crmsync.yaml``.

    ``sandbox_options`` passes keyword arguments to a system's sandbox factory (limits, lag).
    """
    kinds = {name: system["kind"] for name, system in _load(template)["systems"].items()}
    sandboxes: dict[str, Sandbox] = {}
    servers: dict[str, SandboxServer] = {}
    for name, kind in kinds.items():
        kwargs = dict((sandbox_options or {}).get(name, {}))
        if clock is not None:
            kwargs["clock"] = clock
        sandboxes[name] = sandbox_factory(kind)(**kwargs)
        servers[name] = SandboxServer(sandboxes[name].app).start()
    settings = {n: s.settings(n, servers[n].base_url) for n, s in sandboxes.items()}
    path, env = write_config(template, directory, store_url, settings)
    return World(path, sandboxes, servers, env)


def write_config(
    template: Path,
    directory: Path,
    store_url: str,
    settings: Mapping[str, ConnectorSettings],
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[Path, dict[str, str]]:
    """Write ``directory/crmsync.yaml`` from ``template`` for systems served at ``settings``.

    Returns the path and the environment variables that carry the credentials.
    """
    document = _load(template)
    env: dict[str, str] = {}
    for name, system in document["systems"].items():
        given = settings[name]
        system["base_url"] = given.base_url
        system.setdefault("options", {}).update(dict(given.options))
        system["options"].update(dict((options or {}).get(name, {})))
        env.update(_secrets(system.get("credentials", {}), given.credentials))
    document["store"]["url"] = store_url
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "crmsync.yaml"
    with path.open("w", encoding="utf-8") as out:
        YAML(typ="rt").dump(document, out)
    return path, env


def _load(template: Path) -> Any:
    return YAML(typ="rt").load(template.read_text(encoding="utf-8"))


def _secrets(refs: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, str]:
    """Environment variable → value for each ``${VAR}`` credential the sandbox provides."""
    out = {}
    for key, ref in refs.items():
        if is_reference(ref) and not ref.startswith("${file:") and key in values:
            out[ref[2:-1]] = values[key].reveal()
    return out
