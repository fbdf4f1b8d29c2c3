"""Engine fixtures: a runtime over a store, without connectors."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from connectors.toolkit.clock import ManualClock
from sync.config import load_config
from sync.demo.world import DEMO_TEMPLATE
from sync.matching import ModelKeeper, match_settings
from sync.runtime import Runtime
from sync.store.sql import Store


@pytest.fixture
def rt(engine: Engine, clock: ManualClock) -> Runtime:
    """A runtime over the store without connectors: enough to resolve, merge, index and split."""
    config = load_config(DEMO_TEMPLATE, check_secrets=False).config
    rules = match_settings(config)
    return Runtime(
        config, Store(engine), {}, [], clock, match_settings=rules, models=ModelKeeper(rules)
    )
