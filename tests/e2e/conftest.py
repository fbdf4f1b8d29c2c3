"""End-to-end fixtures: both vendor sandboxes on loopback, a config pointing at them, a runtime."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cast import BOTH, CRM_ONLY, MA_ONLY

from connectors.base import ConnectorDeps
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson
from sync.config import load_config
from sync.demo.world import World, start_world
from sync.runtime import Runtime, open_runtime


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
def seeded(world: World, clock: ManualClock) -> dict[str, list[str]]:
    """CRM and MA ids of the people above; in the MA, John has unsubscribed."""
    crm_ids = world.sandboxes["crm"].seed([*BOTH, *CRM_ONLY])
    in_ma = [
        SeedPerson(p.email, p.first_name, p.last_name, email_status="subscribed") for p in BOTH
    ]
    in_ma[2] = SeedPerson(BOTH[2].email, "John", "Smith", email_status="unsubscribed")
    in_ma[0] = SeedPerson(BOTH[0].email, "Anne", "Müller", email_status="subscribed")
    ma_ids = world.sandboxes["newsletter"].seed([*in_ma, *MA_ONLY])
    clock.advance(60)
    return {"crm": crm_ids, "newsletter": ma_ids}


@pytest.fixture
def runtime(world: World, clock: ManualClock) -> Iterator[Runtime]:
    deps = {name: ConnectorDeps(clock=clock) for name in world.sandboxes}
    rt = open_runtime(load_config(world.config_path), deps=deps, clock=clock)
    yield rt
    rt.close()
