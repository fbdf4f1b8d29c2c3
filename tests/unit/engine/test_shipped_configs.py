"""What we ship is what we test: the example and demo configs load, the schema file is fresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.config import load_config
from sync.config.schema import config_schema
from sync.demo.world import DEMO_TEMPLATE

CONFIG_DIR = Path(__file__).resolve().parents[3] / "config"
SCHEMA_FILE = CONFIG_DIR / "crmsync.schema.json"


def test_the_schema_file_is_generated_from_the_model() -> None:
    shipped = json.loads(SCHEMA_FILE.read_text())

    assert shipped == config_schema(), (
        "run: crmsync config schema --output config/crmsync.schema.json"
    )


@pytest.mark.parametrize(
    "path", [CONFIG_DIR / "example.yaml", DEMO_TEMPLATE], ids=["example", "demo"]
)
def test_shipped_configuration_loads(path: Path) -> None:
    loaded = load_config(path, check_secrets=False)

    assert loaded.config.leader() == "crm"
    assert set(loaded.config.systems) == {"crm", "newsletter"}
