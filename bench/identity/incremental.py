"""Incremental micro-benchmark: 1,000 changed records against a 1M-record in-memory index.

Run: .venv/bin/python bench/identity/incremental.py [--file /tmp/crmsync-scale/people_1000000.csv]
(the file of ``scale.py``). The stored records are indexed under their true person as customer
id; the changed records are copies of 1,000 stored people arriving from a new system (a shop),
half of them with a re-typed phone and upper-case e-mail. Reported: time of
``resolve_changes`` (median of 3), and how many changed records joined the right customer.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import machine, peak_rss_mib

from sync.identity.batch import resolve_table
from sync.identity.filemapping import job_from_options
from sync.identity.fileread import read_profiles
from sync.identity.incremental import InMemoryIndex, Resolution, resolve_changes
from sync.identity.model import MatchModel
from sync.identity.profile import SourceRef, build_profile
from sync.identity.settings import MatchSettings
from sync.identity.table import table_of

FIELDS = ("first_name", "last_name", "email", "phone", "street", "postcode", "city", "birthday")


def changed_rows(path: Path, count: int, seed: int) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    picked = random.Random(seed).sample(rows, count)
    for k, row in enumerate(picked):
        if k % 2:
            row["email"] = row["email"].upper()
            row["phone"] = row["phone"].replace(" ", "")
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=Path("/tmp/crmsync-scale/people_1000000.csv"))
    parser.add_argument("--changed", type=int, default=1000)
    options = parser.parse_args()
    settings = MatchSettings()
    job = job_from_options([f"people={options.file}"], [], [], "record_id")
    started = time.perf_counter()
    profiles = list(read_profiles(job, settings))
    truth = dict(_persons(options.file))
    customers = [f"p{truth[p.ref.record_id]}" for p in profiles]
    model = resolve_table(table_of(profiles[:100_000]), settings).model
    model = MatchModel.from_json(model.to_json())
    index = InMemoryIndex(settings)
    index.add(profiles, customers)
    setup_s = time.perf_counter() - started
    rows = changed_rows(options.file, options.changed, seed=5)
    changed = [
        build_profile(SourceRef("shop", "shop", f"new-{k}"), {f: r[f] for f in FIELDS}, settings)
        for k, r in enumerate(rows)
    ]
    result = {
        "machine": machine(),
        "stored_records": len(profiles),
        "changed_records": len(changed),
        **timed_resolve(lambda: resolve_changes(changed, index, model, settings), rows),
        "setup_s": round(setup_s, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
    print(json.dumps(dataclasses.asdict(settings.thresholds) | result, indent=2))


def timed_resolve(
    resolve: Callable[[], list[Resolution]], rows: list[dict[str, str]]
) -> dict[str, Any]:
    """Run ``resolve`` three times: median and all wall times, and how many of the changed
    records (``rows``, in the same order) joined their true person's customer."""
    timings, resolutions = [], []
    for _ in range(3):
        begin = time.perf_counter()
        resolutions = resolve()
        timings.append(time.perf_counter() - begin)
    right = sum(
        r.customer_id == f"p{row['person_id']}" for r, row in zip(resolutions, rows, strict=True)
    )
    return {
        "resolve_s_median": round(statistics.median(timings), 3),
        "resolve_s_all": [round(t, 3) for t in timings],
        "joined_right_customer": right,
    }


def _persons(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["record_id"], row["person_id"]) for row in csv.DictReader(handle)]


if __name__ == "__main__":
    main()
