"""HubSpot's error answers: the JSON body of a failing call and the exception behind it."""

from __future__ import annotations

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
