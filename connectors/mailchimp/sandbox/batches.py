"""Asynchronous ``/batches``: queued operations, run later, with results in a gzip'd tarball.

Mailchimp accepts up to thousands of operations in one ``POST /batches`` and answers at once
with status ``pending``; the batch then runs in the background (``preprocessing``, ``started``,
``finalizing``, ``finished``). Here a batch runs when it is looked at (``GET /batches/{id}``)
once ``run_after_s`` seconds of the injected clock have passed since it was submitted: at
once by default (a sandbox on a frozen test clock still serves a client on the real one),
later when a test wants to see a client wait. Each operation goes through the same routes as
a direct call, with the submitter's credentials. Results are a ``.tar.gz`` of JSON arrays
of ``{status_code, operation_id, response}`` at ``response_body_url``, which, like
Mailchimp's S3 link, needs no API key.
See https://mailchimp.com/developer/marketing/guides/run-async-requests-batch-endpoint/
"""

from __future__ import annotations

import io
import json
import tarfile
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from connectors.base import Clock
from connectors.mailchimp.sandbox import errors
from connectors.mailchimp.sandbox.member import iso
from connectors.toolkit.sandbox import ASGIApp, Message

RESULTS_PREFIX = "/batch-results/"
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


@dataclass
class BatchJob:
    id: str
    operations: list[dict[str, Any]]
    submitted_at: int
    authorization: bytes = b""
    """The submitter's credentials: Mailchimp runs the operations as the key that sent them."""
    status: str = "pending"
    completed_at: int | None = None
    results: list[dict[str, Any]] = field(default_factory=list)

    def describe(self, base_url: str) -> dict[str, Any]:
        finished = self.status == "finished"
        return {
            "id": self.id,
            "status": self.status,
            "total_operations": len(self.operations),
            "finished_operations": len(self.results),
            "errored_operations": sum(1 for r in self.results if r["status_code"] >= 400),
            "submitted_at": iso(self.submitted_at),
            "completed_at": iso(self.completed_at),
            "response_body_url": f"{base_url}{RESULTS_PREFIX}{self.id}.tar.gz" if finished else "",
        }


class BatchQueue:
    """Submitted batches of one account, run on demand through ``app``."""

    def __init__(self, app: ASGIApp, clock: Clock, run_after_s: float = 0.0) -> None:
        self.app = app
        """What operations run through: the API's routes, possibly wrapped (fault injection)."""
        self._clock = clock
        self._run_after_s = run_after_s
        self._lock = threading.Lock()
        self._jobs: dict[str, BatchJob] = {}

    def submit(self, body: dict[str, Any], authorization: bytes = b"") -> BatchJob:
        operations = body.get("operations")
        if not isinstance(operations, list) or not all(_is_operation(o) for o in operations):
            raise errors.invalid_resource("The resource submitted could not be validated.")
        submitted_at = int(self._clock.now().timestamp())
        job = BatchJob(uuid.uuid4().hex[:10], operations, submitted_at, authorization)
        with self._lock:
            self._jobs[job.id] = job
        return job

    def jobs(self) -> list[BatchJob]:
        with self._lock:
            return list(self._jobs.values())

    def cancel(self, batch_id: str) -> None:
        with self._lock:
            if self._jobs.pop(batch_id, None) is None:
                raise errors.not_found()

    async def look_at(self, batch_id: str) -> BatchJob:
        """The batch, run first if it is due."""
        with self._lock:
            job = self._jobs.get(batch_id)
        if job is None:
            raise errors.not_found()
        now = self._clock.now().timestamp()
        if job.status == "pending" and now - job.submitted_at >= self._run_after_s:
            job.status = "started"
            job.results = [await self._run(op, job.authorization) for op in job.operations]
            job.status, job.completed_at = "finished", int(now)
        return job

    def tarball(self, batch_id: str) -> bytes:
        with self._lock:
            job = self._jobs.get(batch_id)
        if job is None or job.status != "finished":
            raise errors.not_found()
        payload = json.dumps(job.results).encode()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            info = tarfile.TarInfo(f"{job.id}.json")
            info.size = len(payload)
            info.mtime = job.completed_at or 0
            archive.addfile(info, io.BytesIO(payload))
        return buffer.getvalue()

    async def _run(self, operation: dict[str, Any], authorization: bytes) -> dict[str, Any]:
        body = str(operation.get("body") or "").encode()
        params = operation.get("params") or {}
        scope = {
            "type": "http",
            "method": operation["method"],
            "path": "/3.0" + operation["path"],
            "raw_path": ("/3.0" + operation["path"]).encode(),
            "query_string": urlencode(params, doseq=True).encode(),
            "headers": [(b"content-type", b"application/json"), (b"authorization", authorization)],
            "root_path": "",
            "scheme": "http",
            "http_version": "1.1",
            "server": ("sandbox", 80),
            "state": {"request_id": uuid.uuid4().hex},
        }
        answer: dict[str, Any] = {"status_code": 0, "body": bytearray()}

        async def receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status_code"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"].extend(message.get("body", b""))

        await self.app(scope, receive, send)
        return {
            "status_code": answer["status_code"],
            "operation_id": operation.get("operation_id"),
            "response": answer["body"].decode() or "{}",
        }


def _is_operation(operation: Any) -> bool:
    if not isinstance(operation, dict):
        return False
    path, method = operation.get("path"), operation.get("method")
    return isinstance(path, str) and path.startswith("/") and method in _METHODS
