"""Mailchimp's wire shapes as pydantic models: members, merge fields, batch answers, problems.

Unknown keys are ignored (Mailchimp adds fields over time); members are validated one by one
so that a single undecodable item is rejected while the rest of a page goes on.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MemberStatus = Literal[
    "subscribed", "unsubscribed", "cleaned", "pending", "transactional", "archived"
]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MergeFieldOptions(_Wire):
    date_format: str | None = None
    choices: list[str] | None = None


class MergeFieldDefinition(_Wire):
    tag: str
    type: str
    options: MergeFieldOptions = Field(default_factory=MergeFieldOptions)


class MergeFieldsPage(_Wire):
    merge_fields: list[MergeFieldDefinition]
    total_items: int = 0


class TagRef(_Wire):
    name: str


class MemberStats(_Wire):
    avg_open_rate: float | None = None
    avg_click_rate: float | None = None


class MemberPayload(_Wire):
    """One list member as ``GET /lists/{id}/members`` returns it (the fields we ask for)."""

    id: str
    email_address: str
    status: MemberStatus
    last_changed: str
    merge_fields: dict[str, Any] = Field(default_factory=dict)
    tags: list[TagRef] = Field(default_factory=list)
    stats: MemberStats | None = None
    member_rating: int | None = None
    language: str | None = None
    vip: bool | None = None
    email_type: str | None = None
    timestamp_opt: str | None = None
    timestamp_signup: str | None = None


class MembersPage(_Wire):
    """Members stay raw dicts here: each is decoded on its own."""

    members: list[dict[str, Any]]
    total_items: int = 0


class BatchError(_Wire):
    email_address: str = ""
    error: str = ""
    error_code: str | None = None
    field: str | None = None


class BatchAnswer(_Wire):
    """``POST /lists/{id}``: 200 even when members failed; failures are in ``errors``."""

    new_members: list[dict[str, Any]] = Field(default_factory=list)
    updated_members: list[dict[str, Any]] = Field(default_factory=list)
    errors: list[BatchError] = Field(default_factory=list)


class FieldProblem(_Wire):
    field: str = ""
    message: str = ""


class Problem(_Wire):
    """An ``application/problem+json`` error body; validation errors name fields in ``errors``."""

    title: str = ""
    status: int = 0
    detail: str = ""
    errors: list[FieldProblem] = Field(default_factory=list)


class BatchStatus(_Wire):
    """``POST /batches`` and ``GET /batches/{id}``: where an asynchronous batch stands."""

    id: str
    status: str
    total_operations: int = 0
    errored_operations: int = 0
    response_body_url: str = ""


class BatchOperationResult(_Wire):
    """One entry of a batch's results file; ``response`` is the operation's body as a string."""

    status_code: int
    operation_id: str | None = None
    response: str = ""
