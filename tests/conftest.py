"""Shared fixtures: store URLs on SQLite and on a real PostgreSQL, migrated engines, clocks,
and a world of vendor sandboxes on loopback with a runtime pointing at it."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgserver import PostgresServer, start_server
from sqlalchemy import Engine, create_engine, text

from connectors.base import ConnectorDeps
from connectors.toolkit.clock import ManualClock
from sync.config import load_config
from sync.demo.world import World, start_world
from sync.runtime import Runtime, open_runtime
from sync.store.db import create_store_engine, migrate

TEMPLATE_DB = "crmsync_template"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = start_server()
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {TEMPLATE_DB}"))
    template = create_store_engine(server.url(TEMPLATE_DB))
    migrate(template)
    template.dispose()
    admin.dispose()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "store.sqlite"
    engine = create_store_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated database per test, on each backend the store supports."""
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}"))
    admin.dispose()
    return server.url(name)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = create_store_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def world(
    tmp_path: Path, store_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    started = start_world(tmp_path, store_url=store_url, clock=clock)
    for name, value in started.env.items():
        monkeypatch.setenv(name, value)
    yield started
    started.close()


@pytest.fixture
def runtime(world: World, clock: ManualClock) -> Iterator[Runtime]:
    deps = {name: ConnectorDeps(clock=clock) for name in world.sandboxes}
    rt = open_runtime(load_config(world.config_path), deps=deps, clock=clock)
    yield rt
    rt.close()
