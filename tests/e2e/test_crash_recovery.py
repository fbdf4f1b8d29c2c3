"""A crash between a vendor applying our write and us recording it creates no duplicate."""

from __future__ import annotations

import subprocess
import sys
import threading

from cast import MA_ONLY

from connectors.toolkit.sandbox import Fault
from sync import views
from sync.cycle import run_cycle
from sync.demo.world import World
from sync.runtime import Runtime


def test_killed_after_the_crm_applied_our_creates_then_restart_makes_no_duplicate(
    world: World, seeded: dict[str, list[str]], runtime: Runtime
) -> None:
    release = threading.Event()
    fault = Fault(
        status=502,
        method="POST",
        path_prefix="/crm/v3/objects/contacts/batch/upsert",
        after_apply=True,
        hold=release,
    )
    world.sandboxes["crm"].inject(fault)
    command = [sys.executable, "-m", "sync", "run", "--config", str(world.config_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert fault.applied.wait(timeout=120), "the crashed run never reached the CRM write"
        process.kill()
        process.wait(timeout=60)
    finally:
        release.set()

    report = run_cycle(runtime)

    contacts = [r for p in runtime.connectors["crm"].read("contacts", None) for r in p.records]
    emails = [r.fields.get("email") for r in contacts]
    for person in MA_ONLY[:2]:
        assert emails.count(person.email) == 1
    with runtime.store.transaction() as conn:
        fatma = views.customer_view(conn, views.find_customer(conn, MA_ONLY[0].email) or "")
    assert sorted(r["system"] for r in fatma["records"]) == ["crm", "newsletter"]
    assert report.ok
