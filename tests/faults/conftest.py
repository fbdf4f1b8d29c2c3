"""Fault-test fixtures: the reference a disturbed world must end equal to — one runner,
uninterrupted, on the same seed, in processes of their own as the disturbed worlds are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from outside import OutsideWorld, outside_world

SEED, CRM, MA = 2027, 5000, 5000
"""The world of the crash and two-runner tests: 5,000 CRM contacts and 5,000 members."""


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Final state of an uninterrupted world: a full run, then a no-change cycle."""
    directory = tmp_path_factory.mktemp("reference")
    with outside_world(
        directory, f"sqlite:///{directory / 'store.sqlite'}", SEED, CRM, MA
    ) as world:
        for _ in range(2):
            assert world.run("run").returncode == 0
        yield {"vendors": world.state(), "store": world.store()}


@pytest.fixture
def disturbed(tmp_path: Path, store_url: str) -> Iterator[OutsideWorld]:
    """A fresh world of the same seed, on each store backend."""
    with outside_world(tmp_path / "world", store_url, SEED, CRM, MA) as world:
        yield world
