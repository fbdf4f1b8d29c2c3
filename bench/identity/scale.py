"""Scale run: 1M generated person records with known duplicates, crmsync vs Splink.

Run: .venv/bin/python bench/identity/scale.py [--records 1000000] [--dir /tmp/crmsync-scale]
The file comes from ``sync.demo.dedupe_set`` (German/Austrian/Swiss/Turkish/British people,
clusters of 2-5 records, default noise); it is generated once and reused. Each tool runs in
its own process; pairs are scored against the generator's person ids.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
from common import TreeRss, machine, peak_child_rss_mib, peak_rss_mib, run_child

HERE = Path(__file__).resolve()
TOOLS = ("crmsync", "splink")
SPLINK_MEMORY = "6GB"
SPLINK_THRESHOLD = 0.99


def generate(path: Path, records: int, seed: int) -> None:
    from sync.demo.dedupe_set import write_dedupe_csv
    from sync.demo.noise import NoiseProfile

    if not path.exists():
        write_dedupe_csv(path, seed, records, 0.2, NoiseProfile())


def person_ids(path: Path) -> dict[str, int]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["record_id"]: int(row["person_id"]) for row in csv.DictReader(handle)}


def pairs_in(counts: np.ndarray) -> int:
    return int((counts * (counts - 1) // 2).sum())


def score(path: Path, predicted_labels: dict[str, str]) -> dict[str, float]:
    """Pair precision/recall from cluster labels without listing pairs (a giant cluster of
    100k records would be 5e9 pairs): counted through the clusters' intersections."""
    truth = person_ids(path)
    names: dict[str, int] = {}
    n = len(truth)
    true_labels = np.fromiter(truth.values(), dtype=np.int64, count=n)
    predicted = np.empty(n, dtype=np.int64)
    for k, rid in enumerate(truth):  # records missing from the output count as singletons
        label = predicted_labels.get(rid)
        predicted[k] = names.setdefault(label, len(names)) if label is not None else -1 - k
    true_pairs = pairs_in(np.unique(true_labels, return_counts=True)[1])
    found = pairs_in(np.unique(predicted, return_counts=True)[1])
    both = np.unique(np.stack([true_labels, predicted], axis=1), axis=0, return_counts=True)[1]
    hits = pairs_in(both)
    precision = hits / found if found else 0.0
    recall = hits / true_pairs
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    largest = int(np.unique(predicted, return_counts=True)[1].max())
    return {
        "predicted": found,
        "true": true_pairs,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "largest_cluster": largest,
    }


