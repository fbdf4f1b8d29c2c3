"""What every request to the simulated API goes through: request id, Basic auth, the limit of
simultaneous connections, and write counting.

Mailchimp tags every response with ``X-Request-Id``, refuses a bad key with 401 problem+json,
and answers 429 once an API key has more than 10 requests in flight. There are no rate-limit
headers. See https://mailchimp.com/developer/marketing/docs/fundamentals/#api-limits
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import uuid
from collections import deque
from typing import Any

import anyio.to_thread

from connectors.mailchimp.sandbox.errors import ApiError
from connectors.toolkit.sandbox import ASGIApp, Message, Receive, Scope, Send

PROBLEM_JSON = b"application/problem+json; charset=utf-8"
_HOLD_TIMEOUT_S = 10.0


class Traffic:
    """Counts requests in flight and served; tests can hold requests open to fill every slot."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.peak = 0
        self.refused = 0
        self.writes = 0
        self.served: deque[tuple[str, str, str]] = deque(maxlen=10_000)
        """``(method, path, query string)`` of the latest admitted requests."""
        self._in_flight = 0
        self._changed = threading.Condition()
        self._hold: threading.Event | None = None

    @property
    def in_flight(self) -> int:
        with self._changed:
            return self._in_flight

    def hold(self, release: threading.Event | None) -> None:
        """Keep every admitted request open until ``release`` is set (None: stop holding)."""
        self._hold = release

    def wait_for_in_flight(self, count: int, timeout_s: float = 5.0) -> bool:
        """Block until ``count`` requests are in flight (a condition wait, not a sleep)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._in_flight >= count, timeout_s)

    def enter(self) -> bool:
        with self._changed:
            if self._in_flight >= self.limit:
                self.refused += 1
                return False
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
            self._changed.notify_all()
            return True

    def leave(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    async def wait_if_held(self) -> None:
        release = self._hold
        if release is not None:
            await anyio.to_thread.run_sync(release.wait, _HOLD_TIMEOUT_S)


class ApiGate:
    """ASGI middleware in front of the routes."""

    def __init__(self, app: ASGIApp, *, api_key: str, traffic: Traffic) -> None:
        self.app = app
        self._api_key = api_key
        self._traffic = traffic

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        tagged = _with_request_id(send, request_id)
        refusal = self._auth_problem(scope)
        if refusal is not None:
            await send_problem(tagged, refusal, request_id)
            return
        traffic = self._traffic
        if not traffic.enter():
            await send_problem(tagged, _too_many(traffic.limit), request_id)
            return
        try:
            query = scope.get("query_string", b"").decode("latin-1")
            traffic.served.append((scope["method"], scope["path"], query))
            if scope["method"] != "GET":
                traffic.writes += 1
            await traffic.wait_if_held()
            await self.app(scope, receive, tagged)
        finally:
            traffic.leave()

    def _auth_problem(self, scope: Scope) -> ApiError | None:
        header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded:
            return ApiError(401, "API Key Missing", "Your request did not include an API key.")
        try:
            _, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            password = ""
        if password != self._api_key:
            detail = (
                "Your API key may be invalid, or you've attempted to access the wrong datacenter."
            )
            return ApiError(401, "API Key Invalid", detail)
        return None


def _too_many(limit: int) -> ApiError:
    detail = f"You have exceeded the limit of {limit} simultaneous connections."
    return ApiError(429, "Too Many Requests", detail)


def _with_request_id(send: Send, request_id: str) -> Send:
    async def tagged(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"x-request-id", request_id.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return tagged


async def send_problem(send: Send, error: ApiError, request_id: str) -> None:
    body = json.dumps(error.body(request_id)).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", PROBLEM_JSON),
        (b"content-length", str(len(body)).encode()),
    ]
    start: dict[str, Any] = {"type": "http.response.start", "status": error.status}
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})
