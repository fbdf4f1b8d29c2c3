"""Reading one HubSpot object type: full scans of the list endpoint and incremental searches.

Every page carries the cursor after it. The search index lags behind writes (up to
``search_overlap_s``), so an incremental read resumes at the newest modification it saw only
where that is older than the read's start minus the overlap: everything older was in the
index when the read began. The read's start is HubSpot's own time, the ``Date`` of its first
search answer, never this host's clock (the two clocks can disagree). Fresher changes are read
again from that point, so a change the index had not caught up with is never lost, and a
quiet stream is not read again and again. The engine is idempotent, so repeats are harmless.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from connectors.base import Page, Record, Rejected, StreamError
from connectors.hubspot import cursor as cur
from connectors.hubspot.client import SEARCH
from connectors.hubspot.mapping import Schema, modified_ms, to_record
from connectors.hubspot.models import ObjectPage
from connectors.toolkit.http import VendorClient


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """What to ask for when reading one object type."""

    object_type: str
    modified_property: str
    properties: list[str]
    schema: Schema
    page_size: int
    search_page_size: int
    overlap_ms: int


class ObjectReader:
    def __init__(self, client: VendorClient, plan: ReadPlan) -> None:
        self._client = client
        self._plan = plan
        self._server_ms: int | None = None
        """HubSpot's time (its ``Date`` header) at the last search answer."""

    # --- full scans -------------------------------------------------------------------------

    def full(self, scan: cur.FullScan | None) -> Iterator[Page]:
        """Live records, then archived ones (as deletions); ends on the incremental watermark."""
        if scan is None:
            scan = cur.FullScan("live", None, self._watermark_ms())
        while True:
            page = self._list(scan)
            following: cur.Position
            if page.after is not None:
                following = cur.FullScan(scan.phase, page.after, scan.watermark_ms)
            elif scan.phase == "live":
                following = cur.FullScan("archived", None, scan.watermark_ms)
            else:
                following = cur.Incremental(scan.watermark_ms)
            yield self._page(page.results, following)
            if not isinstance(following, cur.FullScan):
                return
            scan = following

    def _list(self, scan: cur.FullScan) -> ObjectPage:
        params: dict[str, Any] = {
            "limit": self._plan.page_size,
            "properties": ",".join(self._plan.properties),
            "archived": "true" if scan.phase == "archived" else "false",
        }
        if scan.after is not None:
            params["after"] = scan.after
        path = f"/crm/v3/objects/{self._plan.object_type}"
        return ObjectPage.model_validate(_ok(self._client.request("GET", path, params=params)))

    def _watermark_ms(self) -> int:
        """Where the next incremental read starts: the newest change before this scan began."""
        newest = self._search(cur.newest_body(self._plan.modified_property))
        seen = [modified_ms(item, self._plan.modified_property) for item in newest.results]
        known = [ms for ms in seen if ms is not None]
        return max(0, max(known) - self._plan.overlap_ms) if known else 0

    # --- incremental searches ---------------------------------------------------------------

    def since(self, since_ms: int) -> Iterator[Page]:
        """Everything modified at or after ``since_ms``, oldest first, walked by keyset."""
        plan, lower, seen = self._plan, since_ms, set[str]()
        settled_ms: int | None = None
        while True:
            body = cur.since_body(
                plan.modified_property, lower, plan.properties, plan.search_page_size
            )
            items = self._search(body).results
            if settled_ms is None and self._server_ms is not None:
                settled_ms = self._server_ms - plan.overlap_ms
            keyed = [(modified_ms(i, plan.modified_property), i) for i in items]
            newest = max((ms for ms, _ in keyed if ms is not None), default=lower)
            is_full = len(items) >= plan.search_page_size
            if is_full and newest == lower:
                yield from self._ties(lower, since_ms, settled_ms, seen)
                lower, seen = lower + 1, set()
                continue
            fresh = [i for ms, i in keyed if not (ms == lower and str(i.get("id")) in seen)]
            if fresh:
                yield self._page(fresh, self._resume_at(newest, since_ms, settled_ms))
            if not is_full:
                return
            at_newest = {str(i.get("id")) for ms, i in keyed if ms == newest}
            seen = at_newest | seen if newest == lower else at_newest
            lower = newest

    def _ties(
        self, at_ms: int, since_ms: int, settled_ms: int | None, seen: set[str]
    ) -> Iterator[Page]:
        plan, after_id = self._plan, 0
        while True:
            body = cur.ties_body(
                plan.modified_property, at_ms, after_id, plan.properties, plan.search_page_size
            )
            items = self._search(body).results
            fresh = [i for i in items if str(i.get("id")) not in seen]
            if fresh:
                yield self._page(fresh, self._resume_at(at_ms, since_ms, settled_ms))
            if len(items) < plan.search_page_size:
                return
            after_id = int(items[-1]["id"])

    def _resume_at(self, newest_ms: int, since_ms: int, settled_ms: int | None) -> cur.Incremental:
        """At the newest change seen (inclusive) if the index had settled there when the read
        began; otherwise at the point it had settled up to (without HubSpot's time, the
        overlap before the newest change)."""
        bound = newest_ms - self._plan.overlap_ms if settled_ms is None else settled_ms
        return cur.Incremental(max(since_ms, min(newest_ms, bound)))

    def _search(self, body: dict[str, Any]) -> ObjectPage:
        path = f"/crm/v3/objects/{self._plan.object_type}/search"
        response = self._client.request("POST", path, endpoint=SEARCH, json=body)
        page = ObjectPage.model_validate(_ok(response))
        self._server_ms = _date_ms(response)
        return page

    # --- shared -----------------------------------------------------------------------------

    def records(self, items: Sequence[dict[str, Any]]) -> tuple[list[Record], list[Rejected]]:
        records: list[Record] = []
        rejected: list[Rejected] = []
        for item in items:
            decoded = to_record(item, self._plan.schema, self._plan.modified_property)
            if isinstance(decoded, Record):
                records.append(decoded)
            else:
                rejected.append(decoded)
        return records, rejected

    def _page(self, items: Sequence[dict[str, Any]], position: cur.Position) -> Page:
        records, rejected = self.records(items)
        return Page(tuple(records), tuple(rejected), cur.encode(position))


def _date_ms(response: httpx.Response) -> int | None:
    """The server's time from the ``Date`` header (whole seconds), if it sent a valid one."""
    try:
        return int(parsedate_to_datetime(response.headers["date"]).timestamp() * 1000)
    except (KeyError, TypeError, ValueError):
        return None


def _ok(response: httpx.Response) -> Any:
    """The JSON of a successful answer; anything else stops the stream."""
    if response.status_code >= 300:
        raise StreamError(
            f"HubSpot answered HTTP {response.status_code} to a read", status=response.status_code
        )
    return response.json()
