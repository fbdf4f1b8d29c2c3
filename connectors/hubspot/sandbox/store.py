"""The records of one object type (contacts, companies): ids, unique keys, archive and merge.

Records are immutable snapshots: a write replaces the snapshot, so the search index can keep
an older one while it lags. Ids are numeric and only grow, so the list of live ids stays
sorted and list paging is a bisect. The caller (the portal) holds the lock.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from connectors.hubspot.sandbox.errors import ApiError
from connectors.hubspot.sandbox.schema import (
    MODIFIED_PROPERTY,
    SCHEMAS,
    InvalidValueError,
    PropertyDef,
    normalise,
)
from connectors.toolkit.timestamps import format_iso8601_ms


def iso_ms(epoch_ms: int) -> str:
    return format_iso8601_ms(datetime.fromtimestamp(epoch_ms / 1000, tz=UTC))


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    props: dict[str, str]
    created_ms: int
    modified_ms: int
    archived_ms: int | None = None

    def as_json(self, wanted: tuple[str, ...]) -> dict[str, Any]:
        props = self.props
        created = props.get("createdate") or iso_ms(self.created_ms)
        result: dict[str, Any] = {
            "id": str(self.id),
            "properties": {name: props.get(name) or None for name in wanted},
            "createdAt": created,
            "updatedAt": iso_ms(self.modified_ms),
            "archived": self.archived_ms is not None,
        }
        if self.archived_ms is not None:
            result["archivedAt"] = iso_ms(self.archived_ms)
        return result


class ObjectTable:
    """Live and archived records of one object type, with unique-value lookups and redirects."""

    def __init__(self, object_type: str) -> None:
        self.object_type = object_type
        self.schema: dict[str, PropertyDef] = SCHEMAS[object_type]
        self.modified_property = MODIFIED_PROPERTY[object_type]
        self.rows: dict[int, Stored] = {}
        self.live: list[int] = []
        self.archived: list[int] = []
        self.redirects: dict[int, int] = {}
        self.unique: dict[str, dict[str, int]] = {
            name: {} for name, prop in self.schema.items() if prop.is_unique
        }

    # --- lookups ---------------------------------------------------------------------------

    def resolve(self, raw_id: str, id_property: str | None = None) -> Stored | None:
        """The live record an id (or unique value) names, following merge redirects."""
        if id_property and id_property != "hs_object_id":
            found = self.unique.get(id_property, {}).get(raw_id.strip().lower())
            return self.rows.get(found) if found is not None else None
        if not raw_id.isdigit():
            return None
        row_id = int(raw_id)
        while row_id in self.redirects:
            row_id = self.redirects[row_id]
        row = self.rows.get(row_id)
        return row if row is not None and row.archived_ms is None else None

    def page(self, after: int, limit: int, *, archived: bool) -> tuple[list[Stored], int | None]:
        ids = self.archived if archived else self.live
        start = bisect.bisect_left(ids, after)
        chosen = ids[start : start + limit]
        following = ids[start + limit] if start + limit < len(ids) else None
        return [self.rows[i] for i in chosen], following

    # --- validation -------------------------------------------------------------------------

    def validate(self, given: dict[str, Any], *, allow_system: bool = False) -> dict[str, str]:
        """Normalised values, or :class:`InvalidValueError` for the first bad property."""
        clean: dict[str, str] = {}
        for name, raw in given.items():
            prop = self.schema.get(name)
            if prop is None:
                message = f'Property "{name}" does not exist'
                raise InvalidValueError("PROPERTY_DOESNT_EXIST", name, message)
            if prop.is_read_only and not allow_system:
                message = f'"{name}" is a read only property; its value cannot be set.'
                raise InvalidValueError("READ_ONLY_VALUE", name, message)
            clean[name] = normalise(prop, raw)
        return clean

    def check_unique(self, values: dict[str, str], own_id: int | None) -> None:
        for name, index in self.unique.items():
            value = values.get(name)
            holder = index.get(value.lower()) if value else None
            if holder is not None and holder != own_id:
                kind = self.object_type[:-1].title()
                message = f"{kind} already exists. Existing ID: {holder}"
                raise ApiError(409, "CONFLICT", message)

    # --- writes -----------------------------------------------------------------------------

    def insert(self, row_id: int, values: dict[str, str], now_ms: int) -> Stored:
        self.check_unique(values, None)
        stamp = iso_ms(now_ms)
        props = {k: v for k, v in values.items() if v != ""}
        props |= {"hs_object_id": str(row_id), "createdate": stamp, self.modified_property: stamp}
        row = Stored(row_id, props, now_ms, now_ms)
        self._publish(row, None)
        self.live.append(row_id)
        return row

    def change(self, row: Stored, values: dict[str, str], now_ms: int) -> Stored:
        self.check_unique(values, row.id)
        props = dict(row.props)
        for name, value in values.items():
            if value == "":
                props.pop(name, None)
            else:
                props[name] = value
        props[self.modified_property] = iso_ms(now_ms)
        updated = replace(row, props=props, modified_ms=now_ms)
        self._publish(updated, row)
        return updated

    def archive(self, row: Stored, now_ms: int) -> Stored:
        gone = replace(row, archived_ms=now_ms)
        self._publish(gone, row)
        _remove_sorted(self.live, row.id)
        bisect.insort(self.archived, row.id)
        return gone

    def absorb(self, primary: Stored, secondary: Stored, new_id: int, now_ms: int) -> Stored:
        """Merge two records into a new one: the primary's values win, both ids redirect."""
        merged_ids = [
            *_split(secondary.props.get("hs_merged_object_ids")),
            *_split(primary.props.get("hs_merged_object_ids")),
            str(primary.id),
            str(secondary.id),
        ]
        values = {**secondary.props, **primary.props}
        values["hs_merged_object_ids"] = ";".join(merged_ids)
        for old in (primary, secondary):
            self._forget(old)
            _remove_sorted(self.live, old.id)
            self.redirects[old.id] = new_id
        row = self.insert(new_id, values, now_ms)
        created_ms = min(primary.created_ms, secondary.created_ms)
        row = replace(
            row, created_ms=created_ms, props=row.props | {"createdate": iso_ms(created_ms)}
        )
        self.rows[new_id] = row
        if self.object_type == "contacts" and secondary.props.get("email"):
            # The absorbed email stays an identity of the survivor, so upserts by it land there.
            self.unique["email"][secondary.props["email"].lower()] = new_id
        return row

    def _publish(self, row: Stored, before: Stored | None) -> None:
        if before is not None:
            self._forget(before)
        self.rows[row.id] = row
        if row.archived_ms is None:
            for name, index in self.unique.items():
                value = row.props.get(name)
                if value:
                    index[value.lower()] = row.id

    def _forget(self, row: Stored) -> None:
        for name, index in self.unique.items():
            value = row.props.get(name)
            if value and index.get(value.lower()) == row.id:
                del index[value.lower()]


def _split(raw: str | None) -> list[str]:
    return [part for part in (raw or "").split(";") if part]


def _remove_sorted(ids: list[int], row_id: int) -> None:
    at = bisect.bisect_left(ids, row_id)
    if at < len(ids) and ids[at] == row_id:
        del ids[at]
