"""Tables a person can read: what a cycle did, the store's status, one customer's lineage."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from sync.cycle import CycleReport


def cycle_report(console: Console, report: CycleReport, title: str = "Sync cycle") -> None:
    counts = report.counts()
    pulled = Table(title=f"{title} #{report.run_id}: records read", title_justify="left")
    for name in ("stream", "read", "new", "changed", "unchanged", "echo", "stale", "quarantined"):
        pulled.add_column(
            name, justify="right", no_wrap=True
        ) if name != "stream" else pulled.add_column(name, no_wrap=True, min_width=18)
    for key, c in counts["pulled"].items():
        pulled.add_row(
            key,
            *(
                str(c[n])
                for n in ("read", "new", "changed", "unchanged", "echo", "stale", "quarantined")
            ),
        )
    console.print(pulled)
    console.print(_identity(counts["pulled"]))
    pushed = Table(title="Pushed", title_justify="left")
    for name in (
        "target",
        "customers considered",
        "created",
        "updated",
        "fields",
        "write calls",
        "failed",
    ):
        pushed.add_column(name, justify="right") if name != "target" else pushed.add_column(
            name, no_wrap=True, min_width=18
        )
    for key, c in counts["pushed"].items():
        cells = (
            c["considered"],
            c["created"],
            c["updated"],
            c["fields"],
            c["write_calls"],
            c["failed"],
        )
        pushed.add_row(key, *(str(v) for v in cells))
    console.print(pushed)
    for step, error in counts["errors"].items():
        console.print(f"[red]error[/red] {step}: {error}", highlight=False)


def _identity(pulled: Mapping[str, Any]) -> Table:
    links: dict[str, int] = {}
    for c in pulled.values():
        for method, n in c["links"].items():
            links[method] = links.get(method, 0) + n
    table = Table(title="Identity and merge", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    for method, n in sorted(links.items()):
        label = "new customers" if method == "new" else f"linked by {method.replace('_', ' ')}"
        table.add_row(label, str(n))
    table.add_row("customers merged", str(sum(c["merged"] for c in pulled.values())))
    table.add_row("conflicts recorded", str(sum(c["conflicts"] for c in pulled.values())))
    table.add_row("sent to review", str(sum(c["review"] for c in pulled.values())))
    return table


def dry_run_report(console: Console, report: CycleReport) -> None:
    for key, pushed in report.pushed.items():
        creates = [w for w in pushed.planned if w.op.external_id is None]
        updates = [w for w in pushed.planned if w.op.external_id is not None]
        fields: dict[str, int] = {}
        for w in pushed.planned:
            for name in w.fields:
                fields[name] = fields.get(name, 0) + 1
            for channel in w.consent:
                fields[f"consent:{channel}"] = fields.get(f"consent:{channel}", 0) + 1
        detail = ", ".join(f"{n} {f}" for f, n in sorted(fields.items())) or "nothing"
        console.print(
            f"[bold]{key}[/bold]: would create {len(creates)}, update {len(updates)} ({detail})",
            highlight=False,
        )


def as_json(console: Console, data: Any) -> None:
    console.print_json(json.dumps(data, default=str))
