"""``crmsync run`` and ``crmsync resync``: one cycle, or streams read again (full or since)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from sync.cli import render
from sync.cli.bars import Bars
from sync.cli.context import ConfigOption, console, errors, runtime
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
        errors.print("give --full or --since, not both")
        raise typer.Exit(2)
    when = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    selection = Selection(system=system, stream=stream, full=full, since=when)
    with runtime(config, dry_run=dry_run) as rt, Bars() as bars:
        rt.stream(system, stream) if stream else _check_system(rt.config.systems, system)
        report = run_cycle(rt, selection, kind="resync", progress=bars)
    render.cycle_report(console, report, title="Dry run" if dry_run else "Resync")
    if dry_run:
        render.dry_run_report(console, report)
    if not report.ok:
        raise typer.Exit(1)


def _check_system(systems: object, system: str) -> None:
    if system not in systems:  # type: ignore[operator]
        errors.print(f"no system '{system}' is configured")
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("resync")(resync)
