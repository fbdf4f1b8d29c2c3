"""``crmsync conflicts``: values that lost to a survivorship rule although they were newer."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sync import views
from sync.cli import render
from sync.cli.context import ConfigOption, console, store


def conflicts(
    include_resolved: bool = typer.Option(False, "--all", help="Include resolved conflicts."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    config: Path = ConfigOption,
) -> None:
    """List recorded conflicts, newest first."""
    with store(config) as opened, opened.transaction() as conn:
        rows = views.conflicts(conn, include_resolved)
    if as_json:
        render.as_json(console, rows)
        return
    table = Table(title=f"Conflicts ({len(rows)})", title_justify="left")
    for name in ("id", "customer", "field", "rule", "kept (from)", "lost (from)", "when"):
        table.add_column(name)
    for r in rows:
        kept = f"{r['winner_value']} ({r['winner_system']})"
        lost = f"{r['loser_value']} ({r['loser_system']})"
        table.add_row(
            str(r["id"]), r["customer_id"], r["field"], r["rule"], kept, lost, r["created_at"]
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("conflicts")(conflicts)
