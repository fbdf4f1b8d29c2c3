"""How a failed step is described where it is stored and shown: never with record values.

Connector errors keep their message (it carries no personal data by contract); anything else
is named by type and place only, because messages of database or library errors can quote
record values.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from connectors.base import ConnectorError


def describe_error(exc: BaseException) -> str:
    """A message safe to store and show: connector messages, otherwise only type and place."""
    if isinstance(exc, ConnectorError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__} at {where(exc)}"


def where(exc: BaseException) -> str:
    """``file.py:line`` of the innermost frame the exception passed through."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"
