"""``crmsync customer``: one golden record with provenance and linked records, why those
records belong together (``--explain``), and ``customer split`` to undo a wrong merge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from connectors.base import SystemClock
from sync import views
from sync.cli import render
from sync.cli.context import ConfigOption, console, errors, load, repair, store
from sync.matching import ModelKeeper, match_settings
from sync.split import Split, split_customer


class _ShowByDefault(TyperGroup):
    """``crmsync customer ID`` shows the customer; ``crmsync customer split …`` splits one."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


group = typer.Typer(
    cls=_ShowByDefault,
    no_args_is_help=True,
    help=(
        "Show a customer: crmsync customer ID|EMAIL [--explain] [--json] (short for"
        " 'customer show'); or split one: crmsync customer split ID --records RID[,RID...]."
    ),
)


@group.command("show")
def show(
    ident: str = typer.Argument(..., metavar="ID|EMAIL", help="Customer id, record id or e-mail."),
    explain: bool = typer.Option(False, "--explain", help="Why its records belong together."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    config: Path = ConfigOption,
) -> None:
    """Show a customer's golden record with provenance and its source records."""
    settings = (
        match_settings(load(config, check_secrets=False, check_kinds=False).config)
        if explain
        else None
    )
    with store(config) as opened, opened.transaction() as conn:
        found = views.find_customer(conn, ident)
        data: dict[str, Any] | None = None
        if found is not None and settings is not None:
            model = ModelKeeper(settings).model(conn, SystemClock().now())
            data = views.explain_view(conn, found, model, settings)
        elif found is not None:
            data = views.customer_view(conn, found)
    if data is None:
        errors.print("no customer matches")
        raise typer.Exit(1)
    if as_json:
        render.as_json(console, data)
    elif explain:
        _print_explanation(data)
    else:
        _print_customer(data)


@group.command("split")
def split(
    customer_id: str = typer.Argument(..., help="The customer to split."),
    records: str = typer.Option(
        ..., "--records", help="Source record ids to move, comma-separated (see crmsync customer)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    config: Path = ConfigOption,
) -> None:
    """Move records of a customer to a new customer and repair what the merge spread."""
    wanted = [r.strip() for r in records.split(",") if r.strip()]
    with repair(config) as (rt, conn):
        done = split_customer(conn, rt, customer_id, wanted, rt.clock.now())
    if as_json:
        render.as_json(console, _split_json(done))
        return
    console.print(f"Moved {len(done.moved)} record(s) to customer {done.new_customer_id}.")
    for restored in done.restored:
        fields = ", ".join(restored.fields)
        console.print(f"Next push puts back {fields} in {restored.record_id}.", highlight=False)
    for check in done.consent_to_check:
        own = f"'{check.own}'" if check.own else "nothing"
        console.print(
            f"Check {check.channel} consent in {check.record_id}: the wrong merge wrote "
            f"'{check.written}' there; its own records say {own}. The next push follows them "
            "where the rules allow (an opt-out is undone only with the person's confirmation).",
            highlight=False,
        )


def _split_json(done: Split) -> dict[str, Any]:
    return {
        "customer_id": done.customer_id,
        "new_customer_id": done.new_customer_id,
        "moved": list(done.moved),
        "kept": list(done.kept),
        "restored": [{"record": r.record_id, "fields": list(r.fields)} for r in done.restored],
        "consent_to_check": [
            {"record": c.record_id, "channel": c.channel, "written": c.written, "own": c.own}
            for c in done.consent_to_check
        ],
    }


def _print_customer(data: dict[str, Any]) -> None:
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


def _print_explanation(data: dict[str, Any]) -> None:
    table = Table(title=f"Why the records of {data['id']} belong together", title_justify="left")
    for name in ("record", "linked by", "status", "probability", "compared with", "comparison"):
        table.add_column(name)
    for link in data["links"]:
        p = link["match_probability"]
        table.add_row(
            link["record"],
            link["method"],
            link["status"],
            "" if p is None else f"{p:.4f}",
            link["compared_with"] or "",
            link["explained"].replace("_", " "),
        )
    console.print(table)
    for link in (x for x in data["links"] if x["fields"]):
        fields = Table(title=f"{link['record']} vs {link['compared_with'] or 'its match'}")
        for name in ("field", "level", "weight"):
            fields.add_column(name, justify="right" if name == "weight" else "left")
        for f in link["fields"]:
            fields.add_row(f["field"], f["level"], f"{f['weight']:+.3f}")
        console.print(fields)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="customer")
