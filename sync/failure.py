"""What a failure is, told without record values: how a failed step is described where it
is stored and shown, and whether a failure may lie in the records being taken in.

Connector errors keep their message (it carries no personal data by contract); anything else
is named by type and place only, because messages of database or library errors can quote
record values.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

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


def is_poison(exc: Exception) -> bool:
    """Whether a failure may lie in the records being taken in. Connector failures and a
    database that is out of reach, busy or out of resources are not: they fail the pull, and
    the next cycle tries again. A value too large for an index (SQLSTATE class 54) is."""
    if isinstance(exc, ConnectorError | MemoryError | SQLAlchemyTimeoutError):
        return False
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return False
    if isinstance(exc, OperationalError | InterfaceError):
        return str(getattr(exc.orig, "sqlstate", "") or "").startswith("54")
    return True


def failure_name(exc: Exception) -> str:
    """The kind of failure, the driver's own where the database raised it; never a message,
    which may quote a value."""
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    return type(orig or exc).__name__
