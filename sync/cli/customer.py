"""``crmsync customer``: one golden record, each field's provenance, the linked records."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from sync import views
from sync.cli import render
from sync.cli.context import ConfigOption, console, errors, store


def customer(
    ident: str = typer.Argument(..., metavar="ID|EMAIL", help="Customer id, record id or e-mail."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    config: Path = ConfigOption,
) -> None:
    """Show a customer's golden record with provenance and its source records."""
    with store(config) as opened, opened.transaction() as conn:
        found = views.find_customer(conn, ident)
        data = views.customer_view(conn, found) if found else None
    if data is None:
        errors.print("no customer matches")
        raise typer.Exit(1)
    if as_json:
        render.as_json(console, data)
        return
    table = Table(title=f"Customer {data['id']} ({data['entity']})", title_justify="left")
    for name in ("field", "value", "from", "rule", "since"):
        table.add_column(name)
    for name, f in data["fields"].items():
        table.add_row(
            name, str(f["value"]), f.get("system", ""), f.get("rule", ""), f.get("at", "") or ""
        )
    for channel, c in data["consent"].items():
        table.add_row(
            f"consent:{channel}",
            c["status"],
            c.get("source_system") or "",
            "consent",
            c.get("at") or "",
        )
    console.print(table)
    records = Table(title="Linked source records", title_justify="left")
    for name in ("record", "linked by", "modified", "deleted"):
        records.add_column(name)
    for r in data["records"]:
        records.add_row(
            r["id"], r["link"]["method"], r["modified_at"] or "", "yes" if r["deleted"] else ""
        )
    console.print(records)


def register(app: typer.Typer) -> None:
    app.command("customer")(customer)
