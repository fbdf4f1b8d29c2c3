"""The routes of the simulated Marketing API v3 under ``/3.0``: lists, merge fields, members, tags.

Only what a list-member sync uses is served; anything else is a 404 problem+json, a known path
with another method a 405, exactly as Mailchimp answers unknown resources.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.base import Clock
from connectors.mailchimp.sandbox import errors, payloads
from connectors.mailchimp.sandbox.batch import run_batch
from connectors.mailchimp.sandbox.batches import RESULTS_PREFIX, BatchQueue
from connectors.mailchimp.sandbox.errors import ApiError
from connectors.mailchimp.sandbox.http import PROBLEM_JSON
from connectors.mailchimp.sandbox.member import iso
from connectors.mailchimp.sandbox.merge import MergeField
from connectors.mailchimp.sandbox.projection import drop, keep, parse_paths
from connectors.mailchimp.sandbox.state import Audience

Handler = Callable[[Request], Awaitable[Response]]


def build_app(
    audience: Audience, clock: Clock, *, run_after_s: float = 0.0
) -> tuple[Starlette, BatchQueue]:
    """A Starlette app serving ``audience`` as the only list of the account, and its batches."""
    routes = _Routes(audience)
    base = "/3.0/lists/{list_id}"
    member = base + "/members/{subscriber_hash}"
    app = Starlette(
        routes=[
            Route("/3.0/batches", routes.list_batches, methods=["GET"]),
            Route("/3.0/batches", routes.submit_batch, methods=["POST"]),
            Route("/3.0/batches/{batch_id}", routes.get_batch, methods=["GET"]),
            Route("/3.0/batches/{batch_id}", routes.cancel_batch, methods=["DELETE"]),
            Route(base, routes.get_list, methods=["GET"]),
            Route(base, routes.batch_subscribe, methods=["POST"]),
            Route(base + "/merge-fields", routes.list_merge_fields, methods=["GET"]),
            Route(base + "/merge-fields", routes.add_merge_field, methods=["POST"]),
            Route(base + "/members", routes.list_members, methods=["GET"]),
            Route(base + "/members", routes.add_member, methods=["POST"]),
            Route(member, routes.get_member, methods=["GET"]),
            Route(member, routes.put_member, methods=["PUT"]),
            Route(member, routes.patch_member, methods=["PATCH"]),
            Route(member, routes.archive_member, methods=["DELETE"]),
            Route(member + "/actions/delete-permanent", routes.forget_member, methods=["POST"]),
            Route(member + "/tags", routes.get_tags, methods=["GET"]),
            Route(member + "/tags", routes.set_tags, methods=["POST"]),
        ],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    routes.batches = BatchQueue(app, clock, run_after_s)
    return app, routes.batches


def build_results_app(batches: BatchQueue) -> Starlette:
    """The batch results download, which like Mailchimp's S3 link takes no API key."""

    async def download(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            archive = batches.tarball(name.removesuffix(".tar.gz"))
        except ApiError:
            return Response(status_code=404)
        return Response(archive, media_type="application/x-gzip")

    return Starlette(routes=[Route(RESULTS_PREFIX + "{name}", download, methods=["GET"])])


class _Routes:
    def __init__(self, audience: Audience) -> None:
        self._audience = audience
        self.batches: BatchQueue

    async def submit_batch(self, request: Request) -> Response:
        authorization = request.headers.get("authorization", "").encode("latin-1")
        job = self.batches.submit(payloads.parse_json(await request.body()), authorization)
        return _json(request, job.describe(_origin(request)))

    async def get_batch(self, request: Request) -> Response:
        job = await self.batches.look_at(request.path_params["batch_id"])
        return _json(request, job.describe(_origin(request)))

    async def list_batches(self, request: Request) -> Response:
        jobs = [job.describe(_origin(request)) for job in self.batches.jobs()]
        return _json(request, {"batches": jobs, "total_items": len(jobs)})

    async def cancel_batch(self, request: Request) -> Response:
        self.batches.cancel(request.path_params["batch_id"])
        return Response(status_code=204)

    def _checked(self, request: Request) -> Audience:
        if request.path_params["list_id"] != self._audience.list_id:
            raise errors.not_found()
        return self._audience

    async def get_list(self, request: Request) -> Response:
        audience = self._checked(request)
        document = {"id": audience.list_id, "name": audience.name, "web_id": 1}
        return _json(request, document)

    async def batch_subscribe(self, request: Request) -> Response:
        audience = self._checked(request)
        body = payloads.parse_json(await request.body())
        members = body.get("members")
        if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
            raise errors.invalid_resource("The resource submitted could not be validated.")
        given = [payloads.member_input(m) for m in members]
        result = run_batch(audience, given, update_existing=body.get("update_existing") is True)
        return _json(request, result)

    async def list_merge_fields(self, request: Request) -> Response:
        audience = self._checked(request)
        fields = audience.merge_fields()
        count = int(request.query_params.get("count", "10"))
        offset = int(request.query_params.get("offset", "0"))
        document = {
            "merge_fields": [f.describe(audience.list_id) for f in fields[offset : offset + count]],
            "list_id": audience.list_id,
            "total_items": len(fields),
        }
        return _json(request, document)

    async def add_merge_field(self, request: Request) -> Response:
        audience = self._checked(request)
        body = payloads.parse_json(await request.body())
        if not isinstance(body.get("name"), str) or not isinstance(body.get("type"), str):
            raise errors.invalid_resource("The resource submitted could not be validated.")
        spec = MergeField(
            merge_id=0,
            tag=str(body.get("tag") or body["name"][:10]).upper(),
            name=body["name"],
            type=body["type"],
            required=bool(body.get("required", False)),
            options=dict(body.get("options") or {}),
        )
        return _json(request, audience.add_merge_field(spec).describe(audience.list_id))

    async def list_members(self, request: Request) -> Response:
        audience = self._checked(request)
        query = payloads.member_query(request.query_params)
        wanted = parse_paths(request.query_params.get("fields")) or {}
        total, members = audience.query(query, _top_level(wanted.get("members")))
        document = {"members": members, "list_id": audience.list_id, "total_items": total}
        return _json(request, document)

    async def add_member(self, request: Request) -> Response:
        audience = self._checked(request)
        given = payloads.member_input(payloads.parse_json(await request.body()))
        if given.status is None:
            raise errors.invalid_resource("The resource submitted could not be validated.")
        return _json(request, audience.add(given))

    async def get_member(self, request: Request) -> Response:
        audience = self._checked(request)
        wanted = parse_paths(request.query_params.get("fields"))
        key = request.path_params["subscriber_hash"]
        return _json(request, audience.document(key, _top_level(wanted)))

    async def put_member(self, request: Request) -> Response:
        audience = self._checked(request)
        body = payloads.parse_json(await request.body())
        given = payloads.member_input(body)
        if given.email_address is None:
            raise errors.invalid_resource("The resource submitted could not be validated.")
        key = request.path_params["subscriber_hash"]
        document, _ = audience.put(key, given, payloads.status_if_new(body))
        return _json(request, document)

    async def patch_member(self, request: Request) -> Response:
        audience = self._checked(request)
        body = payloads.parse_json(await request.body())
        given = payloads.member_input(body, for_patch=True)
        return _json(request, audience.patch(request.path_params["subscriber_hash"], given))

    async def archive_member(self, request: Request) -> Response:
        self._checked(request).archive(request.path_params["subscriber_hash"])
        return Response(status_code=204)

    async def forget_member(self, request: Request) -> Response:
        self._checked(request).forget(request.path_params["subscriber_hash"])
        return Response(status_code=204)

    async def get_tags(self, request: Request) -> Response:
        audience = self._checked(request)
        member = audience.member(request.path_params["subscriber_hash"])
        tags = [
            {"id": tag_id, "name": name, "date_added": iso(added)}
            for name, (tag_id, added) in member.tags.items()
        ]
        return _json(request, {"tags": tags, "total_items": len(tags)})

    async def set_tags(self, request: Request) -> Response:
        audience = self._checked(request)
        changes = payloads.tag_changes(payloads.parse_json(await request.body()))
        audience.set_tags(request.path_params["subscriber_hash"], changes)
        return Response(status_code=204)


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _top_level(tree: dict[str, Any] | None) -> frozenset[str] | None:
    """The member keys a ``fields`` subtree selects (None: all of them)."""
    return frozenset(tree) if tree else None


def _json(request: Request, document: dict[str, Any]) -> Response:
    """A JSON answer trimmed by the ``fields`` / ``exclude_fields`` parameters."""
    wanted = parse_paths(request.query_params.get("fields"))
    if wanted is not None:
        document = keep(document, wanted)
    unwanted = parse_paths(request.query_params.get("exclude_fields"))
    if unwanted is not None:
        document = drop(document, unwanted)
    return JSONResponse(document)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    request_id = request.scope.get("state", {}).get("request_id", "")
    return JSONResponse(
        exc.body(request_id), status_code=exc.status, media_type=PROBLEM_JSON.decode()
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        detail = (
            "The requested method and resource are not compatible. "
            "See the Allow header for this resource's available methods."
        )
        error = ApiError(405, "Method Not Allowed", detail)
    else:
        error = errors.not_found()
    return await _api_error(request, error)
