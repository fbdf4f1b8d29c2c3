"""One vendor sandbox in a process of its own, seeded from the benchmark population.

The benchmark runs each sandbox in its own process so that serving 100k records does not
share a CPU core (and the GIL) with the engine being measured. Besides the vendor API the
process serves three benchmark routes: ``GET /_bench/stats`` (write calls served so far),
``POST /_bench/edit?share=0.01`` (change that share of records as users would) and
``POST /_bench/fault-mode`` (a JSON :class:`FaultMode` switches a storm on, ``null`` off; the
answer is what the previous mode did). ``--fault-mode '{"seed": 1, "throttle_rate": 0.05}'``
starts the process in that mode.

    python bench/sync/sandbox_process.py hubspot --ids-out crm_ids.txt ...
    python bench/sync/sandbox_process.py mailchimp --crm-ids crm_ids.txt ...

Prints one JSON line (base URL, credentials, options) and serves until stdin closes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.toolkit.fault_mode import FaultMode, FaultRecord
from connectors.toolkit.sandbox import (
    ASGIApp,
    Receive,
    Sandbox,
    SandboxServer,
    Scope,
    SeedPerson,
    Send,
)
from sync.demo.population import NoiseProfile, build_population, with_crm_refs
from sync.demo.world import HUBSPOT_WITHOUT_SEARCH_LAG, sandbox_factory

RELAXED = {
    "hubspot": {"burst": 1_000_000, "daily": 100_000_000, "search": 100_000},
    "mailchimp": {"max_connections": 10},
}
# The incremental cycle runs right after the edits, so HubSpot's search-index lag (an edit
# shows up to a minute late) is off in every mode: with it, the cycle would not see them yet.
NO_SEARCH_LAG = {"hubspot": HUBSPOT_WITHOUT_SEARCH_LAG, "mailchimp": {}}


def main() -> None:
    args = _arguments()
    population = build_population(
        args.seed, crm=args.crm, ma=args.ma, overlap=args.overlap, noise=NoiseProfile()
    )
    limits = {**NO_SEARCH_LAG[args.kind], **(RELAXED[args.kind] if args.relaxed else {})}
    sandbox = sandbox_factory(args.kind)(**limits)
    if args.kind == "hubspot":
        ids = sandbox.seed(population.crm)
        Path(args.ids_out).write_text("\n".join(ids))
    else:
        crm_ids = Path(args.crm_ids).read_text().split("\n")
        ids = sandbox.seed(with_crm_refs(population, crm_ids))
    mode = FaultMode.from_json(args.fault_mode) if args.fault_mode else None
    app = _with_bench_routes(sandbox, ids, random.Random(args.seed), sandbox.fault_mode(mode))
    with SandboxServer(app) as server:
        settings = sandbox.settings(args.kind, server.base_url)
        print(json.dumps(_describe(settings, len(ids))), flush=True)
        sys.stdin.read()


def _with_bench_routes(
    sandbox: Sandbox, ids: list[str], rng: random.Random, record: FaultRecord
) -> ASGIApp:
    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({"write_calls": sandbox.write_calls()})

    async def edit(request: Request) -> JSONResponse:
        share = float(request.query_params.get("share", "0.01"))
        chosen = rng.sample(ids, int(len(ids) * share))
        for n, external_id in enumerate(chosen):
            sandbox.edit_person(external_id, _change(n))
        return JSONResponse({"edited": len(chosen)})

    async def fault_mode(request: Request) -> JSONResponse:
        nonlocal record
        raw = (await request.body()).decode() or "null"
        mode = None if raw.strip() == "null" else FaultMode.from_json(raw)
        previous, record = record, sandbox.fault_mode(mode)
        return JSONResponse(_describe_record(previous))

    bench = Starlette(
        routes=[
            Route("/_bench/stats", stats),
            Route("/_bench/edit", edit, methods=["POST"]),
            Route("/_bench/fault-mode", fault_mode, methods=["POST"]),
        ]
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # The vendor API gets the server's own send: a fault mode's reset needs it.
        if scope["type"] == "http" and scope["path"].startswith("/_bench/"):
            await bench(scope, receive, send)
        else:
            await sandbox.app(scope, receive, send)

    return app


def _describe_record(record: FaultRecord) -> dict[str, Any]:
    return {
        "mode": asdict(record.mode) if record.mode else None,
        "faults": dict(record.faults),
        "passed": record.passed,
        "early_requests": len(record.early),
    }


def _change(n: int) -> SeedPerson:
    """An edit users make: a new phone number, or a new company."""
    blank = SeedPerson(email=None)
    if n % 2:
        return replace(blank, phone=f"+49 30 {5_000_000 + n}")
    return replace(blank, company=f"Neue Firma {n} GmbH")


def _describe(settings: Any, count: int) -> dict[str, Any]:
    return {
        "base_url": settings.base_url,
        "credentials": {k: v.reveal() for k, v in settings.credentials.items()},
        "options": dict(settings.options),
        "records": count,
    }


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["hubspot", "mailchimp"])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--crm", type=int, default=100_000)
    parser.add_argument("--ma", type=int, default=100_000)
    parser.add_argument("--overlap", type=float, default=0.6)
    parser.add_argument("--ids-out", default="crm_ids.txt")
    parser.add_argument("--crm-ids", default="crm_ids.txt")
    parser.add_argument("--relaxed", action="store_true", help="lift the vendor's rate limits")
    parser.add_argument("--fault-mode", default="", help="a FaultMode as JSON to start in")
    return parser.parse_args()


if __name__ == "__main__":
    main()
