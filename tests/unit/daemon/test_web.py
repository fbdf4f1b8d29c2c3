"""The web app served on loopback: signed deliveries from the sandboxes into the
inbox, rejections, our own echoes, the path secret, /healthz and /metrics."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, select

from connectors.base import WebhookRequest
from connectors.toolkit.sandbox import SandboxServer
from sync.job import JobResult
from sync.metrics import Metrics
from sync.runtime import Runtime
from sync.scheduler import StreamScheduler
from sync.store import journal
from sync.store.sql import Store
from sync.web import MAX_BODY_BYTES, create_app

from .seeded import Setup

INBOX = journal.INBOX


@pytest.fixture
def store_url(sqlite_only: str) -> str:
    """The HTTP layer does not depend on the backend; test_webhooks covers the inbox on both."""
    return sqlite_only


@dataclass
class Web:
    """The app served on loopback, as the daemon serves it, with its scheduler and metrics."""

    http: httpx.Client
    base: str
    jobs: StreamScheduler
    metrics: Metrics


@contextmanager
def served(
    setup: Setup,
    *,
    started: bool = False,
    path_secret: str | None = None,
    rt: Runtime | None = None,
    results: queue.Queue[JobResult] | None = None,
) -> Iterator[Web]:
    runtime = rt or setup.rt
    metrics = Metrics(runtime.store, [f"{s.system}/{s.name}" for s in runtime.streams])
    observe = results.put if results is not None else metrics.observe_job
    jobs = StreamScheduler(runtime, holder="web-test", run_at_start=False, on_result=observe)
    if started:
        jobs.start()
    app = create_app(runtime, jobs, metrics, path_secret=path_secret)
    try:
        with SandboxServer(app) as server, httpx.Client(base_url=server.base_url) as http:
            yield Web(http, server.base_url, jobs, metrics)
    finally:
        jobs.shutdown()


def crm_delivery(setup: Setup, url: str, **change: str) -> tuple[dict[str, str], bytes]:
    """A user's edit of the first seeded contact, as HubSpot would POST it to ``url``."""
    crm: Any = setup.world.sandboxes["crm"]
    crm.edit(setup.crm_ids[0], change or {"lastname": "Yılmaz-Demir"})
    headers, body = crm.webhook_delivery(crm.take_events(), url)
    return headers, body


def pending(setup: Setup, system: str, stream: str) -> list[tuple[str, str]]:
    with setup.rt.store.transaction() as conn:
        rows = journal.pending_webhook_events(conn, system, stream)
    return [(r["external_id"], r["kind"]) for r in rows]


def test_a_signed_hubspot_delivery_is_stored_in_the_inbox(setup: Setup) -> None:
    with served(setup) as web:
        headers, body = crm_delivery(setup, f"{web.base}/webhooks/crm")
        response = web.http.post("/webhooks/crm", content=body, headers=headers)

    assert (response.status_code, response.json()) == (200, {"stored": 1, "own": 0})
    assert pending(setup, "crm", "contacts") == [(setup.crm_ids[0], "changed")]


