"""Shared pieces of the identity benchmarks: data export, pair scoring, and per-process RSS."""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import psutil

FEBRL_COLUMNS = (
    "given_name=first_name",
    "surname=last_name",
    "street_number=house_number",
    "address_1=street",
    "address_2=address_2",
    "suburb=city",
    "postcode=postcode",
    "state=state",
    "date_of_birth=birthday",
    "soc_sec_id=soc_sec_id",
)
FEBRL_EXTRAS = ("address_2=text", "state=text", "soc_sec_id=id")


def peak_rss_mib() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TreeRss:
    """Samples the summed RSS of this process and its children (workers) every 0.1 s, so the
    figure covers a whole process tree, not only its largest member."""

    def __init__(self) -> None:
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.1):
            try:
                members = [me, *me.children(recursive=True)]
                total = sum(p.memory_info().rss for p in members) / 2**20
            except psutil.Error:
                continue
            self.peak_mib = max(self.peak_mib, total)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def peak_child_rss_mib() -> float:
    """Largest peak RSS among this process's finished children (e.g. normalising workers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def canonical(pair: Iterable[str]) -> tuple[str, str]:
    left, right = sorted(pair)
    return left, right


def quality(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    """Pair precision, recall and F1 of ``predicted`` against ``truth`` (both canonical)."""
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {
        "predicted": len(predicted),
        "true": len(truth),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def cluster_pairs(members_by_cluster: dict[str, list[str]]) -> set[tuple[str, str]]:
    """Every pair of records that share a cluster."""
    found = set()
    for members in members_by_cluster.values():
        ordered = sorted(members)
        for x, left in enumerate(ordered):
            for right in ordered[x + 1 :]:
                found.add((left, right))
    return found


def run_child(script: Path, args: list[str], timeout_s: float = 7200) -> dict[str, object]:
    """Run one tool in its own Python process (so its peak RSS is its own); parse its JSON."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"], "args": args}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = round(time.perf_counter() - started, 2)
    return result


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    memory_gib = psutil.virtual_memory().total / 2**30
    cores = psutil.cpu_count()
    return f"{cpu}, {cores} cores, {memory_gib:.0f} GiB RAM, Python {platform.python_version()}"
