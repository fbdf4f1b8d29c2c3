"""``crmsync demo``: seeded sandboxes, a full sync, edits on both sides, a second cycle."""

from __future__ import annotations

from pathlib import Path

import typer

from sync.cli import render
from sync.cli.bars import Bars
from sync.cli.context import console
from sync.demo.directory import DemoDirectoryError, check
from sync.demo.show import DemoSize, run_demo, summary


def demo(
    directory: Path = typer.Option(
        Path("demo-data"),
        help="Where the demo keeps its files: a new or empty directory, or an earlier demo's.",
    ),
    crm: int = typer.Option(3000, help="Contacts seeded into the HubSpot sandbox."),
    ma: int = typer.Option(2500, help="Members seeded into the Mailchimp sandbox."),
) -> None:
    """Run the whole sync on the embedded default: SQLite store and vendor sandboxes."""
    try:
        check(directory)  # before the progress bars take the terminal
    except DemoDirectoryError as exc:
        typer.echo(f"--directory {directory}: {exc}", err=True)
        raise typer.Exit(2) from None
    with Bars() as bars:
        run = run_demo(directory, DemoSize(crm=crm, ma=ma), console, bars)
    render.cycle_report(console, run.reports[0], title="First cycle (full sync)")
    console.print("\nBetween the cycles:", *(f"  - {e}" for e in run.edits), sep="\n")
    render.cycle_report(console, run.reports[1], title="Second cycle (incremental)")
    summary(console, run)
    if not all(r.ok for r in run.reports):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
