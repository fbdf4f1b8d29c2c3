"""Member writes: batch subscribe for the bulk, single calls only where Mailchimp's rules need them.

One write of up to 500 ops costs one ``POST /lists/{id}`` for ops that state consent
(``update_existing: true``) and one for ops that do not (``update_existing: false`` with
status ``transactional``, so an existing member's subscription is never touched; the members
that turn out to exist are then patched without a status). Beyond that, calls are spent only
where the vendor leaves no choice: an address change (``PATCH`` on the old hash), an op that
names a member only by id, compliance states (re-sent as ``pending`` for double opt-in), tag
changes (``POST .../tags``; batch subscribe cannot carry tags) and deletes (archive).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import structlog

from connectors.base import WriteOp, WriteOutcome, WriteResult
from connectors.mailchimp.encoding import EncodeError, MemberChange, encode_change
from connectors.mailchimp.mapping import ADDRESS_REQUIRED, MergeSchema, subscriber_hash
from connectors.mailchimp.models import BatchAnswer, Problem
from connectors.mailchimp.outcomes import Refusal, classify, failed, succeeded
from connectors.toolkit.http import VendorClient

log = structlog.get_logger("connectors.mailchimp")

BATCH_LIMIT = 500


@dataclass
class _Run:
    """The state of one write call: results by op id, and members written whose tags to sync."""

    schema: MergeSchema
    results: dict[str, WriteResult] = field(default_factory=dict)
    written: list[tuple[MemberChange, dict[str, Any], WriteOutcome]] = field(default_factory=list)
    compliance: list[MemberChange] = field(default_factory=list)
    existing: list[MemberChange] = field(default_factory=list)
    to_batch: list[MemberChange] = field(default_factory=list)


class MemberWriter:
    """Writes ops to one audience; thread-safe because it keeps no state between calls."""

    def __init__(self, client: VendorClient, list_id: str, *, double_opt_in: bool) -> None:
        self._client = client
        self._list = f"/lists/{list_id}"
        self._double_opt_in = double_opt_in

    def write(self, ops: Sequence[WriteOp], schema: MergeSchema) -> list[WriteResult]:
        """One result per op, in op order."""
        run = _Run(schema)
        for start in range(0, len(ops), BATCH_LIMIT):
            self._write_chunk(ops[start : start + BATCH_LIMIT], run)
        return [run.results[op.op_id] for op in ops]

    def _write_chunk(self, ops: Sequence[WriteOp], run: _Run) -> None:
        changes: list[MemberChange] = []
        for op in ops:
            if op.is_delete:
                run.results[op.op_id] = self._archive(op)
                continue
            try:
                changes.append(encode_change(op, run.schema))
            except EncodeError as exc:
                run.results[op.op_id] = failed(op, Refusal.rejected(exc.code, str(exc)))
        for unique in _without_duplicates(changes, run):
            change = self._with_whole_addresses(unique)
            if change.email is None or change.previous_id is not None:
                self._patch(change, run)
            else:
                run.to_batch.append(change)
        self._batch([c for c in run.to_batch if c.status], run, update_existing=True)
        self._batch([c for c in run.to_batch if not c.status], run, update_existing=False)
        for change in run.existing:
            self._patch(change, run)
        pending = [replace(c, status="pending") for c in run.compliance]
        self._batch(pending, run, update_existing=True)
        for change, document, outcome in run.written:
            self._sync_tags(change, document, outcome, run)
        run.to_batch, run.existing, run.compliance, run.written = [], [], [], []

    def _with_whole_addresses(self, change: MemberChange) -> MemberChange:
        """Complete a partly changed address from the member's current one (one GET)."""
        partial = {
            tag: parts
            for tag, parts in change.merge_fields.items()
            if isinstance(parts, dict) and not parts.keys() >= ADDRESS_REQUIRED
        }
        if not partial:
            return change
        target = change.previous_id or change.member_id
        response = self._client.request(
            "GET",
            f"{self._list}/members/{target}",
            endpoint="member",
            params={"fields": "merge_fields"},
        )
        if response.status_code != 200:
            return change  # a new member: Mailchimp judges the parts we have
        current = response.json().get("merge_fields") or {}
        merges = dict(change.merge_fields)
        for tag, parts in partial.items():
            known = current.get(tag)
            merges[tag] = {**(known if isinstance(known, dict) else {}), **parts}
        return replace(change, body={**change.body, "merge_fields": merges}, merge_fields=merges)

    # --- batch subscribe ------------------------------------------------------------------------

    def _batch(self, changes: list[MemberChange], run: _Run, *, update_existing: bool) -> None:
        if not changes:
            return
        members = [{**c.body, "status": c.status or "transactional"} for c in changes]
        body = {"members": members, "update_existing": update_existing}
        response = self._client.request("POST", self._list, endpoint="batch", json=body)
        if response.status_code != 200:
            refusal = _refusal(response)
            for change in changes:
                run.results[change.op.op_id] = failed(change.op, refusal)
            return
        answer = BatchAnswer.model_validate(response.json())
        self._collect(changes, answer, run)

    def _collect(self, changes: list[MemberChange], answer: BatchAnswer, run: _Run) -> None:
        by_id = {c.member_id: c for c in changes}
        for outcome, documents in (
            (WriteOutcome.CREATED, answer.new_members),
            (WriteOutcome.UPDATED, answer.updated_members),
        ):
            for document in documents:
                change = by_id.pop(str(document.get("id")), None)
                if change is not None:
                    run.written.append((change, document, outcome))
        for error in answer.errors:
            change = by_id.pop(subscriber_hash(error.email_address), None)
            if change is not None:
                self._refused(
                    change, classify(error.error, code=error.error_code, field=error.field), run
                )
        for change in by_id.values():
            # Trap 15: a member the answer does not mention was dropped silently.
            run.results[change.op.op_id] = failed(change.op, Refusal.missing())

    def _refused(self, change: MemberChange, refusal: Refusal, run: _Run) -> None:
        if refusal.code == "member_exists" and change.status is None:
            run.existing.append(change)
        elif refusal.code == "compliance_state" and self._may_ask_for_opt_in(change):
            run.compliance.append(change)
        else:
            run.results[change.op.op_id] = failed(change.op, refusal)

    def _may_ask_for_opt_in(self, change: MemberChange) -> bool:
        return self._double_opt_in and change.status == "subscribed"

    # --- single members ---------------------------------------------------------------------------

    def _patch(self, change: MemberChange, run: _Run, *, is_retry: bool = False) -> None:
        target = change.previous_id or change.member_id
        body = dict(change.body)
        if change.status is not None:
            body["status"] = change.status
        response = self._client.request(
            "PATCH", f"{self._list}/members/{target}", endpoint="member", json=body
        )
        if response.status_code == 200:
            run.written.append((change, response.json(), WriteOutcome.UPDATED))
            return
        if response.status_code == 404 and change.previous_id and change.email:
            # The old address is gone (changed already, or archived for good): upsert the new one.
            run.to_batch.append(replace(change, previous_id=None))
            return
        refusal = _refusal(response)
        if refusal.code == "compliance_state" and self._may_ask_for_opt_in(change) and not is_retry:
            self._patch(replace(change, status="pending"), run, is_retry=True)
            return
        run.results[change.op.op_id] = failed(change.op, refusal)

    def _archive(self, op: WriteOp) -> WriteResult:
        key = op.external_id or (subscriber_hash(op.key) if op.key else None)
        if key is None:
            return failed(op, Refusal.rejected("missing_email", "the op names no member"))
        response = self._client.request("DELETE", f"{self._list}/members/{key}", endpoint="member")
        if response.status_code in (204, 404):
            # 404: already archived or erased; a delete is done once the member is gone.
            return WriteResult(op.op_id, WriteOutcome.DELETED, external_id=key)
        return failed(op, _refusal(response))

    def _sync_tags(
        self, change: MemberChange, document: dict[str, Any], outcome: WriteOutcome, run: _Run
    ) -> None:
        wanted = set(change.tags) if change.tags is not None else None
        current = {str(t.get("name")) for t in document.get("tags") or []}
        result = succeeded(change.op, outcome, document)
        if wanted is not None and wanted != current:
            tags = _tag_body(wanted - current, current - wanted)
            path = f"{self._list}/members/{document.get('id')}/tags"
            response = self._client.request("POST", path, endpoint="member", json=tags)
            if response.status_code != 204:
                result = failed(change.op, Refusal.retryable("tags_not_written"))
            else:
                result = replace(result, modified_at=None)
        run.results[change.op.op_id] = result


def _without_duplicates(changes: list[MemberChange], run: _Run) -> Iterable[MemberChange]:
    """Mailchimp refuses an address twice in one request; later ops wait for the next write."""
    seen: set[str] = set()
    for change in changes:
        if change.member_id in seen:
            run.results[change.op.op_id] = failed(change.op, Refusal.duplicate())
            continue
        seen.add(change.member_id)
        yield change


def _tag_body(added: set[str], removed: set[str]) -> dict[str, Any]:
    tags = [{"name": n, "status": "active"} for n in sorted(added)]
    tags += [{"name": n, "status": "inactive"} for n in sorted(removed)]
    return {"tags": tags}


def _refusal(response: httpx.Response) -> Refusal:
    try:
        problem = Problem.model_validate(response.json())
    except ValueError:
        problem = Problem(status=response.status_code)
    log.info("mailchimp.write_refused", status=response.status_code, title=problem.title)
    return classify(problem.detail, title=problem.title, status=response.status_code)
