"""HubSpot's wire shapes, validated where they enter: objects, pages, batch answers, webhooks.

Pages keep their items raw so that one bad item can be quarantined while the rest go on;
each item is validated into :class:`HubSpotObject` on its own.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class HubSpotObject(_Wire):
    id: str
    properties: dict[str, str | None] = Field(default_factory=dict)
    archived: bool = False
    updatedAt: str | None = None
    objectWriteTraceId: str | None = None
    new: bool | None = None


class NextPage(_Wire):
    after: str


class Paging(_Wire):
    next: NextPage | None = None


class ObjectPage(_Wire):
    """A list or search answer; ``results`` are validated one by one later."""

    results: list[dict[str, Any]] = Field(default_factory=list)
    paging: Paging | None = None

    @property
    def after(self) -> str | None:
        return self.paging.next.after if self.paging and self.paging.next else None


class ErrorDetail(_Wire):
    code: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)


class ApiError(_Wire):
    """An error body, or one entry of a batch answer's ``errors[]``."""

    category: str = "UNKNOWN"
    subCategory: str | dict[str, Any] | None = None
    message: str = ""
    context: dict[str, Any] = Field(default_factory=dict)
    errors: list[ErrorDetail] = Field(default_factory=list)

    def trace_ids(self) -> list[str]:
        return [str(t) for t in self.context.get("objectWriteTraceId") or []]

    def subscribers(self) -> list[str]:
        """The preferences inputs (email addresses) a batch error is about, lower-cased."""
        return [str(s).lower() for s in self.context.get("subscriberIdString") or []]


class BatchAnswer(_Wire):
    results: list[HubSpotObject] = Field(default_factory=list)
    errors: list[ApiError] = Field(default_factory=list)


class OptOutResult(_Wire):
    subscriberIdString: str


class OptOutAnswer(_Wire):
    """The answer of ``POST /communication-preferences/v4/statuses/batch/unsubscribe-all``."""

    results: list[OptOutResult] = Field(default_factory=list)
    errors: list[ApiError] = Field(default_factory=list)


class PropertyDefinition(_Wire):
    name: str
    type: str
    fieldType: str = ""


class PropertyList(_Wire):
    results: list[PropertyDefinition]


class WebhookEventIn(_Wire):
    """One event of a webhook delivery (CRM object subscriptions)."""

    eventId: int | str
    subscriptionType: str
    objectId: int | str
    occurredAt: int | None = None
    changeSource: str | None = None
    sourceId: str | None = None
    propertyName: str | None = None
    primaryObjectId: int | str | None = None
    mergedObjectIds: list[int | str] = Field(default_factory=list)
    newObjectId: int | str | None = None
