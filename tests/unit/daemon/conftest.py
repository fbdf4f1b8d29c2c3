"""Fixtures for the daemon's tests: a world of sandboxes on loopback, a runtime over it on the
test's store, seeded people whose personal data the log tests look for, and logging that is
put back as it was after each test."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import structlog
from ruamel.yaml import YAML

from connectors.base import ConnectorDeps
from connectors.toolkit.clock import ManualClock
from sync.config import load_config
from sync.demo.world import World, start_world
from sync.runtime import open_runtime

from .seeded import CRM_PEOPLE, MA_PEOPLE, MakeSetup, Setup


@pytest.fixture
def sqlite_only(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh SQLite store, for tests of layers that do not depend on the backend (modules
    override ``store_url`` with it to keep the suite fast)."""
    path = tmp_path / "store.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_setup(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MakeSetup]:
    """Both sandboxes seeded, the configuration written, the runtime open on ``store_url``;
    ``sandbox_options`` go to the sandbox factories, ``options`` into the systems' options."""
    made: list[Setup] = []

    def make(
        *,
        sandbox_options: Mapping[str, Mapping[str, Any]] | None = None,
        options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Setup:
        clock = ManualClock()
        world = start_world(
            tmp_path / f"world{len(made)}",
            store_url=store_url,
            clock=clock,
            sandbox_options=sandbox_options,
        )
        _rewrite_systems(world, options or {})
        for name, value in world.env.items():
            monkeypatch.setenv(name, value)
        crm_ids = world.sandboxes["crm"].seed(CRM_PEOPLE)
        ma_ids = world.sandboxes["newsletter"].seed(MA_PEOPLE)
        loaded = load_config(world.config_path)
        deps = {name: ConnectorDeps(clock=clock) for name in loaded.config.systems}
        rt = open_runtime(loaded, deps=deps, clock=clock)
        made.append(Setup(world, clock, rt, crm_ids, ma_ids))
        return made[-1]

    yield make
    for setup in made:
        setup.close()


@pytest.fixture
def setup(make_setup: MakeSetup) -> Setup:
    return make_setup()


def _rewrite_systems(world: World, options: Mapping[str, Mapping[str, Any]]) -> None:
    """Each sandbox's own connector base URL (Mailchimp's carries ``/3.0``), whatever the
    world wrote, and extra connector options."""
    yaml = YAML(typ="rt")
    document = yaml.load(world.config_path.read_text(encoding="utf-8"))
    for name, sandbox in world.sandboxes.items():
        system = document["systems"][name]
        system["base_url"] = sandbox.settings(name, world.servers[name].base_url).base_url
        system.setdefault("options", {}).update(dict(options.get(name, {})))
    with world.config_path.open("w", encoding="utf-8") as out:
        yaml.dump(document, out)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Tests that configure logging get the process's logging back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {
        name: logging.getLogger(name).level
        for name in ("httpx", "httpcore", "apscheduler", "uvicorn.access")
    }
    saved = structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
    structlog.configure(**saved)
