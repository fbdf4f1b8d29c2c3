"""``crmsync quarantine``: list records that could not be taken in, and replay them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sync import views
from sync.cli import render
from sync.cli.context import ConfigOption, console, runtime, store
from sync.replay import replay

group = typer.Typer(help="Records that could not be taken in.", no_args_is_help=True)


@group.command("list")
def list_entries(
    include_replayed: bool = typer.Option(False, "--all", help="Include replayed entries."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    config: Path = ConfigOption,
) -> None:
    """List quarantined records with their reasons (never their contents)."""
    with store(config) as opened, opened.transaction() as conn:
        rows = views.quarantined(conn, include_replayed)
    if as_json:
        render.as_json(console, rows)
        return
    table = Table(title=f"Quarantine ({len(rows)})", title_justify="left")
    for name in ("id", "system", "stream", "record", "reason", "since"):
        table.add_column(name)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["system"],
            r["stream"],
            r["external_id"] or (f"customer {r['customer_id']}" if r.get("customer_id") else ""),
            r["reason"],
            r["created_at"],
        )
    console.print(table)


@group.command("replay")
def replay_entries(
    ids: list[int] = typer.Argument(None, help="Entry ids; all open entries when omitted."),
    config: Path = ConfigOption,
) -> None:
    """Fetch quarantined records again and take them in."""
    with runtime(config) as rt:
        result = replay(rt, ids or None)
    console.print(
        f"replayed {result.attempted}: {result.taken_in} taken in, "
        f"{result.not_fetchable} no longer fetchable",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="quarantine")
