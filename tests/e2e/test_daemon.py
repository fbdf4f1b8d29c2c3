"""``crmsync daemon`` as a process against both sandboxes on loopback: it says when it is
ready, takes a signed webhook in and pushes the change on, answers /healthz and /metrics,
and on SIGTERM stops between batches and exits 0 — without logging secrets or personal data.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from connectors.toolkit.sandbox import Fault, SeedPerson
from sync.cli.app import GROUPS
from sync.demo.world import World, start_world

CRMSYNC = str(Path(sys.executable).parent / "crmsync")
WAIT_S = 60
PEOPLE = [
    SeedPerson(
        email="ayse.yilmaz@example.com",
        first_name="Ayşe",
        last_name="Yılmaz",
        phone="+49 30 1234567",
        email_status="subscribed",
    ),
    SeedPerson(
        email="juergen.schaefer@example.de",
        first_name="Jürgen",
        last_name="Schäfermeier",
        phone="0171 2345678",
        email_status="subscribed",
    ),
]
NEW_LAST_NAME = "Schäfer-Lindqvist"


@dataclass
class Daemon:
    """A running ``crmsync daemon`` whose stdout lines are read by a thread."""

    process: subprocess.Popen[str]
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def start_reading(self) -> None:
        def pump() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.put(line)
            self.lines.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def wait_for(self, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The next JSON log line that ``matches``; fails if the process ends first."""
        while True:
            line = self.lines.get(timeout=WAIT_S)
            assert line is not None, "the daemon ended early:\n" + "".join(self.seen)
            self.seen.append(line)
            event = json.loads(line)
            if matches(event):
                return event

    def rest(self) -> str:
        """Everything it prints until it exits."""
        while (line := self.lines.get(timeout=WAIT_S)) is not None:
            self.seen.append(line)
        return "".join(self.seen)


def event(name: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e.get("event") == name and all(e.get(k) == v for k, v in fields.items())


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """Both sandboxes on loopback, holding the same people, and a config on a SQLite file."""
    world = start_world(tmp_path / "world", store_url=f"sqlite:///{tmp_path / 'store.sqlite'}")
    world.sandboxes["newsletter"].seed(PEOPLE)
    yield world
    world.close()


def configure(world: World, **options: dict[str, Any]) -> None:
    """Point each system at its sandbox's own connector base URL, add connector options."""
    yaml = YAML(typ="rt")
    document = yaml.load(world.config_path.read_text(encoding="utf-8"))
    for name, sandbox in world.sandboxes.items():
        system = document["systems"][name]
        system["base_url"] = sandbox.settings(name, world.servers[name].base_url).base_url
        system.setdefault("options", {}).update(options.get(name, {}))
    with world.config_path.open("w", encoding="utf-8") as out:
        yaml.dump(document, out)


def start_daemon(world: World, stderr: Path) -> Daemon:
    assert "daemon" in GROUPS, "sync.cli.daemon is not registered in sync.cli.app.GROUPS"
    command = [CRMSYNC, "daemon", "--config", str(world.config_path), "--port", "0"]
    env = {**os.environ, **world.env, "CRMSYNC_WEB_HOST": "127.0.0.1"}
    with stderr.open("w") as errors:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, env=env, text=True
        )
    daemon = Daemon(process)
    daemon.start_reading()
    return daemon


@pytest.fixture
def stderr_file(tmp_path: Path) -> Path:
    return tmp_path / "daemon.stderr"


def finish(daemon: Daemon) -> tuple[int, str]:
    """The exit code and the whole output, once the process has ended."""
    output = daemon.rest()
    code = daemon.process.wait(timeout=WAIT_S)
    assert daemon.process.stdout is not None
    daemon.process.stdout.close()
    return code, output


def forbidden(world: World) -> set[str]:
    personal = {p.email for p in PEOPLE} | {p.phone for p in PEOPLE} | {"Yılmaz", "Schäfermeier"}
    return {v for v in personal | set(world.env.values()) | {NEW_LAST_NAME} if v}


def test_the_daemon_serves_takes_a_webhook_in_and_stops_cleanly_on_sigterm(
    world: World, stderr_file: Path
) -> None:
    configure(world)
    crm: Any = world.sandboxes["crm"]
    ma: Any = world.sandboxes["newsletter"]
    crm_ids = crm.seed(PEOPLE)
    daemon = start_daemon(world, stderr_file)
    try:
        started = daemon.wait_for(event("daemon.started"))
        first = daemon.wait_for(event("job.finished"))
        others = {"crm", "newsletter"} - {first["system"]}
        daemon.wait_for(lambda e: e.get("event") == "job.finished" and e["system"] in others)
        base = started["url"]
        crm.edit(crm_ids[1], {"lastname": NEW_LAST_NAME})
        headers, body = crm.webhook_delivery(crm.take_events(), f"{base}/webhooks/crm")
        delivered = httpx.post(f"{base}/webhooks/crm", content=body, headers=headers)
        daemon.wait_for(event("webhook.accepted", system="crm"))
        job = daemon.wait_for(event("job.finished", system="crm"))
        health = httpx.get(f"{base}/healthz")
        metrics = httpx.get(f"{base}/metrics").text
    finally:
        daemon.process.send_signal(signal.SIGTERM)
        code, output = finish(daemon)

    assert (delivered.status_code, job["outcome"], health.status_code) == (200, "ok", 200)
    assert health.json()["streams"]["crm/contacts"]["pull"]["status"] == "ok"
    assert 'crmsync_webhook_events_total{outcome="stored",system="crm"} 1.0' in metrics
    assert ma.member(PEOPLE[1].email).merge_fields["LNAME"] == NEW_LAST_NAME
    assert (code, json.loads(output.splitlines()[-1])["event"]) == (0, "daemon.stopped")
    assert sorted(v for v in forbidden(world) if v in output + stderr_file.read_text()) == []


def test_sigterm_during_a_pull_ends_it_after_the_current_page(
    world: World, stderr_file: Path
) -> None:
    configure(world, newsletter={"page_size": 1})
    world.sandboxes["crm"].seed(PEOPLE)
    ma: Any = world.sandboxes["newsletter"]
    release = threading.Event()
    held = Fault(
        503,
        method="GET",
        path_prefix=f"/3.0/lists/{ma.list_id}/members",
        headers={"Retry-After": "0"},
        after_apply=True,
        hold=release,
    )
    ma.inject(held)
    daemon = start_daemon(world, stderr_file)
    try:
        daemon.wait_for(event("daemon.started"))
        assert held.applied.wait(timeout=WAIT_S)
        daemon.process.send_signal(signal.SIGTERM)
        daemon.wait_for(event("daemon.stopping"))
    finally:
        release.set()
        code, output = finish(daemon)

    stopped = [json.loads(line) for line in output.splitlines()]
    pages = [e for e in stopped if e["event"] == "pull.page_taken" and e["system"] == "newsletter"]
    assert code == 0
    assert [e["read"] for e in pages] == [1]
    assert [e["event"] for e in stopped][-1] == "daemon.stopped"
