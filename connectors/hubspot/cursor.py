"""Resume points of a HubSpot read and the search bodies that walk the index by them.

A full read pages the list endpoint (live records, then archived ones) and carries the
watermark taken before it began; when it ends, the cursor becomes that watermark, so the
next read is incremental. An incremental read never pages deeper than one search page:
each page is a fresh query from the last modification time seen, so the 10,000-result cap
of a search query (HubSpot pages a search no deeper than 10,000 results) is never reached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from connectors.base import CursorExpiredError

Phase = Literal["live", "archived"]


@dataclass(frozen=True, slots=True)
class FullScan:
    phase: Phase
    after: str | None
    watermark_ms: int


@dataclass(frozen=True, slots=True)
class Incremental:
    since_ms: int


Position = FullScan | Incremental


def encode(position: Position) -> str:
    if isinstance(position, Incremental):
        return json.dumps({"v": 1, "since": position.since_ms})
    body = {"v": 1, "phase": position.phase, "after": position.after, "wm": position.watermark_ms}
    return json.dumps(body)


def decode(cursor: str) -> Position:
    """The position a cursor names; a foreign or damaged cursor means a full resync."""
    try:
        raw = json.loads(cursor)
        if raw.get("v") != 1:
            raise ValueError("unknown cursor version")
        if "since" in raw:
            return Incremental(int(raw["since"]))
        if raw["phase"] not in ("live", "archived"):
            raise ValueError("unknown phase")
        after = str(raw["after"]) if raw["after"] is not None else None
        return FullScan(raw["phase"], after, int(raw["wm"]))
    except (ValueError, TypeError, KeyError, AttributeError):
        raise CursorExpiredError("the stored HubSpot cursor cannot be read") from None


def since_body(
    modified_property: str, since_ms: int, properties: list[str], limit: int
) -> dict[str, Any]:
    """Records modified at or after ``since_ms``, oldest first."""
    flt = {"propertyName": modified_property, "operator": "GTE", "value": str(since_ms)}
    return {
        "filterGroups": [{"filters": [flt]}],
        "sorts": [{"propertyName": modified_property, "direction": "ASCENDING"}],
        "properties": properties,
        "limit": limit,
    }


def ties_body(
    modified_property: str, at_ms: int, after_id: int, properties: list[str], limit: int
) -> dict[str, Any]:
    """Records modified exactly at ``at_ms`` with ids above ``after_id``, by id.

    Search sorts by one property only, so more same-millisecond records than fit on a page
    (a bulk import) are walked by id instead.
    """
    filters = [
        {"propertyName": modified_property, "operator": "EQ", "value": str(at_ms)},
        {"propertyName": "hs_object_id", "operator": "GT", "value": str(after_id)},
    ]
    return {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": properties,
        "limit": limit,
    }


def newest_body(modified_property: str) -> dict[str, Any]:
    """The most recently modified record: the watermark a full read starts from."""
    return {
        "sorts": [{"propertyName": modified_property, "direction": "DESCENDING"}],
        "properties": [modified_property],
        "limit": 1,
    }
