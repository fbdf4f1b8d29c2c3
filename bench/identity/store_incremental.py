"""Incremental matching against the engine's store: 1,000 changed records vs 1M stored people.

Run: .venv/bin/python bench/identity/store_incremental.py [--file people_1000000.csv]
(the file of ``scale.py``). Unlike ``incremental.py`` (in-memory index), the stored people
live in a SQLite master store built by the engine's own tables: match profiles, the indexed
blocking-key table and links. The changed records (copies of stored people arriving from a
new system, half with a re-typed phone and an upper-case e-mail) are resolved through
``sync.store.profiles.StoreIndex`` exactly as a sync cycle does. Reported: the time of
``resolve_changes`` (median of 3) and how many joined the right customer.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from common import machine, peak_rss_mib
from incremental import FIELDS, _persons, changed_rows, timed_resolve

from sync.identity.batch import resolve_table
from sync.identity.blocking import blocking_keys
from sync.identity.filemapping import job_from_options
from sync.identity.fileread import read_profiles
from sync.identity.incremental import Resolution, resolve_changes
from sync.identity.profile import SourceRef, build_profile
from sync.identity.settings import MatchSettings
from sync.identity.table import table_of
from sync.store.db import open_store
from sync.store.profiles import StoreIndex, encode_profile
from sync.store.tables import (
    BlockingKeyRow,
    CustomerRow,
    LinkRow,
    MatchProfileRow,
    SourceRecordRow,
)


def build_store(path: Path, file: Path, settings: MatchSettings) -> tuple[list, float]:
    """A store holding every person of ``file``, linked to its true person as customer."""
    engine = open_store(f"sqlite:///{path}")
    job = job_from_options([f"people={file}"], [], [], "record_id")
    profiles = list(read_profiles(job, settings))
    truth = dict(_persons(file))
    started = time.perf_counter()
    now = _now()
    with engine.begin() as conn:
        conn.execute(
            CustomerRow.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "id": f"p{person}",
                    "entity": "person",
                    "fields": {},
                    "provenance": {},
                    "is_deleted": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for person in sorted(set(truth.values()))
            ],
        )
        for start in range(0, len(profiles), 20_000):
            part = profiles[start : start + 20_000]
            ids = [f"people:people:{p.ref.record_id}" for p in part]
            conn.execute(
                SourceRecordRow.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {
                        "id": i,
                        "system": "people",
                        "stream": "people",
                        "external_id": p.ref.record_id,
                        "entity": "person",
                        "fields": {},
                        "field_times": {},
                        "consent": {},
                        "content_hash": "",
                        "is_deleted": False,
                        "seen_at": now,
                    }
                    for i, p in zip(ids, part, strict=True)
                ],
            )
            conn.execute(
                MatchProfileRow.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {"source_record_id": i, "profile": encode_profile(p)}
                    for i, p in zip(ids, part, strict=True)
                ],
            )
            conn.execute(
                BlockingKeyRow.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {"key": k, "source_record_id": i}
                    for i, p in zip(ids, part, strict=False)
                    for k in set(blocking_keys(p, settings))
                ],
            )
            conn.execute(
                LinkRow.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {
                        "source_record_id": i,
                        "customer_id": f"p{truth[p.ref.record_id]}",
                        "method": "bench",
                        "status": "automatic",
                        "created_at": _now(),
                    }
                    for i, p in zip(ids, part, strict=False)
                ],
            )
    return profiles, time.perf_counter() - started


def _now() -> datetime:
    return datetime.now(UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=Path("/tmp/crmsync-scale/people_1000000.csv"))
    parser.add_argument("--store", type=Path, default=Path("/tmp/crmsync-scale/store.sqlite"))
    parser.add_argument("--changed", type=int, default=1000)
    options = parser.parse_args()
    settings = MatchSettings()
    options.store.unlink(missing_ok=True)
    profiles, load_s = build_store(options.store, options.file, settings)
    model = resolve_table(table_of(profiles[:100_000]), settings).model
    rows = changed_rows(options.file, options.changed, seed=5)
    changed = [
        build_profile(SourceRef("shop", "shop", f"new-{k}"), {f: r[f] for f in FIELDS}, settings)
        for k, r in enumerate(rows)
    ]
    engine = open_store(f"sqlite:///{options.store}")

    def resolve() -> list[Resolution]:
        with engine.connect() as conn:
            return resolve_changes(changed, StoreIndex(conn), model, settings)

    print(
        json.dumps(
            {
                "machine": machine(),
                "stored_records": len(profiles),
                "changed_records": len(changed),
                **timed_resolve(resolve, rows),
                "store_load_s": round(load_s, 1),
                "store_mib": round(options.store.stat().st_size / 2**20),
                "peak_rss_mib": round(peak_rss_mib(), 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
