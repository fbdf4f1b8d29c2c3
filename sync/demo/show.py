"""The demo: seeded HubSpot and Mailchimp sandboxes, a full sync, edits on both sides, a
second cycle, and a summary a person can read."""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from connectors.toolkit.sandbox import SeedPerson
from sync import views
from sync.config import load_config
from sync.cycle import CycleReport, run_cycle
from sync.demo.directory import STORE, prepare
from sync.demo.population import NoiseProfile, Population, build_population, with_crm_refs
from sync.demo.world import HUBSPOT_WITHOUT_SEARCH_LAG, World, start_world
from sync.progress import Progress
from sync.runtime import Runtime, open_runtime


@dataclass(frozen=True)
class DemoSize:
    crm: int = 3000
    ma: int = 2500
    overlap: float = 0.6
    seed: int = 2026


@dataclass
class DemoRun:
    reports: list[CycleReport]
    edits: list[str]
    status: dict[str, Any]
    example: dict[str, Any] | None


def run_demo(
    directory: Path, size: DemoSize, console: Console, progress: Progress | None = None
) -> DemoRun:
    """Seed, sync, edit both sides, sync again; everything stays under ``directory``.

    Raises :class:`~sync.demo.directory.DemoDirectoryError` before anything starts when the
    directory holds files an earlier demo did not write.
    """
    prepare(directory)
    population = build_population(
        size.seed, crm=size.crm, ma=size.ma, overlap=size.overlap, noise=NoiseProfile()
    )
    # HubSpot's search shows an edit up to a minute late, and so does its sandbox; the demo
    # turns that lag off so that its second cycle, right after the edits, need not wait.
    world = start_world(
        directory,
        store_url=f"sqlite:///{directory / STORE}",
        sandbox_options={"crm": HUBSPOT_WITHOUT_SEARCH_LAG},
    )
    try:
        crm_ids, ma_ids = _seed(world, population)
        console.print(
            f"Seeded the HubSpot sandbox with {len(crm_ids)} contacts and the Mailchimp sandbox "
            f"with {len(ma_ids)} members (plus one malformed record each).",
            highlight=False,
        )
        os.environ.update(world.env)
        rt = open_runtime(load_config(world.config_path))
        try:
            first = run_cycle(rt, progress=progress)
            edits = _edit_both_sides(world, population, crm_ids, ma_ids, random.Random(size.seed))
            second = run_cycle(rt, progress=progress)
            return DemoRun([first, second], edits, *_inspect(rt, population))
        finally:
            rt.close()
    finally:
        world.close()


def _seed(world: World, population: Population) -> tuple[list[str], list[str]]:
    crm, ma = world.sandboxes["crm"], world.sandboxes["newsletter"]
    crm_ids = crm.seed(population.crm)
    ma_ids = ma.seed(with_crm_refs(population, crm_ids))
    crm.add_malformed("contacts")
    ma.add_malformed("members")
    return crm_ids, ma_ids


def _edit_both_sides(
    world: World,
    population: Population,
    crm_ids: Sequence[str],
    ma_ids: Sequence[str],
    rng: random.Random,
) -> list[str]:
    """What people do between two cycles, in both systems."""
    crm, ma = world.sandboxes["crm"], world.sandboxes["newsletter"]
    shared = sorted(population.truth.cross_pairs())
    picks = rng.sample(shared, 6)
    married, retitled, crm_out = picks[0], picks[1], picks[2]
    crm.edit_person(crm_ids[married[0]], _only(last_name="Özdemir-Hoffmann"))
    crm.edit_person(crm_ids[retitled[0]], _only(job_title="Head of Marketing"))
    crm.edit_person(crm_ids[crm_out[0]], _only(email_status="unsubscribed"))
    ma_out, new_phone, renamed = picks[3], picks[4], picks[5]
    ma.edit_person(ma_ids[ma_out[1]], _only(email_status="unsubscribed"))
    ma.edit_person(ma_ids[new_phone[1]], _only(phone="+49 171 5550123"))
    ma.edit_person(ma_ids[renamed[1]], _only(first_name="Alex"))
    newcomers = [
        SeedPerson(f"demo.newcomer{i}@beispiel.de", name, "Yıldız", email_status="subscribed")
        for i, name in enumerate(("Elif", "Jonas", "Grace"))
    ]
    ma.seed(newcomers)
    return [
        "CRM: a contact married and changed her last name",
        "CRM: a contact got a new job title (CRM-only field, nothing to push)",
        "CRM: a contact opted out of e-mail",
        "Mailchimp: a subscriber unsubscribed",
        "Mailchimp: a subscriber updated their phone number",
        "Mailchimp: a subscriber changed their first name (the CRM leads names: a conflict)",
        "Mailchimp: 3 new subscribers signed up",
    ]


def _only(**changes: Any) -> SeedPerson:
    return replace(SeedPerson(email=None), **changes)


def _inspect(rt: Runtime, population: Population) -> tuple[dict[str, Any], dict[str, Any] | None]:
    with rt.store.transaction() as conn:
        status = views.status(conn)
        email = population.crm[0].email or ""
        found = views.find_customer(conn, email)
        example = views.customer_view(conn, found) if found else None
    return status, example


def summary(console: Console, run: DemoRun) -> None:
    """The closing table: per system what was read and pushed, and the store's totals."""
    table = Table(title="Demo summary (both cycles)", title_justify="left")
    for name in ("system", "records read", "records written", "fields pushed", "write calls"):
        table.add_column(name, justify="right" if name != "system" else "left")
    for key in sorted({k for r in run.reports for k in r.pulled}):
        read = sum(r.pulled[key].staged.read for r in run.reports if key in r.pulled)
        pushed = [r.pushed[key] for r in run.reports if key in r.pushed]
        written = sum(p.created + p.updated for p in pushed)
        fields = sum(p.fields for p in pushed)
        calls = sum(p.calls for p in pushed)
        table.add_row(key, str(read), str(written), str(fields), str(calls))
    console.print(table)
    totals = run.status["totals"]
    links: dict[str, int] = {}
    for report in run.reports:
        for counts in report.pulled.values():
            for method, n in counts.links.items():
                links[method] = links.get(method, 0) + n
    console.print(
        f"customers: {totals['customers']}   links: {totals['links']} "
        f"({', '.join(f'{n} by {m}' for m, n in sorted(links.items()))})\n"
        f"conflicts: {totals['open_conflicts']}   quarantined records: {totals['quarantined']}"
        f"   writes held back or refused: {totals['push_failures']}"
        f"   waiting for review: {totals['open_reviews']}",
        highlight=False,
    )
