"""The daemon's HTTP face: the webhook receiver, ``/healthz`` and ``/metrics``, as a Starlette
app built from a runtime.

Blocking work (connector verification, the store) runs in Starlette's thread pool, so the
event loop only moves bytes. Requests are logged with their route template, never their
path: a webhook path can carry a secret.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Sequence
from typing import Protocol

import structlog
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.base import WebhookRejectedError, WebhookRequest
from sync import health, webhooks
from sync.metrics import CONTENT_TYPE, Metrics
from sync.runtime import Runtime

log = structlog.get_logger("sync.web")
MAX_BODY_BYTES = 5_000_000
"""Larger deliveries are refused (413); HubSpot sends at most 100 events per request."""
_QUIET_ROUTES = ("/healthz", "/metrics")


class JobControl(Protocol):
    """What the web app needs from the scheduler."""

    @property
    def is_running(self) -> bool: ...

    def trigger(self, system: str, stream: str) -> bool: ...


def create_app(
    rt: Runtime, jobs: JobControl, metrics: Metrics, *, path_secret: str | None = None
) -> ASGIApp:
    """The app: ``POST /webhooks/{system}`` (``/webhooks/{secret}/{system}`` with a path
    secret), ``GET /healthz`` (503 when the store or the scheduler is down), ``GET /metrics``."""
    endpoints = _Endpoints(rt, jobs, metrics, path_secret)
    prefix = "/webhooks/{secret}" if path_secret else "/webhooks"
    routes = [
        # GET too: Mailchimp checks a webhook URL with a GET; its connector answers it.
        Route(f"{prefix}/{{system}}", endpoints.webhook, methods=["POST", "GET"]),
        Route("/healthz", endpoints.healthz, methods=["GET"]),
        Route("/metrics", endpoints.get_metrics, methods=["GET"]),
    ]
    return RequestLog(Starlette(routes=routes))


class _Endpoints:
    def __init__(
        self, rt: Runtime, jobs: JobControl, metrics: Metrics, path_secret: str | None
    ) -> None:
        self.rt = rt
        self.jobs = jobs
        self.counters = metrics
        self.path_secret = path_secret
        self.stream_keys: Sequence[str] = [f"{s.system}/{s.name}" for s in rt.streams]

    async def webhook(self, request: Request) -> Response:
        system = request.path_params["system"]
        if not self._secret_ok(request) or system not in self.rt.connectors:
            return _error(404, "not_found")
        try:
            body = await _body(request)
        except ClientDisconnect:
            return _error(400, "incomplete")
        if body is None:
            return _error(413, "too_large")
        delivery = WebhookRequest(
            method=request.method,
            url=str(request.url),
            headers=dict(request.headers),
            body=body,
            received_at=self.rt.clock.now(),
        )
        return await run_in_threadpool(self._accept, system, delivery)

    def _accept(self, system: str, delivery: WebhookRequest) -> Response:
        try:
            accepted = webhooks.accept(self.rt, system, delivery, self.jobs.trigger)
        except WebhookRejectedError:
            self.counters.observe_webhook(system, "rejected")
            return _error(401, "rejected")
        except Exception as exc:
            # Not stored: answer 5xx so the vendor delivers again later.
            log.warning("webhook.store_failed", system=system, error=type(exc).__name__)
            return _error(503, "unavailable")
        self.counters.observe_webhook(system, "stored", accepted.stored)
        self.counters.observe_webhook(system, "own_write", accepted.own)
        self.counters.observe_webhook(system, "ignored", accepted.ignored)
        return JSONResponse({"stored": accepted.stored, "own": accepted.own})

    async def healthz(self, request: Request) -> Response:
        report = await run_in_threadpool(
            health.check, self.rt.store, self.stream_keys, scheduler_ok=self.jobs.is_running
        )
        return JSONResponse(report.as_json(), status_code=200 if report.ok else 503)

    async def get_metrics(self, request: Request) -> Response:
        body = await run_in_threadpool(self.counters.render)
        return Response(body, headers={"Content-Type": CONTENT_TYPE})

    def _secret_ok(self, request: Request) -> bool:
        if self.path_secret is None:
            return True
        given = str(request.path_params.get("secret", ""))
        return hmac.compare_digest(given.encode(), self.path_secret.encode())


async def _body(request: Request) -> bytes | None:
    """The raw body, or None when it is larger than :data:`MAX_BODY_BYTES`."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, code: str) -> Response:
    return JSONResponse({"error": code}, status_code=status)


class RequestLog:
    """ASGI middleware: one ``web.request`` line per request, with the route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", "(unmatched)")
            emit = log.debug if route in _QUIET_ROUTES else log.info
            emit(
                "web.request",
                method=scope["method"],
                route=route,
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
