"""``crmsync status``: last runs, totals, cursors, outbox and open work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from connectors.base import SystemClock
from sync import views
from sync.cli import render
from sync.cli.context import ConfigOption, console, store


def status(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    runs: int = typer.Option(5, help="How many recent runs to show."),
    config: Path = ConfigOption,
) -> None:
    """Show recent runs with their counts and errors, store totals and cursors."""
    with store(config) as opened, opened.transaction() as conn:
        data = views.status(conn, runs, now=SystemClock().now())
    if as_json:
        render.as_json(console, data)
        return
    console.print(_runs_table(data["runs"]))
    totals = Table(title="Store", title_justify="left")
    totals.add_column("what")
    totals.add_column("count", justify="right")
    for name, n in {**data["totals"], **data["records_by_system"]}.items():
        totals.add_row(name.replace("_", " "), str(n))
    for target, n in data["outbox"].items():
        totals.add_row(f"waiting to push to {target}", str(n))
    console.print(totals)
    for held in data["leases"]:
        ended = " (its process has ended)" * held["holder_ended"]
        console.print(
            f"now: {held['name']} held by {held['holder']} until {held['expires_at']}{ended}",
            highlight=False,
            soft_wrap=True,
        )
    for c in data["cursors"]:
        console.print(
            f"cursor {c['system']}/{c['stream']} updated {c['updated_at']}", highlight=False
        )


STATUS_STYLES = {"ok": "green", "failed": "red", "interrupted": "bold yellow"}
"""How each run status is shown; ``interrupted`` marks a run whose process ended on the way."""


def _runs_table(runs: list[dict[str, Any]]) -> Table:
    table = Table(title="Recent runs", title_justify="left")
    for name in ("id", "kind", "status", "started", "finished", "error"):
        table.add_column(name)
    for r in runs:
        table.add_row(
            str(r["id"]),
            r["kind"],
            Text(r["status"], style=STATUS_STYLES.get(r["status"], "")),
            r["started_at"],
            r["finished_at"] or "",
            r["error"] or "",
        )
    return table


def register(app: typer.Typer) -> None:
    app.command("status")(status)
