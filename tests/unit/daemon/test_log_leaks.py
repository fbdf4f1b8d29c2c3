"""Logs captured while the daemon's parts do real work against the sandboxes — jobs in both
directions, webhook deliveries carrying personal data, an auth failure, a forged delivery —
contain no secret and none of the seeded people's personal data."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest

from connectors.toolkit.sandbox import Fault, SandboxServer
from sync.config import load_config
from sync.daemon import known_secrets
from sync.logs import configure_logging
from sync.metrics import Metrics
from sync.scheduler import StreamScheduler
from sync.web import create_app

from .seeded import Setup, personal_values


@pytest.fixture
def store_url(sqlite_only: str) -> str:
    """What gets logged does not depend on the backend: SQLite only, to keep the suite fast."""
    return sqlite_only


PATH_SECRET = "p4th-s3cret-for-logs"


def do_real_work(setup: Setup) -> None:
    crm: Any = setup.world.sandboxes["crm"]
    ma: Any = setup.world.sandboxes["newsletter"]
    metrics = Metrics(setup.rt.store, ["crm/contacts", "newsletter/members"])
    jobs = StreamScheduler(
        setup.rt, holder="leaks", run_at_start=False, on_result=metrics.observe_job
    )
    app = create_app(setup.rt, jobs, metrics, path_secret=PATH_SECRET)
    with SandboxServer(app) as server, httpx.Client(base_url=server.base_url) as http:
        jobs.run_now("crm", "contacts")
        jobs.run_now("newsletter", "members")
        crm.edit(setup.crm_ids[0], {"lastname": "Yılmaz-Demirtaş", "phone": "+49 40 7654321"})
        url = f"{server.base_url}/webhooks/{PATH_SECRET}/crm"
        headers, body = crm.webhook_delivery(crm.take_events(), url)
        http.post(url, content=body, headers=headers)
        http.post(url, content=body.replace(b"Demirta", b"Demirte"), headers=headers)
        ma.edit_member(setup.ma_ids[1], status="subscribed", source="user")
        for delivery in ma.deliveries():
            target = f"{server.base_url}/webhooks/{PATH_SECRET}/newsletter"
            request = ma.webhook_request(delivery, target)
            http.post(request.url, content=request.body, headers=dict(request.headers))
        jobs.run_now("newsletter", "members")
        crm.inject(Fault(401, path_prefix="/crm/v3/objects/contacts"))
        jobs.run_now("crm", "contacts")


@pytest.mark.usefixtures("restore_logging")
def test_logs_of_real_work_hold_no_secret_and_no_personal_data(setup: Setup) -> None:
    out = io.StringIO()
    loaded = load_config(setup.world.config_path)
    configure_logging("debug", stream=out, secrets=[*known_secrets(loaded), PATH_SECRET])

    do_real_work(setup)

    text = out.getvalue()
    events = {json.loads(line)["event"] for line in text.splitlines()}
    leaked = sorted(
        v for v in personal_values() | setup.secrets() | {PATH_SECRET, "Demirtaş"} if v in text
    )
    assert leaked == []
    assert {"job.finished", "webhook.accepted", "webhook.rejected", "job.step_failed"} <= events
