"""The simulated HubSpot account: its tables, search indexes, clock and change log, behind one lock.

Every HTTP handler and every control call of the sandbox goes through a :class:`Portal`
method, so the state stays consistent when the test thread seeds while uvicorn serves.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import Clock
from connectors.hubspot.sandbox.errors import not_found, validation
from connectors.hubspot.sandbox.schema import DEFAULT_PROPERTIES, SCHEMAS
from connectors.hubspot.sandbox.search import Query, SearchIndex
from connectors.hubspot.sandbox.store import ObjectTable, Stored
from connectors.toolkit.timestamps import to_epoch_ms

OBJECT_TYPES = ("contacts", "companies")
_SINGULAR = {"contacts": "contact", "companies": "company"}


@dataclass(frozen=True, slots=True)
class PortalConfig:
    """Caps and lags of the simulated account; defaults follow HubSpot's documented values."""

    list_page_max: int = 100
    search_page_max: int = 200
    search_result_cap: int = 10_000
    batch_max: int = 100
    preferences_batch_max: int = 100
    """Inputs per batch preferences call; HubSpot documents no cap, 100 is our assumption."""
    has_batch_preferences_scope: bool = True
    """False is a portal whose app lacks ``communication_preferences.statuses.batch.write``
    (HubSpot's subscriptions guide ties that scope to Marketing Hub Enterprise)."""
    index_lag_create_s: float = 10.0
    index_lag_update_s: float = 60.0
    """Search sees a create ~10 s and an update up to ~60 s after it, as HubSpot's index does."""
    app_id: str = "424242"
    portal_id: int = 62515


