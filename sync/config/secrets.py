"""Resolution of ``${ENV_VAR}`` and ``${file:/path}`` references into secrets, at build time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from connectors.base import Secret
from sync.config.model import SECRET_REF


class SecretNotFoundError(LookupError):
    """A referenced environment variable or file does not exist; the message names only the
    reference, never a value."""


def is_reference(value: str) -> bool:
    return bool(SECRET_REF.match(value))


def resolve(ref: str, env: Mapping[str, str] | None = None, base_dir: Path | None = None) -> Secret:
    """Resolve one reference; relative file paths are taken from ``base_dir``."""
    if not is_reference(ref):
        raise SecretNotFoundError("not a ${...} reference")
    inner = ref[2:-1]
    if inner.startswith("file:"):
        path = Path(inner[5:])
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            return Secret(path.read_text(encoding="utf-8").strip())
        except OSError:
            raise SecretNotFoundError(f"secret file {path} cannot be read") from None
    value = (os.environ if env is None else env).get(inner)
    if value is None:
        raise SecretNotFoundError(f"environment variable {inner} is not set")
    return Secret(value)


def resolve_url(
    url: str, env: Mapping[str, str] | None = None, base_dir: Path | None = None
) -> str:
    """A store URL, resolved when it is a reference and returned as is otherwise."""
    return resolve(url, env, base_dir).reveal() if is_reference(url) else url
