"""What we ship is what we test: the example and demo configs load, the schema file is fresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.config import load_config
from sync.config.schema import SCHEMA_FILE, config_schema

CONFIG_DIR = Path(__file__).resolve().parents[3] / "config"


def test_the_schema_file_is_generated_from_the_model() -> None:
    shipped = json.loads(SCHEMA_FILE.read_text())

    assert shipped == config_schema(), (
        "run: crmsync config schema --output config/crmsync.schema.json"
    )


@pytest.mark.parametrize("name", ["example.yaml", "demo.yaml"])
def test_shipped_configuration_loads(name: str) -> None:
    loaded = load_config(CONFIG_DIR / name, check_secrets=False)

    assert loaded.config.leader() == "crm"
    assert set(loaded.config.systems) == {"crm", "newsletter"}
