"""Multi-system quality: a generated CRM and MA (German, Turkish, English people) deduplicated.

Run: .venv/bin/python bench/identity/multisystem.py [--records 20000] [--noise 2.0]
Writes ``crm.csv`` and ``ma.csv`` from ``sync.demo.population.build_population`` (MA records
keep the CRM id for half of the shared people), runs the ``crmsync dedupe`` command with the
CRM declared as such, and scores: pairs of the clusters against the true persons (two CRM
records are never merged by design, so CRM-CRM pairs are left out), and the crm_duplicate
flags against the true CRM-internal duplicates.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import tempfile
import time
from pathlib import Path

from common import quality

FIELDS = ("first_name", "last_name", "email", "phone", "street", "postcode", "city", "country")
FIELDS += ("birthday", "company")


def write(path: Path, records: list, prefix: str, refs: list[int | None] | None = None) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", *FIELDS, "crm_id"])
        for k, record in enumerate(records):
            ref = "" if refs is None or refs[k] is None else f"c{refs[k]}"
            values = ["" if getattr(record, f) is None else str(getattr(record, f)) for f in FIELDS]
            writer.writerow([f"{prefix}{k}", *values, ref])


def run(directory: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from sync.cli.dedupe import register

    app = typer.Typer()
    register(app)
    app.callback()(lambda: None)
    args = ["dedupe", "--input", f"crm={directory / 'crm.csv'}", "--input"]
    args += [f"ma={directory / 'ma.csv'}", "--crm", "crm", "--map", "crm_id=id:crm", "--id", "id"]
    result = CliRunner().invoke(app, [*args, "--out", str(directory / "out")])
    if result.exit_code != 0:
        raise RuntimeError(result.output)


def same_person(groups: list[list[str]], *, crm_pairs: bool) -> set[tuple[str, str]]:
    found = set()
    for members in groups:
        for a, b in itertools.combinations(sorted(members), 2):
            if (a[0] == "c" and b[0] == "c") == crm_pairs:
                found.add((a, b))
    return found


def main() -> None:
    from sync.demo.population import NoiseProfile, build_population

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000, help="per system")
    parser.add_argument("--noise", type=float, default=2.0, help="NoiseProfile().scaled(...)")
    parser.add_argument("--seed", type=int, default=11)
    options = parser.parse_args()
    noise = NoiseProfile().scaled(options.noise)
    n = options.records
    population = build_population(options.seed, crm=n, ma=n, overlap=0.6, noise=noise)
    truth = population.truth
    persons = {f"c{k}": p for k, p in enumerate(truth.crm_person)}
    persons |= {f"m{k}": p for k, p in enumerate(truth.ma_person)}
    by_person: dict[int, list[str]] = {}
    for record_id, person in persons.items():
        by_person.setdefault(person, []).append(record_id)
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        write(directory / "crm.csv", population.crm, "c")
        write(directory / "ma.csv", population.ma, "m", truth.ma_crm_ref)
        started = time.perf_counter()
        run(directory)
        seconds = time.perf_counter() - started
        clusters: dict[str, list[str]] = {}
        with (directory / "out" / "clusters.csv").open(newline="") as handle:
            for row in csv.DictReader(handle):
                clusters.setdefault(row["cluster_id"], []).append(row["record_id"])
        with (directory / "out" / "pairs.csv").open(newline="") as handle:
            flags = {
                tuple(sorted((r["left_id"], r["right_id"])))
                for r in csv.DictReader(handle)
                if r["outcome"] == "crm_duplicate"
            }
    groups = list(by_person.values())
    result = {
        "records": 2 * n,
        "noise": options.noise,
        "wall_s": round(seconds, 1),
        "clusters": quality(
            same_person(list(clusters.values()), crm_pairs=False),
            same_person(groups, crm_pairs=False),
        ),
        "crm_duplicate_flags": quality(flags, same_person(groups, crm_pairs=True)),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
