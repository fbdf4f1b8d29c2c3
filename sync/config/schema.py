"""The JSON Schema of the configuration file, generated from the pydantic model."""

from __future__ import annotations

from typing import Any

from sync.config.model import CrmsyncConfig


def config_schema() -> dict[str, Any]:
    schema = CrmsyncConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "crmsync configuration"
    return schema