def score_pairs(path: Path, pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Precision/recall of a tool's pairwise decisions (before any clustering)."""
    truth = person_ids(path)
    same = sum(truth[a] == truth[b] for a, b in pairs)
    true_pairs = pairs_in(
        np.unique(np.fromiter(truth.values(), dtype=np.int64), return_counts=True)[1]
    )
    precision = same / len(pairs) if pairs else 0.0
    recall = same / true_pairs
    f1 = 2 * precision * recall / (precision + recall) if same else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def run_crmsync(path: Path, out: Path) -> dict[str, str]:
    """The ``crmsync dedupe`` command itself, through Typer."""
    import typer
    from typer.testing import CliRunner

    from sync.cli.dedupe import register

    app = typer.Typer()
    register(app)
    app.callback()(lambda: None)
    args = ["dedupe", "--input", f"people={path}", "--id", "record_id", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    with (out / "clusters.csv").open(newline="") as handle:
        return {row["record_id"]: row["cluster_id"] for row in csv.DictReader(handle)}


SPLINK_CLEAN = """
select record_id,
  nullif(lower(trim(first_name)), '') as first_name,
  nullif(lower(trim(last_name)), '') as last_name,
  nullif(lower(trim(email)), '') as email,
  nullif(regexp_replace(phone, '[^0-9]', '', 'g'), '') as phone,
  nullif(lower(trim(street)), '') as street,
  nullif(upper(replace(postcode, ' ', '')), '') as postcode,
  nullif(lower(trim(city)), '') as city,
  nullif(trim(birthday), '') as birthday
from read_csv('{path}', all_varchar=true)
"""


def run_splink(path: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Splink 5 on DuckDB in the style of its own examples: light cleaning in SQL, fuzzy
    comparisons with term frequencies, u by random sampling, m by EM on two blocking rules."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    # DuckDB spills to disk past its memory limit; without one it took 17 GiB on this machine.
    connection = duckdb.connect(config={"memory_limit": SPLINK_MEMORY, "temp_directory": "/tmp"})
    frame = connection.sql(SPLINK_CLEAN.format(path=path))
    settings = SettingsCreator(
        unique_id_column_name="record_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("first_name", "last_name", "birthday"),
            block_on("last_name", "postcode"),
            block_on("first_name", "postcode"),
            block_on("first_name", "last_name", "city"),
        ],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
            cl.LevenshteinAtThresholds("phone", [1, 2]),
            cl.DateOfBirthComparison(
                "birthday",
                input_is_string=True,
                datetime_format="%Y-%m-%d",
                invalid_dates_as_null=True,
            ),
            cl.LevenshteinAtThresholds("street", [2]),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
    )
    db_api = DuckDBAPI(connection)
    linker = Linker(db_api.register(frame), settings, log_level=None)
    deterministic = [block_on("email"), block_on("first_name", "last_name", "birthday")]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7)
    for rule in (block_on("first_name", "last_name"), block_on("email")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=SPLINK_THRESHOLD
    )
    rows = clusters.as_duckdbpyrelation().select("record_id, cluster_id").fetchall()
    pairs = predictions.as_duckdbpyrelation().select("record_id_l, record_id_r").fetchall()
    return {str(rid): str(cluster) for rid, cluster in rows}, pairs


def child(tool: str, path: Path) -> None:
    started = time.perf_counter()
    pairs: list[tuple[str, str]] | None = None
    with TreeRss() as tree:
        if tool == "crmsync":
            labels = run_crmsync(path, path.parent / "out-crmsync")
        else:
            labels, pairs = run_splink(path)
    seconds, rss = time.perf_counter() - started, peak_rss_mib()  # before scoring
    print(f"{tool}: {seconds:.1f} s, peak RSS {rss:.0f} MiB", file=sys.stderr)
    result = {"tool": tool, "records": len(labels), "wall_s": round(seconds, 1)}
    result |= {"peak_rss_mib": round(rss, 1), "tree_peak_rss_mib": round(tree.peak_mib, 1)}
    result |= {"worker_peak_rss_mib": round(peak_child_rss_mib(), 1)}
    result |= score(path, labels)
    if pairs is not None:
        result["pairwise"] = score_pairs(path, pairs)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "FILE"))
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/crmsync-scale"))
    parser.add_argument("--tools", default=",".join(TOOLS))
    options = parser.parse_args()
    if options.child:
        child(options.child[0], Path(options.child[1]))
        return
    options.dir.mkdir(parents=True, exist_ok=True)
    path = options.dir / f"people_{options.records}.csv"
    generate(path, options.records, options.seed)
    print(f"machine: {machine()}")
    print(
        "| tool | records | precision | recall | F1 | largest cluster | wall s | peak RSS MiB "
        "(process / process tree) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for tool in options.tools.split(","):
        r = run_child(HERE, ["--child", tool, str(path)])
        print(json.dumps(r), file=sys.stderr)
        if "error" in r:
            print(f"| {tool} | error: {r['error']} |")
            continue
        print(
            f"| {tool} | {r['records']} | {r['precision']} | {r['recall']} | {r['f1']} "
            f"| {r['largest_cluster']} | {r['wall_s']} | {r['peak_rss_mib']} / "
            f"{r['tree_peak_rss_mib']} |"
        )
        if "pairwise" in r:
            p = r["pairwise"]
            print(
                f"| {tool} (pairs, no clustering) | | {p['precision']} | {p['recall']} "
                f"| {p['f1']} | | | |"
            )


if __name__ == "__main__":
    main()
