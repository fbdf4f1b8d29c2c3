"""The daemon's health as the store records it: is the store reachable, and how did the
latest pull of each stream and push to it go.

Per-stream status is read from recorded runs, not kept in memory, so every replica reports
the same answer (DESIGN: no replica keeps state another one needs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from sync.store import journal
from sync.store.sql import Store

RECENT_RUNS = 200
"""Runs looked at for per-stream status; a stream not in them shows as ``never``."""


STEPS = ("pull", "push")


@dataclass(frozen=True)
class StepStatus:
    """How the latest finished run that pulled (or pushed to) a stream went."""

    status: str
    run_id: int | None = None
    finished_at: datetime | None = None
    last_ok_at: datetime | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "run_id": self.run_id,
            "finished_at": _iso(self.finished_at),
            "last_ok_at": _iso(self.last_ok_at),
            "error": self.error,
        }


NEVER = StepStatus("never")
StreamSteps = Mapping[str, StepStatus]
"""``pull``/``push`` → status."""


@dataclass(frozen=True)
class Health:
    store_ok: bool
    scheduler_ok: bool
    streams: Mapping[str, StreamSteps] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.store_ok and self.scheduler_ok

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "unavailable",
            "store": self.store_ok,
            "scheduler": self.scheduler_ok,
            "streams": {
                key: {step: status.as_json() for step, status in steps.items()}
                for key, steps in sorted(self.streams.items())
            },
        }


def check(store: Store, stream_keys: Sequence[str], *, scheduler_ok: bool) -> Health:
    """Probe the store and read each stream's latest runs; never raises for a dead store."""
    try:
        with store.transaction() as conn:
            conn.execute(text("SELECT 1"))
            statuses = stream_statuses(conn, stream_keys)
    except Exception:
        # Any failure to reach or read the store means "unhealthy", whatever its cause.
        return Health(store_ok=False, scheduler_ok=scheduler_ok)
    return Health(store_ok=True, scheduler_ok=scheduler_ok, streams=statuses)


def stream_statuses(
    conn: Connection, stream_keys: Sequence[str], limit: int = RECENT_RUNS
) -> dict[str, dict[str, StepStatus]]:
    """``system/stream`` → ``pull``/``push`` → the latest status among recent finished runs
    (runs of several replicas interleave, so they are ordered by when they finished)."""
    runs = [r for r in journal.recent_runs(conn, limit) if r["finished_at"] is not None]
    runs.sort(key=lambda r: r["finished_at"], reverse=True)
    latest: dict[tuple[str, str], StepStatus] = {}
    last_ok: dict[tuple[str, str], datetime] = {}
    for run in runs:
        for (step, key), error in _touched(run.get("counts") or {}).items():
            if (step, key) not in latest:
                status = "failed" if error else "ok"
                latest[step, key] = StepStatus(status, run["id"], run["finished_at"], None, error)
            if error is None:
                last_ok.setdefault((step, key), run["finished_at"])
    return {
        key: {
            step: _with_last_ok(latest.get((step, key), NEVER), last_ok.get((step, key)))
            for step in STEPS
        }
        for key in stream_keys
    }


def _touched(counts: Mapping[str, Any]) -> dict[tuple[str, str], str | None]:
    """(step, stream) pairs a run pulled or pushed, each with its error (None when fine)."""
    found: dict[tuple[str, str], str | None] = {}
    for step, done in (("pull", counts.get("pulled") or {}), ("push", counts.get("pushed") or {})):
        for key in done:
            found[step, key] = None
    for label, message in (counts.get("errors") or {}).items():
        step, _, key = label.partition(" ")
        if step in STEPS and key:
            found[step, key] = message
    return found


def _with_last_ok(status: StepStatus, last_ok_at: datetime | None) -> StepStatus:
    return StepStatus(status.status, status.run_id, status.finished_at, last_ok_at, status.error)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