class Portal:
    """All state of one simulated account."""

    def __init__(self, config: PortalConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()
        self.tables = {name: ObjectTable(name) for name in OBJECT_TYPES}
        self.indexes = {
            name: SearchIndex(t.modified_property, t.schema) for name, t in self.tables.items()
        }
        self.write_calls = 0
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(101)
        self._event_ids = itertools.count(1)

    def now_ms(self) -> int:
        return to_epoch_ms(self.clock.now())

    def table(self, object_type: str) -> ObjectTable:
        table = self.tables.get(object_type)
        if table is None:
            raise not_found(f"Unable to infer object type from: {object_type}")
        return table

    def new_id(self) -> int:
        return next(self._ids)

    # --- reads ------------------------------------------------------------------------------

    def list_page(
        self,
        object_type: str,
        after: str | None,
        limit: int,
        wanted: tuple[str, ...],
        archived: bool,
    ) -> dict[str, Any]:
        if not 1 <= limit <= self.config.list_page_max:
            raise validation(f"limit must be between 1 and {self.config.list_page_max}")
        start = int(after) if after and after.isdigit() else 0
        with self.lock:
            rows, following = self.table(object_type).page(start, limit, archived=archived)
            body: dict[str, Any] = {"results": [r.as_json(wanted) for r in rows]}
        if following is not None:
            body["paging"] = {"next": {"after": str(following), "link": f"?after={following}"}}
        return body

    def search(self, object_type: str, request: dict[str, Any]) -> dict[str, Any]:
        query = self._query(request)
        wanted = tuple(request.get("properties") or DEFAULT_PROPERTIES[object_type])
        with self.lock:
            self.table(object_type)
            index = self.indexes[object_type]
            index.flush(self.now_ms())
            total, docs = index.run(query)
            body: dict[str, Any] = {"total": total, "results": [d.as_json(wanted) for d in docs]}
        following = query.after + len(docs)
        if docs and following < min(total, self.config.search_result_cap):
            body["paging"] = {"next": {"after": str(following)}}
        return body

    def _query(self, request: dict[str, Any]) -> Query:
        limit = int(request.get("limit") or 10)
        after = int(request.get("after") or 0)
        if not 1 <= limit <= self.config.search_page_max:
            raise validation(f"limit must be between 1 and {self.config.search_page_max}")
        if after + limit > self.config.search_result_cap:
            cap = self.config.search_result_cap
            raise validation(f"Paging beyond {cap} results is not supported", subCategory="")
        groups = [g.get("filters") or [] for g in request.get("filterGroups") or []]
        if len(groups) > 5 or any(len(g) > 10 for g in groups) or sum(map(len, groups)) > 25:
            raise validation("Too many filters: at most 5 groups, 10 per group, 25 in all")
        sorts = request.get("sorts") or []
        if len(sorts) > 1:
            raise validation("There was a problem with the request: only one sort is allowed")
        sort = None
        if sorts:
            first = sorts[0]
            name = first.get("propertyName", "") if isinstance(first, dict) else str(first)
            direction = first.get("direction", "ASCENDING") if isinstance(first, dict) else "ASC"
            sort = (name, direction.upper().startswith("ASC"))
        return Query(groups, sort, after, limit)

    def read_one(
        self, object_type: str, raw_id: str, wanted: tuple[str, ...], id_property: str | None
    ) -> dict[str, Any]:
        with self.lock:
            row = self.table(object_type).resolve(raw_id, id_property)
            if row is None:
                raise not_found()
            return row.as_json(wanted)

    def batch_read(self, object_type: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        inputs = [str(i.get("id", "")) for i in request.get("inputs") or []]
        if len(inputs) > self.config.batch_max:
            raise validation(f"Too many inputs: at most {self.config.batch_max}")
        wanted = tuple(request.get("properties") or DEFAULT_PROPERTIES[object_type])
        id_property = request.get("idProperty")
        results: dict[int, dict[str, Any]] = {}
        missing: list[str] = []
        with self.lock:
            table = self.table(object_type)
            for raw in inputs:
                row = table.resolve(raw, id_property)
                if row is None:
                    missing.append(raw)
                else:
                    results[row.id] = row.as_json(wanted)
        body: dict[str, Any] = {"status": "COMPLETE", "results": list(results.values())}
        if not missing:
            return 200, body
        kind = _SINGULAR[object_type].upper()
        message = f"Could not get some {kind} objects, they may be deleted or not exist."
        error = {"status": "error", "category": "OBJECT_NOT_FOUND", "message": message}
        body |= {"numErrors": 1, "errors": [error | {"context": {"ids": missing}}]}
        return 207, body

    def properties(self, object_type: str) -> dict[str, Any]:
        self.table(object_type)
        return {"results": [p.as_json(object_type) for p in SCHEMAS[object_type].values()]}

    # --- changes: indexing and the webhook change log ---------------------------------------

    def indexed(self, object_type: str, row: Stored, *, is_new: bool) -> None:
        lag_s = self.config.index_lag_create_s if is_new else self.config.index_lag_update_s
        visible_ms = self.now_ms() + int(lag_s * 1000)
        self.indexes[object_type].schedule(row.id, row, visible_ms)

    def unindexed(self, object_type: str, row_id: int) -> None:
        self.indexes[object_type].schedule(row_id, None, self.now_ms())

    def record_event(self, object_type: str, kind: str, row_id: int, **fields: Any) -> None:
        source = fields.pop("source", "INTEGRATION")
        event = {
            "eventId": next(self._event_ids),
            "subscriptionId": 1,
            "portalId": self.config.portal_id,
            "appId": int(self.config.app_id),
            "occurredAt": self.now_ms(),
            "subscriptionType": f"{_SINGULAR[object_type]}.{kind}",
            "attemptNumber": 0,
            "objectId": row_id,
            "changeSource": source,
            "sourceId": self.config.app_id if source == "INTEGRATION" else "userId:1",
            **fields,
        }
        self.events.append(event)

    def record_changes(
        self, object_type: str, row: Stored, changed: Iterable[str], *, source: str
    ) -> None:
        for name in changed:
            value = row.props.get(name, "")
            self.record_event(
                object_type, "propertyChange", row.id,
                propertyName=name, propertyValue=value, source=source,
            )  # fmt: skip

    # --- control ----------------------------------------------------------------------------

    def load(self, object_type: str, rows: Sequence[tuple[dict[str, str], int]]) -> list[str]:
        """Store seeded rows (values, modified ms) and index them at once."""
        with self.lock:
            table = self.table(object_type)
            stored = [table.insert(self.new_id(), values, ms) for values, ms in rows]
            self.indexes[object_type].load(stored)
            return [str(row.id) for row in stored]

    def edit(
        self, object_type: str, raw_id: str, values: dict[str, Any], source: str = "CRM_UI"
    ) -> Stored:
        """Change a record as a user in the HubSpot UI (or a HubSpot-side process) would."""
        with self.lock:
            table = self.table(object_type)
            row = table.resolve(raw_id)
            if row is None:
                raise not_found()
            updated = table.change(row, table.validate(values, allow_system=True), self.now_ms())
            self.indexed(object_type, updated, is_new=False)
            self.record_changes(object_type, updated, values, source=source)
            return updated

    def take_events(self) -> list[dict[str, Any]]:
        with self.lock:
            events, self.events = self.events, []
            return events
