"""The per-member calls a write makes after batch subscribe, and what each answer leads to.

A step is one operation for one op (a ``PATCH`` of a known member, a tag change, an archive).
Its answer settles the op with a :class:`WriteResult`, or leads to one more step: a member in
a compliance state is asked again as ``pending``, a written member whose tags differ gets its
tags set. Steps of many members go out together through ``/batches``, so each round of steps
costs one write call per 500 members.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import structlog
from pydantic import ValidationError

from connectors.base import WriteOp, WriteOutcome, WriteResult
from connectors.mailchimp.batches import Answer, Operation
from connectors.mailchimp.encoding import MemberChange
from connectors.mailchimp.models import Problem
from connectors.mailchimp.outcomes import Refusal, classify, failed, succeeded

log = structlog.get_logger("connectors.mailchimp")


@dataclass(frozen=True, slots=True)
class Patch:
    """``PATCH`` a member by hash (the old one for an address change); status only if stated."""

    change: MemberChange

    def operation(self, list_path: str) -> Operation:
        target = self.change.previous_id or self.change.member_id
        body = dict(self.change.body)
        if self.change.status is not None:
            body["status"] = self.change.status
        return Operation("PATCH", f"{list_path}/members/{target}", self.change.op.op_id, body)

    def settle(self, answer: Answer | None, *, double_opt_in: bool) -> Step | WriteResult:
        op = self.change.op
        if answer is None:
            return failed(op, Refusal.missing())
        if answer.status == 200:
            return after_write(self.change, answer.body, WriteOutcome.UPDATED)
        refusal = refusal_of(answer)
        if (
            refusal.code == "compliance_state"
            and double_opt_in
            and self.change.status == "subscribed"
        ):
            # Mailchimp refuses to re-subscribe a member who left; pending sends a confirmation.
            return Patch(replace(self.change, status="pending"))
        return failed(op, refusal)


@dataclass(frozen=True, slots=True)
class TagSync:
    """``POST .../tags``: the tags a written member lacks as active, the unwanted as inactive."""

    change: MemberChange
    member: Mapping[str, Any]
    outcome: WriteOutcome
    body: Mapping[str, Any]

    def operation(self, list_path: str) -> Operation:
        path = f"{list_path}/members/{self.member.get('id')}/tags"
        return Operation("POST", path, self.change.op.op_id, self.body)

    def settle(self, answer: Answer | None, *, double_opt_in: bool) -> Step | WriteResult:
        if answer is None or answer.status != 204:
            return failed(self.change.op, Refusal.retryable("tags_not_written"))
        # The tag change moved last_changed past the time the member's answer gave.
        return replace(succeeded(self.change.op, self.outcome, dict(self.member)), modified_at=None)


@dataclass(frozen=True, slots=True)
class Archive:
    """``DELETE`` a member, which archives it; a member already gone counts as deleted."""

    op: WriteOp
    member_id: str

    def operation(self, list_path: str) -> Operation:
        return Operation("DELETE", f"{list_path}/members/{self.member_id}", self.op.op_id)

    def settle(self, answer: Answer | None, *, double_opt_in: bool) -> Step | WriteResult:
        if answer is None:
            return failed(self.op, Refusal.missing())
        if answer.status in (200, 204, 404):
            # 404: already archived or erased; a delete is done once the member is gone.
            return WriteResult(self.op.op_id, WriteOutcome.DELETED, external_id=self.member_id)
        return failed(self.op, refusal_of(answer))


Step = Patch | TagSync | Archive


def after_write(
    change: MemberChange, member: Mapping[str, Any], outcome: WriteOutcome
) -> Step | WriteResult:
    """The op's result once its member is written, or first the tag change it still needs."""
    result = succeeded(change.op, outcome, dict(member))
    if change.tags is None:
        return result
    wanted = set(change.tags)
    current = {str(t.get("name")) for t in member.get("tags") or [] if isinstance(t, dict)}
    if wanted == current:
        return result
    tags = [{"name": n, "status": "active"} for n in sorted(wanted - current)]
    tags += [{"name": n, "status": "inactive"} for n in sorted(current - wanted)]
    return TagSync(change, member, outcome, {"tags": tags})


def refusal_of(answer: Answer) -> Refusal:
    """What a refused call means for its op; throttling and server faults are worth a retry."""
    if answer.status == 429 or answer.status >= 500:
        return Refusal.retryable("vendor_unavailable")
    try:
        problem = Problem.model_validate(answer.body)
    except ValidationError:
        problem = Problem(status=answer.status)
    log.info("mailchimp.write_refused", status=answer.status, title=problem.title)
    field = problem.errors[0].field if problem.errors else None
    return classify(problem.detail, title=problem.title, field=field, status=answer.status)
