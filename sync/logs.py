"""Logging setup: structlog and stdlib logging rendered as one stream of redacted JSON lines.

Called once by the CLI or the daemon (STYLE rule 9). Library loggers (uvicorn, httpx,
apscheduler) go through the same redaction and renderer as our own events, so a line from
anywhere in the process has the same shape: ``timestamp``, ``level``, ``logger``, ``event``
and the bound context.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor

from sync.redaction import Redactor

QUIET_LOGGERS = {
    # httpx and httpcore log every request URL at INFO/DEBUG; URLs can hold ids and secrets.
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    # APScheduler logs each job start and end at INFO; our jobs log their own outcome.
    "apscheduler": logging.WARNING,
    # Request lines are logged by the web app itself, with the route instead of the path.
    "uvicorn.access": logging.WARNING,
}


class LogLevel(StrEnum):
    """The levels the command line offers."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_HEAD = ("timestamp", "level", "logger", "event")
_redactor = Redactor()


class _CrmsyncHandler(logging.StreamHandler[TextIO]):
    """Marks the handler we install, so configuring again replaces only ours."""


def configure_logging(
    level: str = "info",
    *,
    json: bool = True,
    stream: TextIO | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """Route structlog and stdlib logging to ``stream`` (default stdout) at ``level``.

    ``secrets`` are exact values (resolved credentials) masked wherever they appear.
    Calling it again replaces the earlier setup.
    """
    _redactor.add(secrets)
    handler = _CrmsyncHandler(stream or sys.stdout)
    handler.setFormatter(_formatter(json))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _CrmsyncHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(_level(level))
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(quiet, _level(level)))
    structlog.configure(
        processors=[*_shared(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        context_class=dict,
        cache_logger_on_first_use=False,
    )


def register_secrets(secrets: Iterable[str]) -> None:
    """Mask these values in every later line too (secrets learnt after configuration)."""
    _redactor.add(secrets)


def _shared() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.filter_by_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.PositionalArgumentsFormatter(),
    ]


def _formatter(json: bool) -> logging.Formatter:
    renderer: Processor = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    foreign: list[Processor] = [
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=foreign,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redactor,
            _head_first,
            renderer,
        ],
    )


def _head_first(logger: object, method: str, event_dict: EventDict) -> EventDict:
    """Put the keys a reader scans for first; the bound context follows."""
    head = {k: event_dict.pop(k) for k in _HEAD if k in event_dict}
    return {**head, **event_dict}


def _level(name: str) -> int:
    value: Any = logging.getLevelNamesMapping().get(name.upper())
    if not isinstance(value, int):
        raise ValueError(f"unknown log level {name!r}")
    return value
