"""The CRM search index: lagging behind writes, sorted by modification time, queried by filters.

Real HubSpot indexes writes asynchronously (creates after ~10 s, updates after up to ~60 s),
so search answers from snapshots that become visible on the injected clock. Keys are
``(modified_ms, id)`` in a sorted list: a range filter on the modification date and a sort
by it are bisects, so a query costs O(log n + page), not a scan.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.hubspot.sandbox.errors import validation
from connectors.hubspot.sandbox.schema import PropertyDef
from connectors.hubspot.sandbox.store import Stored
from connectors.toolkit.timestamps import parse_iso8601, to_epoch_ms

_RANGE_OPERATORS = {"EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"}
_LOW, _HIGH = -1, 1 << 62


@dataclass(frozen=True, slots=True)
class Query:
    groups: list[list[dict[str, Any]]]
    sort: tuple[str, bool] | None
    after: int
    limit: int


class SearchIndex:
    """Snapshots visible to search, kept in step with writes after a configurable lag."""

    def __init__(self, modified_property: str, schema: dict[str, PropertyDef]) -> None:
        self.modified_property = modified_property
        self.schema = schema
        self.keys: list[tuple[int, int]] = []
        self.docs: dict[int, Stored] = {}
        self._pending: list[tuple[int, int, int, Stored | None]] = []
        self._seq = itertools.count()
        self._removed: set[int] = set()

    def schedule(self, row_id: int, doc: Stored | None, visible_ms: int) -> None:
        """Make ``doc`` (None: the removal of ``row_id``) visible from ``visible_ms`` on."""
        if doc is None:
            self._removed.add(row_id)
        heapq.heappush(self._pending, (visible_ms, next(self._seq), row_id, doc))

    def load(self, docs: Sequence[Stored]) -> None:
        """Index seeded records at once, as data that was there before the test began."""
        for doc in docs:
            self._drop(doc.id)
            self.docs[doc.id] = doc
        self.keys = sorted((d.modified_ms, d.id) for d in self.docs.values())

    def flush(self, now_ms: int) -> None:
        while self._pending and self._pending[0][0] <= now_ms:
            _, _, row_id, doc = heapq.heappop(self._pending)
            current = self.docs.get(row_id)
            if doc is not None and (row_id in self._removed or _is_older(doc, current)):
                continue  # a stale snapshot overtaken by a later write or a removal
            self._drop(row_id)
            if doc is not None:
                self.docs[row_id] = doc
                bisect.insort(self.keys, (doc.modified_ms, row_id))

    def run(self, query: Query) -> tuple[int, list[Stored]]:
        """``(total, page)`` for a query whose caps the caller has already checked."""
        if len(query.groups) <= 1:
            lo, hi, rest, is_one_ms = self._bounds(query.groups[0] if query.groups else [])
            if not rest and self._is_index_order(query, is_one_ms):
                return hi - lo, self._slice(lo, hi, query)
        hits = self._matches(query.groups)
        if query.sort is not None:
            hits.sort(key=self._sort_key(query.sort[0]), reverse=not query.sort[1])
        return len(hits), hits[query.after : query.after + query.limit]

    # --- fast path: the index order ---------------------------------------------------------

    def _is_index_order(self, query: Query, is_one_ms: bool) -> bool:
        """Keys sort by modification time, then id: within one millisecond, by id."""
        if query.sort is None or query.sort[0] == self.modified_property:
            return True
        return is_one_ms and query.sort[0] == "hs_object_id"

    def _slice(self, lo: int, hi: int, query: Query) -> list[Stored]:
        ascending = query.sort is None or query.sort[1]
        if ascending:
            start, stop = lo + query.after, min(hi, lo + query.after + query.limit)
            return [self.docs[key[1]] for key in self.keys[start:stop]]
        stop, start = hi - query.after, max(lo, hi - query.after - query.limit)
        return [self.docs[key[1]] for key in reversed(self.keys[start:stop])]

    def _bounds(self, group: list[dict[str, Any]]) -> tuple[int, int, list[dict[str, Any]], bool]:
        """Index positions a group's range filters allow, the filters left over, and whether
        the range is a single millisecond (then id filters are key bounds too)."""
        low, high, rest = _narrow(group, self.modified_property, _LOW, _HIGH)
        is_one_ms = high - low == 1
        if not is_one_ms:
            lo = bisect.bisect_left(self.keys, (low, _LOW))
            hi = bisect.bisect_left(self.keys, (high, _LOW))
            return lo, max(lo, hi), rest, False
        id_low, id_high, rest = _narrow(rest, "hs_object_id", _LOW, _HIGH)
        lo = bisect.bisect_left(self.keys, (low, id_low))
        hi = bisect.bisect_left(self.keys, (low, id_high))
        return lo, max(lo, hi), rest, True

    # --- general path -----------------------------------------------------------------------

    def _matches(self, groups: list[list[dict[str, Any]]]) -> list[Stored]:
        if not groups:
            return [self.docs[key[1]] for key in self.keys]
        found: dict[int, Stored] = {}
        for group in groups:
            lo, hi, rest, _ = self._bounds(group)
            tests = [self._predicate(f) for f in rest]
            for _, row_id in self.keys[lo:hi]:
                doc = self.docs[row_id]
                if all(test(doc) for test in tests):
                    found[row_id] = doc
        return [found[k] for k in sorted(found, key=lambda i: (found[i].modified_ms, i))]

    def _predicate(self, flt: dict[str, Any]) -> Callable[[Stored], bool]:
        name, operator = flt.get("propertyName", ""), flt.get("operator", "EQ")
        prop = self.schema.get(name)
        if prop is None:
            raise validation(f"There was a problem with the request: unknown property {name}")
        typed = _typer(prop)
        if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
            wanted = operator == "HAS_PROPERTY"
            return lambda doc: bool(doc.props.get(name)) is wanted
        if operator in ("IN", "NOT_IN"):
            options = {typed(str(v)) for v in flt.get("values") or []}
            inside = operator == "IN"
            return lambda doc: (typed(doc.props.get(name, "")) in options) is inside
        if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            token = str(flt.get("value", "")).strip("*").casefold()
            wanted = operator == "CONTAINS_TOKEN"
            return lambda doc: (token in doc.props.get(name, "").casefold()) is wanted
        compare = _COMPARISONS.get(operator)
        if compare is None:
            raise validation(f"Unsupported operator {operator}")
        low, high = typed(str(flt.get("value", ""))), typed(str(flt.get("highValue", "")))
        return lambda doc: _holds(compare, typed(doc.props.get(name, "")), low, high)

    def _sort_key(self, name: str) -> Callable[[Stored], tuple[bool, Any, int]]:
        prop = self.schema.get(name)
        if prop is None:
            raise validation(f"There was a problem with the request: cannot sort by {name}")
        typed = _typer(prop)
        return lambda doc: (not doc.props.get(name), typed(doc.props.get(name, "")), doc.id)

    def _drop(self, row_id: int) -> None:
        old = self.docs.pop(row_id, None)
        if old is not None:
            at = bisect.bisect_left(self.keys, (old.modified_ms, row_id))
            if at < len(self.keys) and self.keys[at] == (old.modified_ms, row_id):
                del self.keys[at]


def _narrow(
    group: list[dict[str, Any]], name: str, low: int, high: int
) -> tuple[int, int, list[dict[str, Any]]]:
    """Tighten ``[low, high)`` by the group's range filters on ``name``; return the rest."""
    rest = []
    for flt in group:
        operator = flt.get("operator")
        if flt.get("propertyName") != name or operator not in _RANGE_OPERATORS:
            rest.append(flt)
            continue
        value = _epoch_ms(flt.get("value"))
        if operator in ("GT", "GTE", "EQ", "BETWEEN"):
            low = max(low, value + 1 if operator == "GT" else value)
        if operator in ("LT", "LTE", "EQ"):
            high = min(high, value if operator == "LT" else value + 1)
        if operator == "BETWEEN":
            high = min(high, _epoch_ms(flt.get("highValue")) + 1)
    return low, high, rest


