"""The ``crmsync daemon`` command: scheduled streams, webhooks, /healthz and /metrics."""

from __future__ import annotations

from pathlib import Path

import typer

from sync.cli.context import ConfigOption, errors, load, preflight_store
from sync.config import ConfigError
from sync.daemon import run_daemon
from sync.logs import LogLevel

HostOption = typer.Option(None, envvar="CRMSYNC_WEB_HOST", help="Listen address (web.host).")
PortOption = typer.Option(None, envvar="CRMSYNC_WEB_PORT", help="Port; 0 picks a free one.")
LevelOption = typer.Option(LogLevel.INFO, envvar="CRMSYNC_LOG_LEVEL", help="Log level.")


def daemon(
    config: Path = ConfigOption,
    host: str | None = HostOption,
    port: int | None = PortOption,
    log_level: LogLevel = LevelOption,
) -> None:
    """Run the sync daemon until SIGTERM: every stream on its schedule, plus webhooks."""
    loaded = load(config)
    preflight_store(loaded)
    try:
        code = run_daemon(loaded, host=host, port=port, log_level=log_level)
    except ConfigError as exc:
        for problem in exc.problems:
            errors.print(str(problem), markup=False, highlight=False)
        raise typer.Exit(2) from None
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add ``daemon`` to the ``crmsync`` application."""
    app.command("daemon")(daemon)
