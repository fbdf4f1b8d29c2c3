"""The HubSpot CRM connector: contacts and companies over CRM v3, wired from the toolkit.

Entry point ``crmsync.connectors: hubspot``. Reads are full list scans or keyset walks of
the search index (see :mod:`connectors.hubspot.cursor`), writes are batch upserts by a
unique property, consent goes through Communication Preferences v4, webhooks are verified
with signature v3.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import ClassVar

from connectors.base import (
    Capability,
    ConfigurationError,
    ConnectorDeps,
    ConnectorSettings,
    Cursor,
    Entity,
    Page,
    Record,
    Role,
    StreamError,
    StreamInfo,
    WebhookEvent,
    WebhookRejectedError,
    WebhookRequest,
    WriteOp,
    WriteResult,
)
from connectors.hubspot import cursor as cur
from connectors.hubspot import webhooks
from connectors.hubspot.client import client_spec
from connectors.hubspot.consent import ConsentWriter
from connectors.hubspot.mapping import MERGED_IDS, OPT_OUT, Schema
from connectors.hubspot.models import PropertyList
from connectors.hubspot.options import load_options
from connectors.hubspot.reader import ObjectReader, ReadPlan
from connectors.hubspot.writer import RecordWriter, WritePlan
from connectors.toolkit.http import VendorClient
from connectors.toolkit.timestamps import to_epoch_ms

_ALL = frozenset(Capability)
STREAMS = {
    "contacts": StreamInfo("contacts", Entity.PERSON, _ALL, 100, "email"),
    "companies": StreamInfo("companies", Entity.ORGANISATION, _ALL, 100, "domain"),
}
_MODIFIED = {"contacts": "lastmodifieddate", "companies": "hs_lastmodifieddate"}
_ALWAYS = {
    "contacts": ("email", "lastmodifieddate", "createdate", OPT_OUT, MERGED_IDS),
    "companies": ("domain", "hs_lastmodifieddate", "createdate", MERGED_IDS),
}


class HubSpotConnector:
    """One HubSpot account. Thread-safe; property definitions are read once per stream."""

    kind: ClassVar[str] = "hubspot"

    def __init__(self, settings: ConnectorSettings, deps: ConnectorDeps) -> None:
        self.name = settings.name
        self.role: Role = settings.role
        self._settings = settings
        self._deps = deps
        self._options = load_options(settings.name, settings.options)
        self._client = VendorClient(
            settings.name, client_spec(settings, self._options), settings.http, deps
        )
        self._consent = ConsentWriter(self._client, self._options, settings.name)
        self._schemas: dict[str, Schema] = {}
        self._lock = threading.Lock()

    def streams(self) -> Mapping[str, StreamInfo]:
        return STREAMS

    def read(
        self, stream: str, cursor: Cursor | None, *, since: datetime | None = None
    ) -> Iterator[Page]:
        """Full read from None, incremental from a cursor or ``since`` (which wins)."""
        reader = ObjectReader(self._client, self._read_plan(stream))
        if since is not None:
            return reader.since(to_epoch_ms(since))
        position = cur.decode(cursor) if cursor is not None else None
        if isinstance(position, cur.Incremental):
            return reader.since(position.since_ms)
        return reader.full(position)

    def fetch(self, stream: str, external_ids: Sequence[str]) -> list[Record]:
        """Records by id; a merged-away id yields the surviving record under its new id."""
        plan = self._read_plan(stream)
        reader = ObjectReader(self._client, plan)
        found: dict[str, Record] = {}
        for start in range(0, len(external_ids), 100):
            chunk = external_ids[start : start + 100]
            body = {"properties": plan.properties, "inputs": [{"id": i} for i in chunk]}
            response = self._client.request(
                "POST", f"/crm/v3/objects/{stream}/batch/read", json=body
            )
            if response.status_code not in (200, 207):
                raise StreamError(f"HubSpot answered HTTP {response.status_code} to a batch read")
            records, _ = reader.records(response.json().get("results") or [])
            found |= {r.external_id: r for r in records}
        return list(found.values())

    def write(self, stream: str, ops: Sequence[WriteOp]) -> list[WriteResult]:
        info = self._stream(stream)
        id_property = "email" if stream == "contacts" else self._options.company_id_property
        plan = WritePlan(stream, info.key_field or "", id_property)
        consent = self._consent if stream == "contacts" else None
        return RecordWriter(self._client, plan, consent).write(ops)

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        secret = self._settings.credentials.get("client_secret")
        if secret is None:
            raise WebhookRejectedError("no client secret configured to verify HubSpot webhooks")
        webhooks.verify(request, secret, self._deps.clock.now())
        return webhooks.decode(request.body, self._options.app_id)

    def merge(self, stream: str, primary_id: str, absorbed_id: str) -> str:
        """``POST …/{object}/merge``: HubSpot keeps the primary's newest values and answers
        with the surviving record, under a new id; both old ids keep resolving to it."""
        self._stream(stream)
        body = {"primaryObjectId": primary_id, "objectIdToMerge": absorbed_id}
        response = self._client.request("POST", f"/crm/v3/objects/{stream}/merge", json=body)
        if response.status_code != 200:
            raise StreamError(f"HubSpot refused the merge (HTTP {response.status_code})")
        return str(response.json()["id"])

    def close(self) -> None:
        self._client.close()

    # --- plans ------------------------------------------------------------------------------

    def _stream(self, stream: str) -> StreamInfo:
        info = STREAMS.get(stream)
        if info is None:
            raise ConfigurationError(f"{self.name}: HubSpot has no stream {stream!r}")
        return info

    def _read_plan(self, stream: str) -> ReadPlan:
        self._stream(stream)
        schema = self._schema(stream)
        wanted = tuple(self._settings.read_fields.get(stream, ()))
        unknown = sorted(set(wanted) - set(schema))
        if unknown:
            raise ConfigurationError(f"{self.name}: {stream} has no properties {unknown}")
        properties = list(dict.fromkeys((*_ALWAYS[stream], *wanted)))
        return ReadPlan(
            object_type=stream,
            modified_property=_MODIFIED[stream],
            properties=properties,
            schema=schema,
            page_size=self._options.page_size,
            search_page_size=self._options.search_page_size,
            overlap_ms=int(self._options.search_overlap_s * 1000),
        )

    def _schema(self, stream: str) -> Schema:
        with self._lock:
            cached = self._schemas.get(stream)
        if cached is not None:
            return cached
        response = self._client.request("GET", f"/crm/v3/properties/{stream}")
        if response.status_code != 200:
            raise StreamError(f"HubSpot answered HTTP {response.status_code} to properties")
        schema = {p.name: p for p in PropertyList.model_validate(response.json()).results}
        with self._lock:
            self._schemas[stream] = schema
        return schema
