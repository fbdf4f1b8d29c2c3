"""``crmsync quarantine``: list records that could not be taken in, and replay them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sync import views
from sync.cli import render
from sync.cli.context import ConfigOption, console, runtime, store
from sync.replay import UnknownEntryError, replay
from sync.runtime import Runtime, Stream

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
        try:
            result = replay(rt, ids or None, on_fetch=lambda s, n: _fetching(rt, s, n))
        except UnknownEntryError as exc:
            typer.echo(
                f"IDS: no open quarantine entry {exc} (see crmsync quarantine list)", err=True
            )
            raise typer.Exit(1) from None
    console.print(
        f"replayed {result.attempted}: {result.taken_in} taken in, "
        f"{result.not_fetchable} no longer fetchable",
        highlight=False,
    )
    for system, reason in sorted(result.unreachable.items()):
        typer.echo(f"{system} could not be reached ({reason}); its entries stay", err=True)
    if result.unreachable:
        raise typer.Exit(1)


def _fetching(rt: Runtime, stream: Stream, count: int) -> None:
    """Said before a fetch, so that waiting on a system that does not answer is not silent."""
    http = rt.config.systems[stream.system].http
    attempts = f"{http.max_attempts} attempt{'s' if http.max_attempts != 1 else ''}"
    typer.echo(
        f"fetching {count} record(s) from {stream.system}/{stream.name} (if it does not answer: "
        f"up to {attempts} within {http.max_retry_s:g} s)",
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="quarantine")
