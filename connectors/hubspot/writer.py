"""Writing one HubSpot object type: batch upsert, update and archive, with per-record results.

Ops without an id are upserted by a unique property (``email`` for contacts) so a repeated
create never duplicates. Every input carries ``objectWriteTraceId = op_id``, which makes
HubSpot answer 207 with per-input errors instead of failing the batch; a batch refused as a
whole (duplicate ids, say) is retried one op at a time to isolate the bad one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx

from connectors.base import FailureKind, WriteFailure, WriteOp, WriteOutcome, WriteResult
from connectors.hubspot.consent import ConsentWrite, ConsentWriter
from connectors.hubspot.mapping import encode_value, failure_of
from connectors.hubspot.models import ApiError, BatchAnswer, HubSpotObject
from connectors.toolkit.http import VendorClient
from connectors.toolkit.timestamps import parse_iso8601

BATCH_LIMIT = 100
Input = tuple[WriteOp, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class WritePlan:
    object_type: str
    key_field: str
    id_property: str | None
    """The unique property upserts go by; None when the object type has none configured."""


class RecordWriter:
    def __init__(
        self, client: VendorClient, plan: WritePlan, consent: ConsentWriter | None
    ) -> None:
        self._client = client
        self._plan = plan
        self._consent = consent
        self._path = f"/crm/v3/objects/{plan.object_type}/batch"

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """One result per op, in the order of ``ops``."""
        results: dict[str, WriteResult] = {}
        for start in range(0, len(ops), BATCH_LIMIT):
            results |= self._write_chunk(ops[start : start + BATCH_LIMIT])
        results = self._with_consent(ops, results)
        return [results[op.op_id] for op in ops]

    def _write_chunk(self, ops: Sequence[WriteOp]) -> dict[str, WriteResult]:
        results: dict[str, WriteResult] = {}
        deletes: list[WriteOp] = []
        updates: list[Input] = []
        upserts: list[Input] = []
        for op in ops:
            problem = self._unwritable(op)
            if problem is not None:
                results[op.op_id] = _failed(op, FailureKind.REJECTED, *problem)
            elif op.is_delete:
                deletes.append(op)
            elif op.external_id is not None and not op.fields:
                results[op.op_id] = WriteResult(op.op_id, WriteOutcome.UPDATED, op.external_id)
            elif op.external_id is not None:
                updates.append((op, {"id": op.external_id, **self._body(op)}))
            else:
                key = {"id": self._key(op), "idProperty": self._plan.id_property}
                upserts.append((op, key | self._body(op)))
        results |= self._archive(deletes)
        results |= self._batch("update", updates)
        results |= self._batch("upsert", upserts)
        return results

    def _unwritable(self, op: WriteOp) -> tuple[str, str] | None:
        if op.is_delete and op.external_id is None:
            return "NO_ID", "a delete needs the record's HubSpot id"
        if op.is_delete or op.external_id is not None:
            return None
        if self._plan.id_property is None:
            return "NO_UNIQUE_KEY", f"{self._plan.object_type} have no unique property configured"
        if not self._key(op):
            return "NO_KEY", f"a create needs a {self._plan.key_field}"
        return None

    def _key(self, op: WriteOp) -> str:
        key = op.key or op.fields.get(self._plan.key_field)
        return str(key) if key else ""

    def _body(self, op: WriteOp) -> dict[str, Any]:
        properties = {name: encode_value(value) for name, value in op.fields.items()}
        return {"properties": properties, "objectWriteTraceId": op.op_id}

    # --- calls ------------------------------------------------------------------------------

    def _batch(self, action: str, inputs: list[Input]) -> dict[str, WriteResult]:
        if not inputs:
            return {}
        body = {"inputs": [payload for _, payload in inputs]}
        response = self._client.request("POST", f"{self._path}/{action}", json=body)
        if response.status_code in (200, 201, 207):
            return self._match(action, inputs, BatchAnswer.model_validate(response.json()))
        if len(inputs) > 1:
            results: dict[str, WriteResult] = {}
            for single in inputs:
                results |= self._batch(action, [single])
            return results
        op = inputs[0][0]
        return {op.op_id: replace(_refused(op, response), external_id=op.external_id)}

    def _match(
        self, action: str, inputs: list[Input], answer: BatchAnswer
    ) -> dict[str, WriteResult]:
        errors = {trace: error for error in answer.errors for trace in error.trace_ids()}
        found = {r.objectWriteTraceId: r for r in answer.results if r.objectWriteTraceId}
        by_key = {self._result_key(action, r): r for r in answer.results}
        results: dict[str, WriteResult] = {}
        for op, payload in inputs:
            error = errors.get(op.op_id)
            hit = found.get(op.op_id) or by_key.get(str(payload["id"]).lower())
            if error is not None:
                results[op.op_id] = WriteResult(
                    op.op_id, WriteOutcome.FAILED, op.external_id, failure_of(error)
                )
            elif hit is None:
                results[op.op_id] = _failed(
                    op, FailureKind.RETRYABLE, "NO_RESULT", "no result for this input"
                )
            else:
                results[op.op_id] = _succeeded(op, hit, is_new=action == "upsert" and bool(hit.new))
        return results

    def _result_key(self, action: str, result: HubSpotObject) -> str:
        if action == "upsert" and self._plan.id_property:
            return (result.properties.get(self._plan.id_property) or "").lower()
        return result.id

    def _archive(self, ops: list[WriteOp]) -> dict[str, WriteResult]:
        if not ops:
            return {}
        body = {"inputs": [{"id": op.external_id} for op in ops]}
        response = self._client.request("POST", f"{self._path}/archive", json=body)
        if response.status_code < 300:
            return {
                op.op_id: WriteResult(op.op_id, WriteOutcome.DELETED, op.external_id) for op in ops
            }
        return {op.op_id: _refused(op, response) for op in ops}

    # --- consent ----------------------------------------------------------------------------

    def _with_consent(
        self, ops: Sequence[WriteOp], results: dict[str, WriteResult]
    ) -> dict[str, WriteResult]:
        """Consents of the records written; the opt-outs of all ``ops`` share batch calls."""
        if self._consent is None:
            return results
        todo = [
            op
            for op in ops
            if op.consent
            and not op.is_delete
            and results[op.op_id].outcome is not WriteOutcome.FAILED
            and self._consent.needs_call(op.consent)
        ]
        emails = self._emails(todo, results)
        no_email = WriteFailure(FailureKind.REJECTED, "NO_EMAIL", "consent needs an email address")
        failures = {op.op_id: no_email for op in todo if op.op_id not in emails}
        items = [
            ConsentWrite(op.op_id, emails[op.op_id], op.consent)
            for op in todo
            if op.op_id in emails
        ]
        failures |= self._consent.write(items)
        for op_id, failure in failures.items():
            results[op_id] = replace(results[op_id], outcome=WriteOutcome.FAILED, failure=failure)
        return results

    def _emails(self, ops: Sequence[WriteOp], results: dict[str, WriteResult]) -> dict[str, str]:
        """op id → the contact's email: from the op when it carries one, else one batch read
        per 100 contacts (the preferences API is keyed by email, not by id)."""
        found: dict[str, str] = {}
        unknown: dict[str, str] = {}
        for op in ops:
            known = op.fields.get("email") or (op.key if self._plan.key_field == "email" else None)
            external_id = results[op.op_id].external_id
            if known:
                found[op.op_id] = str(known)
            elif external_id:
                unknown[external_id] = op.op_id
        ids = list(unknown)
        for start in range(0, len(ids), 100):
            body = {
                "inputs": [{"id": i} for i in ids[start : start + 100]],
                "properties": ["email"],
            }
            response = self._client.request("POST", f"{self._path}/read", json=body)
            if response.status_code >= 300:
                continue
            for hit in response.json().get("results", []):
                email = (hit.get("properties") or {}).get("email")
                if email and hit.get("id") in unknown:
                    found[unknown[hit["id"]]] = email
        return found


def _succeeded(op: WriteOp, hit: HubSpotObject, *, is_new: bool) -> WriteResult:
    outcome = WriteOutcome.CREATED if is_new else WriteOutcome.UPDATED
    modified = parse_iso8601(hit.updatedAt) if hit.updatedAt else None
    return WriteResult(op.op_id, outcome, hit.id, modified_at=modified)


def _failed(op: WriteOp, kind: FailureKind, code: str, message: str) -> WriteResult:
    failure = WriteFailure(kind, code, message)
    return WriteResult(op.op_id, WriteOutcome.FAILED, op.external_id, failure)


def _refused(op: WriteOp, response: httpx.Response) -> WriteResult:
    try:
        failure = failure_of(ApiError.model_validate(response.json()))
    except ValueError:
        code = f"HTTP_{response.status_code}"
        failure = WriteFailure(FailureKind.RETRYABLE, code, f"HubSpot answered {code}")
    return WriteResult(op.op_id, WriteOutcome.FAILED, op.external_id, failure)
