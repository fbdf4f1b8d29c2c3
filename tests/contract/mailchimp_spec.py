"""Checks every request and response the Mailchimp sandbox handles against Mailchimp's OpenAPI spec.

The spec (APIs.guru's conversion of Mailchimp's Swagger, 5 MB) is fetched by ``make specs``
from the npm registry into ``.cache/specs`` (``CRMSYNC_SPECS_DIR`` overrides) and parsed once
per test session. A missing spec fails the test, it never skips it.

Wrap a sandbox's app with :class:`SpecCheck` (``create_sandbox(wrap_app=check.wrap)``) and
call :meth:`SpecCheck.assert_clean` at teardown: any violation fails the test.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.testing import MockResponse
from werkzeug.datastructures import Headers, ImmutableMultiDict

from connectors.toolkit.sandbox import ASGIApp, Message, Receive, Scope, Send

SPEC_FILE = Path("mailchimp") / "mailchimp-marketing-3.0.55.openapi.json"
REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER = "https://server.api.mailchimp.com"
"""The spec's server is ``https://server.api.mailchimp.com/3.0``; the sandbox serves ``/3.0``."""

# Where the APIs.guru conversion is wrong about the real API. Each exception is as narrow as
# we could make it: the property name, the JSON Schema keyword, and the value Mailchimp sends.
UNSET_TIMES = frozenset({"timestamp_opt", "timestamp_signup", "completed_at"})
"""Mailchimp returns ``""`` for a time that is not set, while the spec says ``format: date-time``:
a member's opt-in/sign-up time when there was none (a member added by the API without an
opt-in has ``"timestamp_opt": ""``) and an unfinished batch's ``completed_at``."""


def specs_dir() -> Path:
    """``CRMSYNC_SPECS_DIR``, else ``.cache/specs`` in the repository (``make specs``)."""
    override = os.environ.get("CRMSYNC_SPECS_DIR")
    return Path(override) if override else REPO_ROOT / ".cache" / "specs"


@functools.cache
def _load(path: Path) -> OpenAPI:
    # The spec itself is not validated: that alone takes longer than the whole test suite.
    config = Config(
        spec_validator_cls=None,
        # Error bodies are JSON too; openapi-core only knows application/json by default.
        extra_media_type_deserializers={"application/problem+json": json_loads},
    )
    return OpenAPI.from_dict(json.loads(path.read_text()), config=config)


def mailchimp_openapi() -> OpenAPI:
    """The parsed spec, once per session; fails the calling test when the file is missing."""
    path = specs_dir() / SPEC_FILE
    if not path.is_file():
        pytest.fail(
            f"Mailchimp's OpenAPI spec is missing at {path}. The sandbox's conformance is tested "
            "against it: run `make specs` (or set CRMSYNC_SPECS_DIR).",
            pytrace=False,
        )
    return _load(path)


@dataclass
class _Request:
    """openapi-core's request protocol for one captured ASGI request."""

    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str = SERVER


@dataclass
class _Exchange:
    scope: Scope
    request_body: bytearray = field(default_factory=bytearray)
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    response_body: bytearray = field(default_factory=bytearray)


class SpecCheck:
    """ASGI middleware recording spec violations of every request/response pair it sees."""

    def __init__(self, api: OpenAPI | None = None) -> None:
        self._api = api or mailchimp_openapi()
        self._lock = threading.Lock()
        self.violations: list[str] = []
        self.checked = 0
        self._off_spec: set[tuple[str, str]] = set()

    def tolerate(self, method: str, path: str) -> None:
        """Skip one request a test sends off the spec on purpose (e.g. to see a 405)."""
        self._off_spec.add((method.lower(), path))

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def checked(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            exchange = _Exchange(scope)
            await app(scope, _recording_receive(receive, exchange), _recording_send(send, exchange))
            self._check(exchange)

        return checked

    def assert_clean(self) -> None:
        with self._lock:
            found = list(self.violations)
        assert found == [], "the sandbox broke Mailchimp's OpenAPI spec:\n" + "\n".join(found)

    def _check(self, exchange: _Exchange) -> None:
        request = _request(exchange)
        if (request.method, request.path) in self._off_spec:
            return
        response = _response(exchange)
        where = f"{request.method.upper()} {request.path} -> {exchange.status}"
        problems = [
            f"{where} request: {p}" for p in _problems(self._api.iter_request_errors(request))
        ]
        errors = self._api.iter_response_errors(request, response)
        problems += [f"{where} response: {p}" for p in _problems(errors)]
        with self._lock:
            self.checked += 1
            self.violations.extend(problems)


def _recording_receive(receive: Receive, exchange: _Exchange) -> Receive:
    async def recording() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            exchange.request_body.extend(message.get("body", b""))
        return message

    return recording


def _recording_send(send: Send, exchange: _Exchange) -> Send:
    async def recording(message: Message) -> None:
        if message["type"] == "http.response.start":
            exchange.status = message["status"]
            exchange.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            exchange.response_body.extend(message.get("body", b""))
        await send(message)

    return recording


def _request(exchange: _Exchange) -> _Request:
    scope = exchange.scope
    headers = Headers([(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]])
    query = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
    return _Request(
        method=scope["method"].lower(),
        path=scope["path"],
        body=bytes(exchange.request_body) or None,
        content_type=headers.get("content-type", "application/json").lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(query),
            header=headers,
            cookie=ImmutableMultiDict(),
            path={},
        ),
    )


def _response(exchange: _Exchange) -> MockResponse:
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in exchange.headers}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return MockResponse(
        bytes(exchange.response_body),
        status_code=exchange.status,
        headers=headers,
        content_type=content_type.lower(),
    )


def _problems(errors: Iterator[Exception]) -> list[str]:
    found: list[str] = []
    for error in errors:
        schema_errors = _schema_errors(error)
        if schema_errors is None:
            found.append(f"{type(error).__name__}: {error}")
            continue
        found += [
            f"{'/'.join(str(p) for p in e.path)}: {e.message}"
            for e in schema_errors
            if not _is_known_spec_gap(e)
        ]
    return found


def _schema_errors(error: BaseException) -> list[Any] | None:
    cause: BaseException | None = error
    while cause is not None:
        found = getattr(cause, "schema_errors", None)
        if found is not None:
            return list(_leaves(found))
        cause = cause.__cause__
    return None


def _leaves(errors: Any) -> Iterator[Any]:
    """jsonschema nests errors under ``context`` for ``anyOf``/``oneOf``; report the leaves."""
    for error in errors:
        if getattr(error, "context", None):
            yield from _leaves(error.context)
        else:
            yield error


def _is_known_spec_gap(error: Any) -> bool:
    path = list(error.path)
    return (
        error.validator == "format"
        and error.instance == ""
        and bool(path)
        and path[-1] in UNSET_TIMES
    )
