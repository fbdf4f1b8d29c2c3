"""The HTTP face of the simulated account: routes, bearer auth, limits and error bodies."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.hubspot.sandbox.errors import ApiError, validation
from connectors.hubspot.sandbox.limits import RateLimits
from connectors.hubspot.sandbox.portal import Portal
from connectors.hubspot.sandbox.preferences import Preferences
from connectors.hubspot.sandbox.schema import DEFAULT_PROPERTIES
from connectors.hubspot.sandbox.writes import Writer

Answer = tuple[int, Any]
Operation = Callable[[Request, Any], Answer]

_AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


@dataclass(frozen=True)
class Services:
    portal: Portal
    writer: Writer
    preferences: Preferences
    limits: RateLimits
    token: str


def build_app(services: Services) -> Starlette:
    """The Starlette app serving the CRM v3 objects, properties and preferences v4 routes."""
    s = services

    def route(path: str, method: str, op: Operation, *, is_search: bool = False) -> Route:
        return Route(path, _endpoint(s, op, is_search), methods=[method])

    objects = "/crm/v3/objects/{object_type}"
    prefs = "/communication-preferences/v4"
    return Starlette(
        exception_handlers={404: _unknown_route, 405: _unknown_route},
        routes=[
            route(objects, "GET", lambda r, _: (200, _list(s, r))),
            route(objects, "POST", lambda r, b: _create_one(s, r, b)),
            route(objects + "/search", "POST", lambda r, b: _search(s, r, b), is_search=True),
            route(objects + "/batch/read", "POST", lambda r, b: s.portal.batch_read(_ot(r), b)),
            route(objects + "/batch/archive", "POST", lambda r, b: _archive(s, r, b)),
            route(objects + "/batch/{action}", "POST", lambda r, b: _batch(s, r, b)),
            route(objects + "/merge", "POST", lambda r, b: (200, s.writer.merge(_ot(r), b))),
            route(objects + "/{object_id}", "GET", lambda r, _: (200, _read_one(s, r))),
            route(objects + "/{object_id}", "PATCH", lambda r, b: _patch_one(s, r, b)),
            route(objects + "/{object_id}", "DELETE", lambda r, _: _delete_one(s, r)),
            route("/crm/v3/properties/{object_type}", "GET", lambda r, _: (200, _props(s, r))),
            route(prefs + "/definitions", "GET", lambda r, _: (200, s.preferences.definitions())),
            route(prefs + "/statuses/{who}", "GET", lambda r, _: (200, _statuses(s, r))),
            route(prefs + "/statuses/{who}", "POST", lambda r, b: (200, _set_status(s, r, b))),
            # Before the per-subscriber routes, which would take "batch" for a subscriber.
            route(prefs + "/statuses/batch/unsubscribe-all", "POST", lambda r, b: _unsubs(s, r, b)),
            route(prefs + "/statuses/{who}/unsubscribe-all", "GET", lambda r, _: _wide(s, r)),
            route(prefs + "/statuses/{who}/unsubscribe-all", "POST", lambda r, _: _unsub(s, r)),
        ],
    )


def _endpoint(
    s: Services, op: Operation, is_search: bool
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        headers: dict[str, str] = {}
        try:
            if request.headers.get("authorization") != f"Bearer {s.token}":
                raise ApiError(401, "INVALID_AUTHENTICATION", _AUTH_MESSAGE)
            headers = s.limits.admit(is_search=is_search)
            status, body = op(request, await _payload(request))
        except ApiError as error:
            return _json(error.status, error.body(), headers | error.headers)
        if status == 204:
            return Response(status_code=204, headers=headers)
        return _json(status, body, headers)

    return endpoint


async def _unknown_route(request: Request, exc: Exception) -> Response:
    """Unknown paths (another API version, say) get HubSpot's JSON error, not plain text."""
    status = getattr(exc, "status_code", 404)
    category = "OBJECT_NOT_FOUND" if status == 404 else "VALIDATION_ERROR"
    error = ApiError(status, category, f"No route for {request.method} {request.url.path}")
    return _json(status, error.body(), {})


async def _payload(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise validation("Invalid input JSON on line 1") from None


def _json(status: int, body: Any, headers: dict[str, str]) -> Response:
    content = json.dumps(body, separators=(",", ":")).encode()
    return Response(content, status_code=status, media_type="application/json", headers=headers)


def _ot(request: Request) -> str:
    return str(request.path_params["object_type"])


def _wanted(request: Request) -> tuple[str, ...]:
    names = [n for raw in request.query_params.getlist("properties") for n in raw.split(",") if n]
    return tuple(names) or DEFAULT_PROPERTIES.get(_ot(request), ())


def _list(s: Services, r: Request) -> dict[str, Any]:
    limit = int(r.query_params.get("limit") or 10)
    archived = r.query_params.get("archived", "false").lower() == "true"
    return s.portal.list_page(_ot(r), r.query_params.get("after"), limit, _wanted(r), archived)


def _search(s: Services, r: Request, body: Any) -> Answer:
    return 200, s.portal.search(_ot(r), body)


def _batch(s: Services, r: Request, body: Any) -> Answer:
    return s.writer.batch(_ot(r), str(r.path_params["action"]), body)


def _archive(s: Services, r: Request, body: Any) -> Answer:
    s.writer.archive(_ot(r), body)
    return 204, None


def _read_one(s: Services, r: Request) -> dict[str, Any]:
    object_id = str(r.path_params["object_id"])
    return s.portal.read_one(_ot(r), object_id, _wanted(r), r.query_params.get("idProperty"))


def _create_one(s: Services, r: Request, body: Any) -> Answer:
    _, answer = s.writer.batch(_ot(r), "create", {"inputs": [body]})
    return 201, answer["results"][0]


def _patch_one(s: Services, r: Request, body: Any) -> Answer:
    item = {
        **body,
        "id": r.path_params["object_id"],
        "idProperty": r.query_params.get("idProperty"),
    }
    _, answer = s.writer.batch(_ot(r), "update", {"inputs": [item]})
    return 200, answer["results"][0]


def _delete_one(s: Services, r: Request) -> Answer:
    s.writer.archive_one(_ot(r), str(r.path_params["object_id"]))
    return 204, None


def _props(s: Services, r: Request) -> dict[str, Any]:
    return s.portal.properties(_ot(r))


def _statuses(s: Services, r: Request) -> dict[str, Any]:
    return s.preferences.statuses(str(r.path_params["who"]))


def _set_status(s: Services, r: Request, body: Any) -> dict[str, Any]:
    return s.preferences.set_status(str(r.path_params["who"]), body)


def _wide(s: Services, r: Request) -> Answer:
    return 200, s.preferences.wide_status(str(r.path_params["who"]))


def _unsub(s: Services, r: Request) -> Answer:
    return 200, s.preferences.unsubscribe_all(str(r.path_params["who"]))


def _unsubs(s: Services, r: Request, body: Any) -> Answer:
    verbose = r.query_params.get("verbose", "false").lower() == "true"
    channel = r.query_params.get("channel")
    return 200, s.preferences.unsubscribe_all_batch(body, channel=channel, is_verbose=verbose)
