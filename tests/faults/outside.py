"""A world whose vendor sandboxes and engine runs are processes of their own, for the fault
tests that kill and race real ``crmsync`` processes.

Each sandbox is served by ``bench/sync/sandbox_process.py`` (seeded from the benchmark's
population of German, Turkish and English people with overlaps, typos and conflicts); the
engine runs as ``python -m sync``. A world's final state is read through the vendor APIs,
by the connectors themselves, and described without vendor ids (which differ between two
worlds of one seed), so two worlds can be compared.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from connectors.base import ConnectorSettings, Role, Secret
from sync import views
from sync.config import load_config
from sync.demo.world import DEMO_TEMPLATE, write_config
from sync.runtime import open_runtime
from sync.store.tables import LinkRow, SourceRecordRow

LINKS = LinkRow.__table__  # type: ignore[attr-defined]
RECORDS = SourceRecordRow.__table__  # type: ignore[attr-defined]

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "bench" / "sync" / "sandbox_process.py"
RELAXED_CRM = {"rate_limit": 1_000_000, "search_rate_limit": 100_000}
RUN_TIMEOUT_S = 600
CRM_VOLATILE = {"hs_object_id", "createdate", "lastmodifieddate"}
CRM_ID_FIELD = "CRMID"  # the merge field the newsletter keeps the CRM id in (demo config)


@dataclass
class OutsideWorld:
    """Sandbox processes, the config pointing at them and the environment carrying secrets."""

    directory: Path
    config: Path
    env: dict[str, str]
    bases: dict[str, str]
    """System → the sandbox's root URL (its benchmark routes live there)."""

    def run(self, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
        """``crmsync ARGS -c CONFIG`` in a process of its own; killed at ``crash_at`` if set."""
        return subprocess.run(
            self.command(*args), env=self.environment(crash_at), capture_output=True,
            text=True, timeout=RUN_TIMEOUT_S, check=False,
        )  # fmt: skip

    def start(self, *args: str, log_level: str = "warning") -> LogWatch:
        """``crmsync ARGS`` started, not waited for (two runners at once); its JSON log lines
        (on stderr from ``run``, on stdout from the daemon) are read as they come."""
        env = {**self.environment(None), "CRMSYNC_LOG_LEVEL": log_level}
        process = subprocess.Popen(
            self.command(*args), env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return LogWatch(process)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "sync", *args, "--config", str(self.config)]

    def environment(self, crash_at: str | None) -> dict[str, str]:
        env = {**os.environ, **self.env, "CRMSYNC_LOG_LEVEL": "warning"}
        env.pop("CRMSYNC_CRASH_AT", None)
        if crash_at:
            env["CRMSYNC_CRASH_AT"] = crash_at
        return env

    def store(self) -> dict[str, Any]:
        """The store's customers as groups of their records (by e-mail, or by id where a
        record has none), and its totals."""
        os.environ.update(self.env)
        rt = open_runtime(load_config(self.config))
        try:
            with rt.store.transaction() as conn:
                rows = conn.execute(
                    select(LINKS.c.customer_id, RECORDS.c.system, RECORDS.c.external_id,
                           RECORDS.c.fields)
                    .join(RECORDS, RECORDS.c.id == LINKS.c.source_record_id)
                ).all()  # fmt: skip
                totals = views.status(conn)["totals"]
        finally:
            rt.close()
        groups: dict[str, list[str]] = {}
        for customer, system, external_id, fields in rows:
            name = (fields or {}).get("email") or external_id
            groups.setdefault(customer, []).append(f"{system}:{str(name).lower()}")
        return {"customers": sorted(sorted(g) for g in groups.values()), "totals": totals}

    def state(self) -> dict[str, Any]:
        """Both systems' records as their APIs return them, keyed by e-mail, without ids."""
        os.environ.update(self.env)
        rt = open_runtime(load_config(self.config))
        try:
            crm = _records(rt.connectors["crm"].read("contacts", None))
            members = _records(rt.connectors["newsletter"].read("members", None))
        finally:
            rt.close()
        email_of = {r["id"]: r["fields"].get("email") for r in crm}
        return {
            "crm": _by_email(crm, "email", CRM_VOLATILE, {}),
            "newsletter": _by_email(members, "email_address", {"last_changed"}, email_of),
            "duplicates": _duplicates(crm, "email") + _duplicates(members, "email_address"),
        }


@contextmanager
def outside_world(
    directory: Path, store_url: str, seed: int, crm: int, ma: int
) -> Iterator[OutsideWorld]:
    """Start both sandboxes (CRM first: the newsletter keeps its ids) and write the config."""
    directory.mkdir(parents=True, exist_ok=True)
    common = ["--seed", str(seed), "--crm", str(crm), "--ma", str(ma), "--relaxed"]
    ids = str(directory / "crm_ids.txt")
    processes: list[subprocess.Popen[str]] = []
    try:
        settings = {
            "crm": _start(processes, "hubspot", Role.CRM, [*common, "--ids-out", ids]),
            "newsletter": _start(processes, "mailchimp", Role.MA, [*common, "--crm-ids", ids]),
        }
        config, env = write_config(
            DEMO_TEMPLATE, directory, store_url, settings, {"crm": RELAXED_CRM}
        )
        bases = {n: s.base_url.removesuffix("/3.0") for n, s in settings.items()}
        yield OutsideWorld(directory, config, env, bases)
    finally:
        for process in processes:
            process.communicate(timeout=60)  # closing stdin ends the sandbox


def _start(
    processes: list[subprocess.Popen[str]], kind: str, role: Role, args: list[str]
) -> ConnectorSettings:
    process = subprocess.Popen(
        [sys.executable, str(SANDBOX), kind, *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    processes.append(process)
    assert process.stdout is not None
    info = json.loads(process.stdout.readline())
    return ConnectorSettings(
        name=role.value,
        role=role,
        base_url=info["base_url"],
        credentials={k: Secret(v) for k, v in info["credentials"].items()},
        options=info["options"],
    )


def _records(pages: Iterator[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.external_id,
            "fields": dict(r.fields),
            "consent": sorted(f"{c.channel}:{c.status.value}" for c in r.consent),
        }
        for p in pages
        for r in p.records
    ]


def _by_email(
    records: list[dict[str, Any]], key: str, volatile: set[str], email_of: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """E-mail (or, without one, all fields) → fields and consent, with volatile fields left
    out and CRM ids replaced by the e-mail of their contact."""
    out = {}
    for record in records:
        fields = {k: v for k, v in record["fields"].items() if k not in volatile}
        for name, value in fields.items():
            if name.endswith(CRM_ID_FIELD) and value in email_of:
                fields[name] = f"crm:{email_of[value]}"
        described = json.loads(json.dumps({**fields, "consent": record["consent"]}, default=str))
        email = fields.get(key)
        out[str(email).lower() if email else json.dumps(described, sort_keys=True)] = described
    return out


def _duplicates(records: list[dict[str, Any]], key: str) -> list[str]:
    counts = Counter(str(r["fields"][key]).lower() for r in records if r["fields"].get(key))
    return sorted(e for e, n in counts.items() if n > 1)


def write_calls(world: OutsideWorld) -> int:
    """Write calls both sandboxes have served so far (their benchmark route)."""
    return sum(
        int(httpx.get(f"{base}/_bench/stats", timeout=60).json()["write_calls"])
        for base in world.bases.values()
    )


class LogWatch:
    """Reads a process's JSON log lines in a thread, so a test can wait — bounded —
    for the moment the process reaches a step, instead of sleeping for it."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                continue
        self.lines.put(None)

    def end(self, timeout_s: float = RUN_TIMEOUT_S) -> int:
        """Wait for the process to exit; its exit code."""
        code = self.process.wait(timeout=timeout_s)
        self.reader.join(timeout=timeout_s)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return code

    def errors(self) -> list[dict[str, Any]]:
        """Log entries of level warning and above seen so far (after :meth:`end`: all)."""
        self._drain()
        return [e for e in self.seen if e.get("level") in ("warning", "error", "critical")]

    def _drain(self) -> None:
        while not self.lines.empty():
            entry = self.lines.get()
            if entry is not None:
                self.seen.append(entry)

    def wait_for(self, event: str, count: int = 1, timeout_s: float = RUN_TIMEOUT_S) -> None:
        """Return once ``event`` has been logged ``count`` times; fail if the process ends."""
        while sum(e.get("event") == event for e in self.seen) < count:
            entry = self.lines.get(timeout=timeout_s)
            assert entry is not None, f"the process ended before logging {event} x{count}"
            self.seen.append(entry)
