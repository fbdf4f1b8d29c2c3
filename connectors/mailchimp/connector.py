"""The Mailchimp connector: one audience's members as a readable, writable, webhook-fed stream."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import httpx
import structlog

from connectors.base import (
    Capability,
    ConfigurationError,
    ConnectorDeps,
    ConnectorSettings,
    Cursor,
    Entity,
    Page,
    Record,
    Rejected,
    StreamError,
    StreamInfo,
    WebhookEvent,
    WebhookRequest,
    WriteOp,
    WriteResult,
)
from connectors.mailchimp.batches import BatchRunner
from connectors.mailchimp.mapping import MergeSchema, decode_member
from connectors.mailchimp.models import MembersPage, MergeFieldsPage, Problem
from connectors.mailchimp.options import api_key, base_url, parse_options
from connectors.mailchimp.paging import Scan, Window, start_window
from connectors.mailchimp.webhook import parse_delivery
from connectors.mailchimp.writer import BATCH_LIMIT, MemberWriter
from connectors.toolkit.auth import basic_auth
from connectors.toolkit.http import ClientSpec, VendorClient
from connectors.toolkit.timestamps import parse_iso8601

log = structlog.get_logger("connectors.mailchimp")

STREAM = "members"
MEMBER_FIELDS = (
    "id",
    "email_address",
    "status",
    "merge_fields",
    "tags",
    "stats",
    "member_rating",
    "language",
    "vip",
    "email_type",
    "timestamp_opt",
    "timestamp_signup",
    "last_changed",
)
"""What we ask Mailchimp for (``fields=``): the rest of a member (links, location) is ballast."""
_MERGE_FIELD_FIELDS = "merge_fields.tag,merge_fields.type,merge_fields.options,total_items"


class MailchimpConnector:
    """Reads, writes and hears about the members of one Mailchimp audience (``list_id``)."""

    kind: ClassVar[str] = "mailchimp"

    def __init__(self, settings: ConnectorSettings, deps: ConnectorDeps) -> None:
        self.name = settings.name
        self.role = settings.role
        self._options = parse_options(settings.options)
        key = api_key(settings)
        self._webhook_secret = settings.credentials.get("webhook_secret")
        spec = ClientSpec(
            base_url=base_url(settings, key),
            auth=basic_auth("crmsync", key),
            headers={"Accept": "application/json"},
            # Mailchimp counts simultaneous connections per key and sends no limit headers.
            max_concurrent=self._options.max_connections,
        )
        self._client = VendorClient(settings.name, spec, settings.http, deps)
        # Batch results sit behind a pre-signed link: the API key must not travel there.
        self._downloads = VendorClient(settings.name, ClientSpec(base_url=""), settings.http, deps)
        self._list = f"/lists/{self._options.list_id}"
        batches = BatchRunner(
            self._client, self._downloads, deps.clock, wait_s=self._options.batch_wait_s
        )
        self._writer = MemberWriter(
            self._client,
            batches,
            self._options.list_id,
            double_opt_in=self._options.double_opt_in,
        )
        self._schema: MergeSchema | None = None
        self._schema_lock = threading.Lock()

    def streams(self) -> Mapping[str, StreamInfo]:
        return {
            STREAM: StreamInfo(
                name=STREAM,
                entity=Entity.PERSON,
                capabilities=frozenset(Capability) - {Capability.MERGE},  # no merge API
                write_batch_limit=BATCH_LIMIT,
                key_field="email_address",
            )
        }

    def read(
        self, stream: str, cursor: Cursor | None, *, since: datetime | None = None
    ) -> Iterator[Page]:
        """Members changed at or after the cursor's second (or ``since``), oldest first.

        Every page's cursor resumes after it; the last page's cursor is the watermark for the
        next incremental read: after the newest change once that is ``settle_s`` older than
        the read's start by Mailchimp's clock, else where it was (changes are never missed,
        fresh ones are read once more; see :mod:`connectors.mailchimp.paging`).
        """
        _require(stream)
        return self._scan(start_window(cursor, since))

    def fetch(self, stream: str, external_ids: Sequence[str]) -> list[Record]:
        _require(stream)
        schema = self.merge_schema()
        found: list[Record] = []
        for member_id in external_ids:
            response = self._client.request(
                "GET",
                f"{self._list}/members/{member_id}",
                endpoint="member",
                params={"fields": ",".join(MEMBER_FIELDS)},
            )
            if response.status_code == 404:
                continue
            decoded = decode_member(_json(response, "member"), schema)
            if isinstance(decoded, Rejected):
                log.warning("mailchimp.fetch_undecodable", reason=decoded.reason)
                continue
            found.append(decoded)
        return found

    def write(self, stream: str, ops: Sequence[WriteOp]) -> list[WriteResult]:
        _require(stream)
        return self._writer.write(ops, self.merge_schema())

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        return parse_delivery(
            request,
            secret=self._webhook_secret,
            list_id=self._options.list_id,
            schema=self.merge_schema(),
        )

    def merge(self, stream: str, primary_id: str, absorbed_id: str) -> str:
        """Mailchimp has no merge: a member is one e-mail address."""
        raise ConfigurationError(f"{self.name}: Mailchimp members cannot be merged")

    def close(self) -> None:
        self._client.close()
        self._downloads.close()

    def merge_schema(self) -> MergeSchema:
        """The audience's merge fields, read once per connector."""
        with self._schema_lock:
            if self._schema is None:
                response = self._client.request(
                    "GET",
                    f"{self._list}/merge-fields",
                    params={"count": 1000, "fields": _MERGE_FIELD_FIELDS},
                )
                page = MergeFieldsPage.model_validate(_json(response, "merge fields"))
                self._schema = MergeSchema.from_definitions(page.merge_fields)
            return self._schema

    def _scan(self, window: Window) -> Iterator[Page]:
        schema = self.merge_schema()
        scan = Scan(window, self._options.page_size, self._options.settle_s)
        while True:
            items, server_s = self._members_page(scan.window)
            scan.observe_start(server_s)
            records: list[Record] = []
            rejected: list[Rejected] = []
            stamps: list[int] = []
            for item in items:
                stamp = _stamp(item)
                if stamp is not None:
                    stamps.append(stamp)
                    if not scan.is_new(str(item.get("id")), stamp):
                        continue
                decoded = decode_member(item, schema)
                if isinstance(decoded, Record):
                    records.append(decoded)
                else:
                    rejected.append(decoded)
            is_done = scan.advance(stamps, len(items))
            yield Page(tuple(records), tuple(rejected), scan.window.encode())
            if is_done:
                return

    def _members_page(self, window: Window) -> tuple[list[dict[str, Any]], int | None]:
        """One page of members and Mailchimp's time (its ``Date``) when it answered."""
        params: dict[str, Any] = {
            "count": self._options.page_size,
            "offset": window.offset,
            "sort_field": "last_changed",
            "sort_dir": "ASC",
            "fields": ",".join(f"members.{f}" for f in MEMBER_FIELDS) + ",total_items",
        }
        since = window.since_param()
        if since is not None:
            params["since_last_changed"] = since
        response = self._client.request("GET", f"{self._list}/members", params=params)
        page = MembersPage.model_validate(_json(response, "members"))
        return page.members, _server_s(response)


def _require(stream: str) -> None:
    if stream != STREAM:
        raise ConfigurationError(f"mailchimp has no stream {stream!r}; it offers {STREAM!r}")


def _json(response: httpx.Response, what: str) -> Any:
    """The body of a 200, or the typed error for what went wrong."""
    if response.status_code == 200:
        return response.json()
    try:
        title = Problem.model_validate(response.json()).title
    except ValueError:
        title = ""
    if response.status_code == 404:
        raise ConfigurationError(f"mailchimp: the audience was not found ({what}: {title})")
    raise StreamError(f"mailchimp: reading {what} failed: {title}", status=response.status_code)


def _server_s(response: httpx.Response) -> int | None:
    """Mailchimp's time from the ``Date`` header, in epoch seconds, if it sent a valid one."""
    try:
        return int(parsedate_to_datetime(response.headers["date"]).timestamp())
    except (KeyError, TypeError, ValueError):
        return None


def _stamp(item: Mapping[str, Any]) -> int | None:
    """``last_changed`` in epoch seconds, the resolution Mailchimp filters at."""
    raw = item.get("last_changed")
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return int(parse_iso8601(raw).timestamp())
    except ValueError:
        return None
