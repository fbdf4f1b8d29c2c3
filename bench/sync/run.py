"""Benchmark of whole sync cycles: 100k CRM contacts and 100k MA members (60% the same people).

Measures the initial sync, a no-change cycle and an incremental cycle after 1% of the records
changed on each side, with each sandbox in its own process on loopback. Reports source
records per second, peak RSS of the engine process, and write calls per pushed record as the
sandboxes counted them.

    .venv/bin/python bench/sync/run.py                 # vendor rate limits lifted
    .venv/bin/python bench/sync/run.py --real-limits   # HubSpot's 190 requests / 10 s

Results go to bench/out/sync/results.json; record them in bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from connectors.base import ConnectorSettings, Role, Secret
from sync.config import load_config
from sync.cycle import CycleReport, run_cycle
from sync.demo.world import DEMO_TEMPLATE, write_config
from sync.runtime import Runtime, open_runtime

HERE = Path(__file__).resolve().parent
BATCH = {"crm/contacts": 100, "newsletter/members": 500}
SYSTEM_URL: dict[str, str] = {}


def main() -> None:
    args = _arguments()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    processes, settings = _start_sandboxes(args, out)
    try:
        rt = _runtime(args, out, settings)
        results = {"machine": _machine(), "args": vars(args)}
        results["initial"] = _measure(rt, "initial")
        results["no_change"] = _measure(rt, "no_change")
        results["edited"] = {
            name: _bench(name, "POST", f"/_bench/edit?share={args.share}") for name in SYSTEM_URL
        }
        results["incremental"] = _measure(rt, "incremental")
        results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rt.close()
    finally:
        for process in processes:
            process.stdin.close()  # type: ignore[union-attr]
            process.wait(timeout=60)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    _print(results)


def _start_sandboxes(
    args: argparse.Namespace, out: Path
) -> tuple[list[subprocess.Popen[str]], dict[str, ConnectorSettings]]:
    common = ["--seed", str(args.seed), "--crm", str(args.crm), "--ma", str(args.ma)]
    if not args.real_limits:
        common.append("--relaxed")
    ids = str(out / "crm_ids.txt")
    processes, settings = [], {}
    for name, kind, role, extra in (
        ("crm", "hubspot", Role.CRM, ["--ids-out", ids]),
        ("newsletter", "mailchimp", Role.MA, ["--crm-ids", ids]),
    ):
        command = [sys.executable, str(HERE / "sandbox_process.py"), kind, *common, *extra]
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        info = json.loads(process.stdout.readline())  # type: ignore[union-attr]
        processes.append(process)
        SYSTEM_URL[name] = info["base_url"].removesuffix("/3.0")
        settings[name] = ConnectorSettings(
            name=name,
            role=role,
            base_url=info["base_url"],
            credentials={k: Secret(v) for k, v in info["credentials"].items()},
            options=info["options"],
        )
        print(f"{kind} sandbox: {info['records']} records at {info['base_url']}", flush=True)
    return processes, settings


def _runtime(
    args: argparse.Namespace, out: Path, settings: dict[str, ConnectorSettings]
) -> Runtime:
    options = (
        {} if args.real_limits else {"crm": {"rate_limit": 1_000_000, "search_rate_limit": 100_000}}
    )
    path, env = write_config(
        DEMO_TEMPLATE, out, f"sqlite:///{out / 'store.sqlite'}", settings, options
    )
    os.environ.update(env)
    return open_runtime(load_config(path))


def _measure(rt: Runtime, label: str) -> dict[str, Any]:
    before = {name: _bench(name, "GET", "/_bench/stats")["write_calls"] for name in SYSTEM_URL}
    started = time.perf_counter()
    report = run_cycle(rt)
    seconds = time.perf_counter() - started
    after = {name: _bench(name, "GET", "/_bench/stats")["write_calls"] for name in SYSTEM_URL}
    calls = {name: after[name] - before[name] for name in SYSTEM_URL}
    print(f"{label}: {seconds:.1f} s", flush=True)
    return _summary(report, seconds, calls)


def _summary(report: CycleReport, seconds: float, calls: dict[str, int]) -> dict[str, Any]:
    read = sum(c.staged.read for c in report.pulled.values())
    pushed = {}
    for key, counts in report.pushed.items():
        system = key.split("/")[0]
        written = counts.created + counts.updated + counts.failed
        pushed[key] = {
            "records_written": written,
            "fields": counts.fields,
            "write_calls_seen_by_vendor": calls[system],
            "calls_per_record": round(calls[system] / written, 4) if written else None,
            "bound": math.ceil(written / BATCH[key]) + math.ceil(0.01 * written),
        }
    return {
        "seconds": round(seconds, 2),
        "records_read": read,
        "records_per_second": round(read / seconds) if seconds else None,
        "pulled": report.counts()["pulled"],
        "pushed": pushed,
        "errors": report.errors,
    }


def _bench(system: str, method: str, path: str) -> dict[str, Any]:
    response = httpx.request(method, SYSTEM_URL[system] + path, timeout=600)
    response.raise_for_status()
    return dict(response.json())


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def _print(results: dict[str, Any]) -> None:
    for label in ("initial", "no_change", "incremental"):
        r = results[label]
        rate = r["records_per_second"]
        print(f"\n{label}: {r['seconds']} s, {r['records_read']} records read ({rate}/s)")
        for key, p in r["pushed"].items():
            calls, bound = p["write_calls_seen_by_vendor"], p["bound"]
            print(f"  {key}: {p['records_written']} written, {calls} write calls (bound {bound})")
    print(f"\npeak RSS of the engine process: {results['peak_rss_mb']:.0f} MB")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--crm", type=int, default=100_000)
    parser.add_argument("--ma", type=int, default=100_000)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--real-limits", action="store_true")
    parser.add_argument("--out", default=str(HERE.parent / "out" / "sync"))
    return parser.parse_args()


if __name__ == "__main__":
    main()
