"""``crmsync review``: list proposed matches waiting for a decision, accept or reject one."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from connectors.base import SystemClock
from sync import reviews
from sync.cli import render
from sync.cli.context import ConfigOption, console, refusals_exit, repair, store

group = typer.Typer(no_args_is_help=True, help="Work the queue of uncertain matches.")


class Reason(StrEnum):
    """Why an item waits for review: what sync.resolve files items under."""

    SCORE = "score"
    CRM_DUPLICATE = "crm_duplicate"


@group.command("list")
def list_items(
    reason: Reason | None = typer.Option(None, help="Only items of this reason."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    config: Path = ConfigOption,
) -> None:
    """List open review items, oldest first."""
    with store(config) as opened, opened.transaction() as conn:
        rows = reviews.waiting(conn, reason.value if reason else None)
    if as_json:
        render.as_json(console, rows)
        return
    table = Table(title=f"Open review items ({len(rows)})", title_justify="left")
    for name in ("id", "reason", "score", "record", "its customer", "candidate", "since"):
        table.add_column(name)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["reason"],
            f"{r['score']:.4f}",
            r["source_record_id"],
            r["customer_id"] or "",
            r["candidate_customer_id"],
            r["created_at"],
        )
    console.print(table)


@group.command("accept")
def accept(
    item_id: int = typer.Argument(..., metavar="ID", help="The review item."),
    config: Path = ConfigOption,
) -> None:
    """Merge the item's record into the candidate customer."""
    with repair(config) as (rt, conn):
        done = reviews.accept(conn, rt, item_id, rt.clock.now())
    console.print(f"Accepted: {done.source_record_id} now belongs to {done.customer_id}.")


@group.command("reject")
def reject(
    item_id: int = typer.Argument(..., metavar="ID", help="The review item."),
    config: Path = ConfigOption,
) -> None:
    """Keep the item's record apart from the candidate customer, now and in later cycles."""
    with store(config) as opened, refusals_exit(), opened.transaction() as conn:
        done = reviews.reject(conn, item_id, SystemClock().now())
    console.print(f"Rejected: {done.source_record_id} stays apart from the candidate customer.")


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="review")