def _is_older(doc: Stored, current: Stored | None) -> bool:
    return current is not None and current.modified_ms > doc.modified_ms


_COMPARISONS: dict[str, Callable[[Any, Any, Any], bool]] = {
    "EQ": lambda v, lo, _: v == lo,
    "NEQ": lambda v, lo, _: v != lo,
    "LT": lambda v, lo, _: v < lo,
    "LTE": lambda v, lo, _: v <= lo,
    "GT": lambda v, lo, _: v > lo,
    "GTE": lambda v, lo, _: v >= lo,
    "BETWEEN": lambda v, lo, hi: lo <= v <= hi,
}


def _holds(compare: Callable[[Any, Any, Any], bool], value: Any, low: Any, high: Any) -> bool:
    try:
        return compare(value, low, high)
    except TypeError:
        return False


def _typer(prop: PropertyDef) -> Callable[[str], Any]:
    if prop.type == "number":
        return _decimal
    if prop.type == "datetime":
        return lambda raw: _epoch_ms(raw) if raw else None
    return lambda raw: raw.casefold()


def _decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw) if raw else None
    except InvalidOperation:
        return None


def _epoch_ms(raw: object) -> int:
    text = str(raw or "").strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        return to_epoch_ms(parse_iso8601(text))
    except ValueError:
        raise validation(f"{text!r} is not a valid timestamp for a date filter") from None
