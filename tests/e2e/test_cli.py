"""The admin CLI against a synced store: run, status, customer, conflicts, resync --dry-run."""

from __future__ import annotations

import json

import pytest
from cast import BOTH
from typer.testing import CliRunner

from connectors.base import SystemClock
from connectors.toolkit.clock import ManualClock
from sync import lease
from sync.cli.app import app
from sync.demo.world import World
from sync.runtime import Runtime

runner = CliRunner()


def crmsync(world: World, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(world.config_path)])
    return result.exit_code, result.stdout


@pytest.fixture
def synced(world: World, seeded: dict[str, list[str]]) -> World:
    code, _ = crmsync(world, "run")
    assert code == 0
    return world


def test_run_prints_what_it_did(world: World, seeded: dict[str, list[str]]) -> None:
    code, out = crmsync(world, "run")

    assert code == 0
    assert "crm/contacts" in out
    assert "newsletter/members" in out
    assert "linked by email" in out


def test_status_json_shows_runs_totals_and_cursors(synced: World) -> None:
    code, out = crmsync(synced, "status", "--json")

    data = json.loads(out)
    assert code == 0
    assert data["runs"][0]["status"] == "ok"
    assert data["totals"]["customers"] == 9
    assert {c["system"] for c in data["cursors"]} == {"crm", "newsletter"}


def test_status_shows_who_holds_a_lease_now(synced: World, runtime: Runtime) -> None:
    assert lease.acquire(
        runtime.store, "push:crm/contacts", "daemon@h:7:1", 600, SystemClock().now()
    )

    code, out = crmsync(synced, "status", "--json")
    _, text = crmsync(synced, "status")

    held = json.loads(out)["leases"]
    assert code == 0
    assert [(h["name"], h["holder"]) for h in held] == [("push:crm/contacts", "daemon@h:7:1")]
    assert "now: push:crm/contacts held by daemon@h:7:1" in text


def test_customer_by_email_shows_provenance_and_linked_records(synced: World) -> None:
    code, out = crmsync(synced, "customer", BOTH[0].email, "--json")

    data = json.loads(out)
    assert code == 0
    assert data["fields"]["first_name"]["value"] == "Anna"
    assert data["fields"]["first_name"]["system"] == "crm"
    assert data["fields"]["first_name"]["rule"] == "leader"
    assert sorted(r["link"]["method"] for r in data["records"]) == ["email", "new"]


def test_unknown_customer_exits_1(synced: World) -> None:
    code, _ = crmsync(synced, "customer", "nobody@example.org")

    assert code == 1


def test_resync_dry_run_shows_changes_and_writes_nothing(synced: World, clock: ManualClock) -> None:
    clock.advance(600)
    synced.sandboxes["crm"].edit("101", {"lastname": "Renamed"})  # the first seeded contact
    writes = {n: s.write_calls() for n, s in synced.sandboxes.items()}

    code, out = crmsync(synced, "resync", "crm", "--full", "--dry-run")
    again, _ = crmsync(synced, "resync", "crm", "--full", "--dry-run")

    assert code == again == 0
    assert "newsletter/members: would create 0, update 1 (1 last_name)" in out
    assert {n: s.write_calls() for n, s in synced.sandboxes.items()} == writes


def test_conflicts_and_quarantine_lists_run(synced: World) -> None:
    assert crmsync(synced, "conflicts")[0] == 0
    assert crmsync(synced, "quarantine", "list")[0] == 0


def test_bad_config_exits_2_naming_file_and_line(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("systems:\n  crm:\n    kind: hubspot\n    role: boss\n    streams: {}\n")

    result = runner.invoke(app, ["config", "validate", str(path)])

    assert result.exit_code == 2
    assert f"{path}:4: systems.crm.role" in result.stderr
