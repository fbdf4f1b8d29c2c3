"""The ``crmsync dedupe`` pipeline: CSV exports in; clusters, scored pairs and a report out."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sync.identity import decision as dc
from sync.identity.batch import Resolved, resolve_table
from sync.identity.csvcells import SafeWriter
from sync.identity.filemapping import FileJob, MappingError
from sync.identity.fileread import read_table
from sync.identity.model import MatchModel, probability
from sync.identity.settings import MatchSettings

PAIR_COLUMNS: tuple[str, ...] = ("left_system", "left_id", "right_system", "right_id")
PAIR_COLUMNS += ("outcome", "rule", "veto", "match_weight", "match_probability")


@dataclass(frozen=True, slots=True)
class FileReport:
    """What a dedupe run found, and how long it took."""

    records: int
    candidate_pairs: int
    merge_pairs: int
    review_pairs: int
    crm_duplicates: int
    clusters: int
    multi_record_clusters: int
    seconds: float
    em_converged: bool

    def lines(self) -> list[str]:
        return [
            f"records            {self.records}",
            f"candidate pairs    {self.candidate_pairs}",
            f"matches (merge)    {self.merge_pairs}",
            f"review pairs       {self.review_pairs}",
            f"crm duplicates     {self.crm_duplicates}",
            f"clusters           {self.clusters} ({self.multi_record_clusters} with 2+ records)",
            f"time               {self.seconds:.1f} s",
        ]


def run_dedupe(
    job: FileJob,
    out_dir: Path,
    settings: MatchSettings | None = None,
    model_in: Path | None = None,
    model_out: Path | None = None,
    workers: int = 0,
) -> FileReport:
    """Resolve the job's files and write ``clusters.csv`` and ``pairs.csv`` into ``out_dir``.

    Raises MappingError for unreadable inputs or a model that does not fit the mapping.
    """
    started = time.perf_counter()
    settings = dataclasses.replace(settings or MatchSettings(), extras=job.extras)
    model = _load_model(model_in) if model_in else None
    table = read_table(job, settings, workers)
    try:
        resolved = resolve_table(table, settings, model)
    except ValueError as error:
        raise MappingError(str(error)) from error
    out_dir.mkdir(parents=True, exist_ok=True)
    clusters = write_clusters(resolved, out_dir / "clusters.csv")
    write_pairs(resolved, settings, out_dir / "pairs.csv")
    if model_out:
        model_out.write_text(resolved.model.to_json(), encoding="utf-8")
    return _report(resolved, clusters, time.perf_counter() - started)


def _load_model(path: Path) -> MatchModel:
    try:
        return MatchModel.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MappingError(f"model file {path} is unusable: {type(error).__name__}") from None


def _report(resolved: Resolved, clusters: tuple[int, int], seconds: float) -> FileReport:
    scored = resolved.scored
    return FileReport(
        records=len(resolved.table),
        candidate_pairs=len(scored),
        merge_pairs=scored.count(dc.Outcome.MERGE),
        review_pairs=scored.count(dc.Outcome.REVIEW),
        crm_duplicates=scored.count(dc.Outcome.CRM_DUPLICATE),
        clusters=clusters[0],
        multi_record_clusters=clusters[1],
        seconds=seconds,
        em_converged=resolved.model.converged,
    )


def write_clusters(resolved: Resolved, path: Path) -> tuple[int, int]:
    """One row per record with its cluster id; returns (clusters, clusters of 2+ records)."""
    labels = resolved.clustering.labels
    distinct, sizes = np.unique(labels, return_counts=True)
    number = {int(label): n for n, label in enumerate(distinct.tolist(), start=1)}
    size = dict(zip(distinct.tolist(), sizes.tolist(), strict=True))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = SafeWriter(handle)
        writer.writerow(["cluster_id", "cluster_size", "system", "record_id"])
        for row in np.argsort(labels, kind="stable").tolist():
            ref, label = resolved.table.refs[row], int(labels[row])
            writer.writerow([f"c{number[label]}", size[label], ref.system, ref.record_id])
    return len(distinct), int((sizes > 1).sum())


def write_pairs(resolved: Resolved, settings: MatchSettings, path: Path) -> None:
    """Every pair not kept apart, with outcome, rule, veto, score and per-field levels."""
    scored, refs = resolved.scored, resolved.table.refs
    keep = np.flatnonzero(scored.outcomes != dc.APART)
    keep = keep[np.argsort(-scored.weights[keep], kind="stable")]
    probabilities = probability(scored.weights[keep])
    names = [c.name for c in resolved.comparisons]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = SafeWriter(handle)
        writer.writerow([*PAIR_COLUMNS, *names])
        for k, p in zip(keep.tolist(), probabilities.tolist(), strict=True):
            left, right = refs[int(scored.i[k])], refs[int(scored.j[k])]
            rule = int(scored.rules[k])
            levels = [
                "" if lv < 0 else c.levels[lv]
                for c, lv in zip(resolved.comparisons, scored.levels[k].tolist(), strict=True)
            ]
            outcome = dc.OUTCOMES[int(scored.outcomes[k])]
            writer.writerow(
                [
                    *(left.system, left.record_id, right.system, right.record_id, outcome.value),
                    settings.rules[rule].value if rule >= 0 else "",
                    dc.VETOES[int(scored.vetoes[k])].value,
                    *(round(float(scored.weights[k]), 3), round(p, 6), *levels),
                ]
            )
