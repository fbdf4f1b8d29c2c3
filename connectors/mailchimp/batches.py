"""Runs member operations through Mailchimp's asynchronous ``/batches`` and returns each answer.

One ``POST /batches`` carries up to :data:`OPERATIONS_PER_BATCH` operations, so a write of
many members costs one write call per 500 of them. The batch then runs in the background:
we poll ``GET /batches/{id}`` (a read) through the injected clock until it is ``finished`` or
the wait bound runs out, and read the answers from ``response_body_url``, a gzip'd tar of JSON
arrays of ``{status_code, operation_id, response}``. That link is pre-signed storage: it is
fetched without the API key. A lone operation is sent directly: one call either way, and no
waiting. See https://mailchimp.com/developer/marketing/guides/run-async-requests-batch-endpoint/
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from pydantic import ValidationError

from connectors.base import Clock, TransientError
from connectors.mailchimp.models import BatchOperationResult, BatchStatus
from connectors.toolkit.http import VendorClient

log = structlog.get_logger("connectors.mailchimp")

OPERATIONS_PER_BATCH = 500
FIRST_POLL_S = 1.0
MAX_POLL_S = 15.0


@dataclass(frozen=True, slots=True)
class Operation:
    """One API call to make; ``path`` is relative to the API root (``/lists/...``)."""

    method: str
    path: str
    operation_id: str
    body: Mapping[str, Any] | None = None

    def wire(self) -> dict[str, Any]:
        """The operation as ``POST /batches`` takes it: the body as a JSON string."""
        entry: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "operation_id": self.operation_id,
        }
        if self.body is not None:
            entry["body"] = json.dumps(self.body)
        return entry


@dataclass(frozen=True, slots=True)
class Answer:
    """What Mailchimp answered to one operation: its status and its JSON body (``{}`` if none)."""

    status: int
    body: dict[str, Any]

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        return cls(response.status_code, _json_object(response.content))


class BatchRunner:
    """Sends operations and collects their answers; thread-safe (no state between calls)."""

    def __init__(
        self, client: VendorClient, downloads: VendorClient, clock: Clock, *, wait_s: float
    ) -> None:
        self._client = client
        self._downloads = downloads
        self._clock = clock
        self._wait_s = wait_s

    def run(self, operations: Sequence[Operation]) -> dict[str, Answer]:
        """Answers by ``operation_id``; an operation left out has no known outcome.

        Operation ids must be unique. Raises the toolkit's errors when a call itself fails
        (credentials, throttling or faults beyond the retry budget).
        """
        if not operations:
            return {}
        if len(operations) == 1:
            return {operations[0].operation_id: self._direct(operations[0])}
        answers: dict[str, Answer] = {}
        submitted: list[str] = []
        for start in range(0, len(operations), OPERATIONS_PER_BATCH):
            chunk = operations[start : start + OPERATIONS_PER_BATCH]
            response = self._client.request(
                "POST",
                "/batches",
                endpoint="batches",
                json={"operations": [o.wire() for o in chunk]},
            )
            if response.status_code != 200:
                refused = Answer.of(response)
                answers.update({o.operation_id: refused for o in chunk})
                continue
            batch = BatchStatus.model_validate(response.json())
            log.info("mailchimp.batch_submitted", batch_id=batch.id, operations=len(chunk))
            submitted.append(batch.id)
        finished = self._await(submitted)
        for batch_id in submitted:
            if batch_id in finished:
                answers.update(self._results(finished[batch_id]))
            else:
                self._cancel(batch_id)
        return answers

    def _direct(self, operation: Operation) -> Answer:
        response = self._client.request(
            operation.method,
            operation.path,
            endpoint="member",
            json=dict(operation.body) if operation.body is not None else None,
        )
        return Answer.of(response)

    def _await(self, batch_ids: list[str]) -> dict[str, BatchStatus]:
        """The batches that finished within the wait bound: polled at once (a small batch may
        be done already), then at a growing interval."""
        finished: dict[str, BatchStatus] = {}
        deadline = self._clock.monotonic() + self._wait_s
        waiting = [b for b in batch_ids if self._is_waiting(b, finished)]
        delay_s = FIRST_POLL_S
        while waiting:
            left_s = deadline - self._clock.monotonic()
            if left_s <= 0:
                break
            self._clock.sleep(min(delay_s, left_s))
            delay_s = min(delay_s * 2, MAX_POLL_S)
            waiting = [b for b in waiting if self._is_waiting(b, finished)]
        return finished

    def _is_waiting(self, batch_id: str, finished: dict[str, BatchStatus]) -> bool:
        response = self._client.request("GET", f"/batches/{batch_id}", endpoint="batches")
        if response.status_code != 200:
            # Gone (cancelled elsewhere, or expired): its operations stay without an answer.
            log.warning("mailchimp.batch_lost", batch_id=batch_id, status=response.status_code)
            return False
        batch = BatchStatus.model_validate(response.json())
        if batch.status != "finished":
            return True
        log.info("mailchimp.batch_finished", batch_id=batch_id, errored=batch.errored_operations)
        finished[batch_id] = batch
        return False

    def _results(self, batch: BatchStatus) -> dict[str, Answer]:
        if not batch.response_body_url:
            return {}
        response = self._downloads.request("GET", batch.response_body_url, endpoint="results")
        if response.status_code != 200:
            log.warning("mailchimp.batch_results_missing", batch_id=batch.id)
            return {}
        return {
            entry.operation_id: Answer(entry.status_code, _json_object(entry.response.encode()))
            for entry in read_results(response.content)
            if entry.operation_id is not None
        }

    def _cancel(self, batch_id: str) -> None:
        """Stop a batch we no longer wait for, so it cannot land after the ops are retried."""
        log.warning("mailchimp.batch_unfinished", batch_id=batch_id, waited_s=self._wait_s)
        try:
            self._client.request("DELETE", f"/batches/{batch_id}", endpoint="batches")
        except TransientError:
            # Its operations already count as unanswered and will be retried; a PATCH, a tag
            # change or an archive landing twice does no harm.
            log.warning("mailchimp.batch_not_cancelled", batch_id=batch_id)


def read_results(archive: bytes) -> Iterator[BatchOperationResult]:
    """The result entries of every JSON file in a results tarball; unreadable ones are skipped."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            files = [tar.extractfile(m) for m in tar.getmembers() if m.isfile()]
            contents = [f.read() for f in files if f is not None]
    except (tarfile.TarError, OSError, EOFError):
        log.warning("mailchimp.batch_results_unreadable")
        return
    for content in contents:
        try:
            entries = json.loads(content)
        except ValueError:
            continue
        for entry in entries if isinstance(entries, list) else []:
            try:
                yield BatchOperationResult.model_validate(entry)
            except ValidationError:
                continue


def _json_object(content: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(content) if content.strip() else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
