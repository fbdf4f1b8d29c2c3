"""``crmsync run`` and ``crmsync resync``: one cycle, or streams read again (full or since)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from sync.cli import render
from sync.cli.bars import Bars
from sync.cli.context import ConfigOption, console, load, opened_runtime, runtime
from sync.config import LoadedConfig
from sync.cycle import Selection, run_cycle


def run(config: Path = ConfigOption) -> None:
    """Run one sync cycle: pull every stream, merge, push changes."""
    with runtime(config) as rt, Bars() as bars:
        report = run_cycle(rt, progress=bars)
    render.cycle_report(console, report)
    if not report.ok:
        raise typer.Exit(1)


def resync(
    system: str = typer.Argument(..., help="The configured system to read again."),
    stream: str | None = typer.Option(None, help="Only this stream of the system."),
    full: bool = typer.Option(False, "--full", help="Read everything, ignoring the checkpoint."),
    since: datetime | None = typer.Option(None, help="Read what changed since this date (UTC)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write nothing."),
    config: Path = ConfigOption,
) -> None:
    """Read a system (or one stream) again and push what changes."""
    if full and since:
        typer.echo("--full, --since: give one of them, not both", err=True)
        raise typer.Exit(2)
    when = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    loaded = load(config)
    _check_selection(loaded, system, stream)
    selection = Selection(system=system, stream=stream, full=full, since=when)
    with opened_runtime(loaded, dry_run=dry_run) as rt, Bars() as bars:
        report = run_cycle(rt, selection, kind="resync", progress=bars)
    render.cycle_report(console, report, title="Dry run" if dry_run else "Resync")
    if dry_run:
        render.dry_run_report(console, report)
    if not report.ok:
        raise typer.Exit(1)


def _check_selection(loaded: LoadedConfig, system: str, stream: str | None) -> None:
    """An unknown SYSTEM or --stream is a usage error naming what is configured."""
    systems = loaded.config.systems
    if system not in systems:
        known = ", ".join(sorted(systems))
        typer.echo(
            f"SYSTEM '{system}': not configured in {loaded.path} (systems: {known})", err=True
        )
        raise typer.Exit(2)
    streams = systems[system].streams
    if stream is not None and stream not in streams:
        known = ", ".join(sorted(streams))
        typer.echo(
            f"--stream '{stream}': system '{system}' has no such stream (streams: {known})",
            err=True,
        )
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("resync")(resync)
