"""Mailchimp's error answers: problem+json bodies and the exception a handler raises for them."""

from __future__ import annotations

import json
import uuid
from typing import Any

ERROR_DOCS = "https://mailchimp.com/developer/marketing/docs/errors/"


class ApiError(Exception):
    """An answer the simulated API gives instead of a result (status, title, detail)."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra

    def body(self, request_id: str) -> dict[str, Any]:
        """RFC 7807 as Mailchimp sends it; ``instance`` repeats the request id."""
        return {
            "type": ERROR_DOCS,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": request_id,
            **self.extra,
        }


def not_found() -> ApiError:
    return ApiError(404, "Resource Not Found", "The requested resource could not be found.")


def invalid_resource(detail: str, **extra: Any) -> ApiError:
    return ApiError(400, "Invalid Resource", detail, **extra)


def compliance_state(email: str) -> ApiError:
    return ApiError(400, "Member In Compliance State", compliance_detail(email))


def forgotten_email(email: str) -> ApiError:
    return ApiError(400, "Forgotten Email Not Subscribed", forgotten_detail(email))


def member_exists(email: str) -> ApiError:
    detail = f"{email} is already a list member. Use PUT to insert or update list members."
    return ApiError(400, "Member Exists", detail)


def compliance_detail(email: str) -> str:
    return (
        f"{email} is in a compliance state due to unsubscribe, bounce, or compliance review "
        "and cannot be subscribed."
    )


def forgotten_detail(email: str) -> str:
    return (
        f"{email} was permanently deleted and cannot be re-imported. "
        "The contact must re-subscribe to get back on the list."
    )


def invalid_email_detail(email: str) -> str:
    return f"{email} looks fake or invalid, please enter a real email address."


_FAULT_TITLES = {429: "Too Many Requests", 502: "Bad Gateway", 503: "Service Unavailable"}


def fault_body(status: int) -> tuple[bytes, str]:
    """Mailchimp's problem+json for a throttled call or a server fault (the fault mode's)."""
    title = _FAULT_TITLES.get(status, "Internal Server Error")
    detail = "An unexpected internal error has occurred. Please try again later."
    if status == 429:
        detail = "You have exceeded the limit of 10 simultaneous connections."
    body = ApiError(status, title, detail).body(str(uuid.uuid4()))
    return json.dumps(body).encode(), "application/problem+json; charset=utf-8"
