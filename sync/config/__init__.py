"""Configuration: the YAML model, its loader with line-accurate errors, and secret references."""

from sync.config.loader import ConfigError, ConfigProblem, LoadedConfig, load_config
from sync.config.model import CrmsyncConfig

__all__ = ["ConfigError", "ConfigProblem", "CrmsyncConfig", "LoadedConfig", "load_config"]
