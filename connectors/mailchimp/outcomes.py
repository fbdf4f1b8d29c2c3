"""Mailchimp's answers to member writes as typed results: retry, reject, or look.

Mailchimp names the reason only in prose (``title``/``detail`` of a problem, ``error`` of a
batch entry, whose ``error_code`` is just ``ERROR_CONTACT_EXISTS`` or ``ERROR_GENERIC``), so
the phrases below are the contract. Our messages never repeat the vendor's text, which quotes
the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.base import FailureKind, WriteFailure, WriteOp, WriteOutcome, WriteResult
from connectors.toolkit.timestamps import parse_iso8601


@dataclass(frozen=True, slots=True)
class Refusal:
    kind: FailureKind
    code: str
    message: str

    @classmethod
    def rejected(cls, code: str, message: str) -> Refusal:
        return cls(FailureKind.REJECTED, code, message)

    @classmethod
    def retryable(cls, code: str) -> Refusal:
        return cls(FailureKind.RETRYABLE, code, "Mailchimp did not finish this write; try again")

    @classmethod
    def missing(cls) -> Refusal:
        return cls(FailureKind.RETRYABLE, "missing_from_answer", "Mailchimp's answer left it out")

    @classmethod
    def duplicate(cls) -> Refusal:
        message = "another op in this write has the same address"
        return cls(FailureKind.RETRYABLE, "duplicate_in_batch", message)


MEMBER_EXISTS = Refusal(FailureKind.CONFLICT, "member_exists", "another member has this address")

_PHRASES: tuple[tuple[tuple[str, ...], Refusal], ...] = (
    (
        ("compliance state",),
        Refusal.rejected(
            "compliance_state",
            "the member unsubscribed or bounced; only a double opt-in can subscribe them again",
        ),
    ),
    (
        ("permanently deleted", "forgotten email"),
        Refusal.rejected("forgotten_email", "the address was erased and cannot be imported again"),
    ),
    (("already a list member", "member exists"), MEMBER_EXISTS),
    (
        ("fake or invalid", "valid email"),
        Refusal.rejected("invalid_email", "Mailchimp refused the address as invalid"),
    ),
    (
        ("signed up to a lot of lists", "too many recent signup"),
        Refusal.retryable("too_many_signups"),
    ),
)


def classify(
    detail: str,
    *,
    title: str = "",
    code: str | None = None,
    field: str | None = None,
    status: int | None = None,
) -> Refusal:
    """The refusal a Mailchimp error message stands for."""
    if code == "ERROR_CONTACT_EXISTS":
        return MEMBER_EXISTS
    text = f"{title} {detail}".lower()
    for phrases, refusal in _PHRASES:
        if any(p in text for p in phrases):
            return refusal
    if field:
        return Refusal.rejected("invalid_field", f"Mailchimp refused the value of {field}")
    if status == 404:
        return Refusal(FailureKind.CONFLICT, "not_found", "the member no longer exists")
    return Refusal.rejected("rejected", "Mailchimp refused the member's data")


def failed(op: WriteOp, refusal: Refusal) -> WriteResult:
    failure = WriteFailure(refusal.kind, refusal.code, refusal.message)
    return WriteResult(op.op_id, WriteOutcome.FAILED, external_id=op.external_id, failure=failure)


def succeeded(op: WriteOp, outcome: WriteOutcome, document: dict[str, Any]) -> WriteResult:
    """The result of a written member, with its id and ``last_changed`` from the answer."""
    changed = document.get("last_changed")
    try:
        modified_at = parse_iso8601(changed) if isinstance(changed, str) and changed else None
    except ValueError:
        modified_at = None
    return WriteResult(
        op.op_id, outcome, external_id=str(document.get("id")), modified_at=modified_at
    )
