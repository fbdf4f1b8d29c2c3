"""The ASGI vocabulary sandboxes are built from: message types and the answers they send."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from email.utils import format_datetime
from typing import Any

from connectors.base import Clock

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def stamp_date(send: Send, clock: Clock) -> Send:
    """``send`` with an HTTP ``Date`` from ``clock`` on the response start (replacing any)."""

    async def stamped(message: Message) -> None:
        if message["type"] == "http.response.start":
            date = format_datetime(clock.now(), usegmt=True).encode()
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
            message = {**message, "headers": [*headers, (b"date", date)]}
        await send(message)

    return stamped


async def send_answer(
    send: Send, status: int, headers: dict[str, str] | None = None, body: bytes = b""
) -> None:
    """One complete response; a body without a ``Content-Type`` is sent as JSON."""
    pairs = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if body and not any(k == b"content-type" for k, _ in pairs):
        pairs.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": pairs})
    await send({"type": "http.response.body", "body": body})
