"""The ``crmsync`` Typer application: collects the command groups and maps errors to exit codes.

Each command group lives in its own module under :mod:`sync.cli` and exposes
``register(app: typer.Typer) -> None``. Exit codes: 0 ok, 1 run failed, 2 bad config or usage.
"""

from __future__ import annotations

import importlib
import sys

import typer

from sync.logs import LogLevel, configure_logging

GROUPS: tuple[str, ...] = (
    "run",
    "status",
    "customer",
    "review",
    "conflicts",
    "quarantine",
    "dedupe",
    "config_cmd",
    "demo",
    "daemon",
)
"""Modules of :mod:`sync.cli` that register commands, in help order."""

app = typer.Typer(
    name="crmsync",
    help="Sync customer data between CRM, marketing automation, ERP and shop.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    log_level: LogLevel = typer.Option(
        LogLevel.WARNING, envvar="CRMSYNC_LOG_LEVEL", help="Log level of the JSON logs on stderr."
    ),
) -> None:
    """Sync customer data between CRM, marketing automation, ERP and shop."""
    configure_logging(log_level, stream=sys.stderr)


for _name in GROUPS:
    importlib.import_module(f"sync.cli.{_name}").register(app)


def main() -> None:
    """Console-script entry point."""
    app()