def test_a_redelivered_event_is_stored_once(setup: Setup) -> None:
    with served(setup) as web:
        headers, body = crm_delivery(setup, f"{web.base}/webhooks/crm")
        first = web.http.post("/webhooks/crm", content=body, headers=headers)
        again = web.http.post("/webhooks/crm", content=body, headers=headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert pending(setup, "crm", "contacts") == [(setup.crm_ids[0], "changed")]


def test_a_delivery_with_a_bad_signature_is_refused_and_not_stored(setup: Setup) -> None:
    with served(setup) as web:
        headers, body = crm_delivery(setup, f"{web.base}/webhooks/crm")
        forged = body.replace(setup.crm_ids[0].encode(), b"999999")
        response = web.http.post("/webhooks/crm", content=forged, headers=headers)

    assert (response.status_code, pending(setup, "crm", "contacts")) == (401, [])


def test_an_unknown_system_is_not_found(setup: Setup) -> None:
    with served(setup) as web:
        response = web.http.post("/webhooks/erp", content=b"{}")

    assert response.status_code == 404


def test_our_own_writes_coming_back_are_kept_as_processed_and_never_fetched(setup: Setup) -> None:
    crm: Any = setup.world.sandboxes["crm"]
    crm.portal.edit("contacts", setup.crm_ids[1], {"city": "Köln"}, source="INTEGRATION")

    with served(setup) as web:
        headers, body = crm.webhook_delivery(crm.take_events(), f"{web.base}/webhooks/crm")
        response = web.http.post("/webhooks/crm", content=body, headers=headers)

    with setup.rt.store.transaction() as conn:
        kept = conn.execute(select(INBOX.c.external_id, INBOX.c.processed_at)).all()
    assert (response.json(), pending(setup, "crm", "contacts")) == ({"stored": 0, "own": 1}, [])
    assert [(external_id, at is not None) for external_id, at in kept] == [(setup.crm_ids[1], True)]


def mailchimp_request(setup: Setup, url: str, secret: str | None = None) -> WebhookRequest:
    """A subscriber re-subscribing themselves, as Mailchimp would POST it to ``url``."""
    ma: Any = setup.world.sandboxes["newsletter"]
    ma.edit_member(setup.ma_ids[1], status="subscribed", source="user")
    (delivery,) = ma.deliveries()
    request: WebhookRequest = ma.webhook_request(delivery, url, secret=secret)
    return request


def test_a_mailchimp_delivery_with_the_url_secret_is_stored(setup: Setup) -> None:
    with served(setup) as web:
        request = mailchimp_request(setup, f"{web.base}/webhooks/newsletter")
        response = web.http.post(request.url, content=request.body, headers=dict(request.headers))

    assert (response.status_code, pending(setup, "newsletter", "members")) == (
        200,
        [(setup.ma_ids[1], "changed")],
    )


def test_a_mailchimp_delivery_with_a_wrong_url_secret_is_refused(setup: Setup) -> None:
    with served(setup) as web:
        request = mailchimp_request(setup, f"{web.base}/webhooks/newsletter", secret="guessed")
        response = web.http.post(request.url, content=request.body, headers=dict(request.headers))

    assert (response.status_code, pending(setup, "newsletter", "members")) == (401, [])


def test_mailchimps_url_check_by_get_is_answered(setup: Setup) -> None:
    secret = setup.world.sandboxes["newsletter"].webhook_secret  # type: ignore[attr-defined]

    with served(setup) as web:
        checked = web.http.get(f"/webhooks/newsletter?secret={secret}")
        guessed = web.http.get("/webhooks/newsletter?secret=guessed")

    assert (checked.status_code, guessed.status_code) == (200, 401)


def test_with_a_path_secret_only_the_secret_path_takes_deliveries(setup: Setup) -> None:
    with served(setup, path_secret="p4th-s3cret") as web:
        headers, body = crm_delivery(setup, f"{web.base}/webhooks/p4th-s3cret/crm")
        wrong = web.http.post("/webhooks/guessed/crm", content=body, headers=headers)
        bare = web.http.post("/webhooks/crm", content=body, headers=headers)
        right = web.http.post("/webhooks/p4th-s3cret/crm", content=body, headers=headers)

    assert (wrong.status_code, bare.status_code, right.status_code) == (404, 404, 200)


def test_an_oversized_delivery_is_refused(setup: Setup) -> None:
    with served(setup) as web:
        response = web.http.post("/webhooks/crm", content=b"x" * (MAX_BODY_BYTES + 1))

    assert response.status_code == 413


def test_a_delivery_wakes_the_streams_job_which_takes_the_change_in(setup: Setup) -> None:
    results: queue.Queue[JobResult] = queue.Queue()

    with served(setup, started=True, results=results) as web:
        headers, body = crm_delivery(setup, f"{web.base}/webhooks/crm")
        web.http.post("/webhooks/crm", content=body, headers=headers)
        result = results.get(timeout=60)

    assert ((result.system, result.stream), pending(setup, "crm", "contacts")) == (
        ("crm", "contacts"),
        [],
    )


def test_healthz_reports_the_store_the_scheduler_and_each_stream(setup: Setup) -> None:
    with served(setup, started=True) as web:
        web.jobs.run_now("crm", "contacts")
        response = web.http.get("/healthz")

    body = response.json()
    assert (response.status_code, body["status"], body["store"], body["scheduler"]) == (
        200,
        "ok",
        True,
        True,
    )
    assert {k: v["pull"]["status"] for k, v in body["streams"].items()} == {
        "crm/contacts": "ok",
        "newsletter/members": "never",
    }


def test_healthz_is_503_when_the_scheduler_is_not_running(setup: Setup) -> None:
    with served(setup, started=False) as web:
        response = web.http.get("/healthz")

    assert (response.status_code, response.json()["scheduler"]) == (503, False)


def unreachable(setup: Setup) -> Runtime:
    """The same runtime with a store that cannot be opened."""
    dead = Store(create_engine("sqlite:////nonexistent/dir/store.sqlite"))
    return Runtime(setup.rt.config, dead, setup.rt.connectors, setup.rt.streams, setup.clock)


def test_healthz_is_503_when_the_store_is_unreachable(setup: Setup) -> None:
    with served(setup, started=True, rt=unreachable(setup)) as web:
        response = web.http.get("/healthz")

    assert (response.status_code, response.json()["store"]) == (503, False)


def metric_values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


CRM = (("stream", "contacts"), ("system", "crm"))


def test_metrics_count_job_results_and_read_backlogs_from_the_store(setup: Setup) -> None:
    with served(setup) as web:
        web.jobs.run_now("crm", "contacts")
        headers, body = crm_delivery(setup, f"{web.base}/webhooks/crm")
        web.http.post("/webhooks/crm", content=body, headers=headers)
        response = web.http.get("/metrics")

    values = metric_values(response.text)
    stored = ("crmsync_webhook_events_total", (("outcome", "stored"), ("system", "crm")))
    assert response.headers["content-type"].startswith("text/plain")
    assert {
        "read": values[("crmsync_records_read_total", CRM)],
        "jobs_ok": values[("crmsync_jobs_total", (("outcome", "ok"), *CRM))],
        "webhooks": values[stored],
        "store_up": values[("crmsync_store_up", ())],
        "review_open": values[("crmsync_review_open", ())],
    } == {"read": 3.0, "jobs_ok": 1.0, "webhooks": 1.0, "store_up": 1.0, "review_open": 0.0}
    assert ("crmsync_last_success_timestamp_seconds", (("step", "pull"), *CRM)) in values


def test_metrics_report_a_store_that_cannot_be_read(setup: Setup) -> None:
    with served(setup, rt=unreachable(setup)) as web:
        response = web.http.get("/metrics")

    assert (response.status_code, metric_values(response.text)[("crmsync_store_up", ())]) == (
        200,
        0.0,
    )
