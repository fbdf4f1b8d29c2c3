"""HubSpot's error answers: the JSON body of a failing call and the exception behind it."""

from __future__ import annotations

import json
import uuid
from typing import Any


class ApiError(Exception):
    """An answer the simulated API gives instead of a result."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """``{status, message, correlationId, category, ...}`` as HubSpot sends it."""
        return {
            "status": "error",
            "message": self.message,
            "correlationId": str(uuid.uuid4()),
            "category": self.category,
            **self.extra,
        }


def validation(message: str, **extra: Any) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", message, **extra)


def not_found(message: str = "resource not found") -> ApiError:
    return ApiError(404, "OBJECT_NOT_FOUND", message)


def item_error(
    category: str, message: str, *, trace_id: str | None, code: str | None = None, **context: Any
) -> dict[str, Any]:
    """One entry of a batch answer's ``errors[]``; the trace id maps it back to its input."""
    entry: dict[str, Any] = {"status": "error", "category": category, "message": message}
    ctx: dict[str, list[str]] = {k: [str(v)] for k, v in context.items()}
    if trace_id is not None:
        ctx["objectWriteTraceId"] = [trace_id]
    entry["context"] = ctx
    if code is not None:
        entry["errors"] = [{"message": message, "code": code, "context": ctx}]
    return entry


def fault_body(status: int) -> tuple[bytes, str]:
    """HubSpot's body for a throttled call or a server fault (the fault mode's answers)."""
    if status == 429:
        message = "You have reached your ten_secondly_rolling limit."
        error = ApiError(
            429, "RATE_LIMITS", message, errorType="RATE_LIMIT", policyName="TEN_SECONDLY_ROLLING"
        )
    else:
        error = ApiError(status, "INTERNAL_ERROR", "internal error")
    return json.dumps(error.body(), separators=(",", ":")).encode(), "application/json"
