"""``crmsync quarantine replay`` with a vendor that does not answer: it says what it fetches
and how long it may retry, names the system it could not reach in one line and exits 1; the
other systems' entries are replayed and nothing is lost."""

from __future__ import annotations

import json

from ruamel.yaml import YAML
from typer.testing import CliRunner

from connectors.toolkit.sandbox import SeedPerson
from sync.cli.app import app
from sync.demo.world import World

runner = CliRunner()


def crmsync(world: World, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--config", str(world.config_path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def give_up_at_once(world: World) -> None:
    """One attempt per request: a system that does not answer fails without waiting."""
    yaml = YAML(typ="rt")
    document = yaml.load(world.config_path.read_text(encoding="utf-8"))
    for system in document["systems"].values():
        system["http"] = {"max_attempts": 1}
    with world.config_path.open("w", encoding="utf-8") as out:
        yaml.dump(document, out)


def quarantined(world: World) -> list[tuple[str, bool]]:
    _, out, _ = crmsync(world, "quarantine", "list", "--all", "--json")
    return sorted((row["system"], row["replayed_at"] is not None) for row in json.loads(out))


def test_replay_names_the_system_it_cannot_reach_and_keeps_its_entries(world: World) -> None:
    world.sandboxes["crm"].seed([SeedPerson("ada@example.org", "Ada", "Lovelace")])
    world.sandboxes["crm"].add_malformed("contacts")
    world.sandboxes["newsletter"].add_malformed("members")
    give_up_at_once(world)
    assert crmsync(world, "run")[0] == 0
    world.servers["crm"].stop()

    code, out, err = crmsync(world, "quarantine", "replay")

    assert code == 1
    assert out == "replayed 1: 0 taken in, 1 no longer fetchable\n"
    lines = err.splitlines()
    assert (
        "fetching 1 record(s) from crm/contacts (if it does not answer: up to 1 attempt "
        "within 120 s)" in lines
    )
    assert "crm could not be reached (ConnectError talking to crm); its entries stay" in lines
    assert quarantined(world) == [("crm", False), ("newsletter", False)]


def test_replay_of_an_entry_that_is_not_open_exits_1(world: World) -> None:
    code, out, err = crmsync(world, "quarantine", "replay", "999")

    assert (code, out, err) == (
        1,
        "",
        "IDS: no open quarantine entry 999 (see crmsync quarantine list)\n",
    )
