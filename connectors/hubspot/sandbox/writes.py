"""Record writes as HubSpot answers them: batch create/update/upsert/archive, merge.

A batch whose every input carries an ``objectWriteTraceId`` is answered per input: the good
ones are applied and bad ones come back in ``errors[]`` under a 207. Without trace ids one bad
input fails the whole batch with 400 and nothing is applied, as HubSpot does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors.hubspot.sandbox.errors import ApiError, item_error, not_found, validation
from connectors.hubspot.sandbox.portal import Portal
from connectors.hubspot.sandbox.schema import InvalidValueError, normalise
from connectors.hubspot.sandbox.store import ObjectTable, Stored, iso_ms

BatchAnswer = tuple[int, dict[str, Any]]
Inputs = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """One validated input: the record it targets (None: create) and its clean values."""

    target: Stored | None
    values: dict[str, str]
    trace_id: str | None


Preparer = Callable[[ObjectTable, dict[str, Any]], _Prepared]


class Writer:
    """Applies writes to a :class:`Portal`, holding its lock for each call."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    # --- batches ----------------------------------------------------------------------------

    def batch(self, object_type: str, action: str, request: dict[str, Any]) -> BatchAnswer:
        preparers: dict[str, Preparer] = {
            "create": self._for_create,
            "update": self._for_update,
            "upsert": self._for_upsert,
        }
        prepare = preparers.get(action)
        inputs = list(request.get("inputs") or [])
        self._check_size(inputs)
        if prepare is None:
            raise not_found(f"Unknown batch action {action}")
        if action != "create":
            _refuse_duplicates(inputs)
        with self.portal.lock:
            self.portal.write_calls += 1
            table = self.portal.table(object_type)
            if inputs and all(i.get("objectWriteTraceId") for i in inputs):
                return self._per_input(object_type, table, inputs, prepare, action)
            return self._atomic(object_type, table, inputs, prepare, action)

    def archive(self, object_type: str, request: dict[str, Any]) -> None:
        """Archive every named record; unknown ids are ignored (HubSpot answers 204 anyway)."""
        inputs = list(request.get("inputs") or [])
        self._check_size(inputs)
        with self.portal.lock:
            self.portal.write_calls += 1
            for item in inputs:
                self.archive_one(object_type, str(item.get("id", "")), count=False)

    def archive_one(self, object_type: str, raw_id: str, *, count: bool = True) -> None:
        with self.portal.lock:
            self.portal.write_calls += int(count)
            table = self.portal.table(object_type)
            row = table.resolve(raw_id)
            if row is not None:
                table.archive(row, self.portal.now_ms())
                self.portal.unindexed(object_type, row.id)
                self.portal.record_event(object_type, "deletion", row.id)

    def merge(self, object_type: str, request: dict[str, Any]) -> dict[str, Any]:
        """Merge into a *new* record; both old ids keep resolving to it."""
        with self.portal.lock:
            self.portal.write_calls += 1
            table = self.portal.table(object_type)
            primary = table.resolve(str(request.get("primaryObjectId", "")))
            secondary = table.resolve(str(request.get("objectIdToMerge", "")))
            if primary is None or secondary is None or primary.id == secondary.id:
                raise validation("Both records must exist and differ to be merged")
            row = table.absorb(primary, secondary, self.portal.new_id(), self.portal.now_ms())
            for old in (primary, secondary):
                self.portal.unindexed(object_type, old.id)
            self.portal.indexed(object_type, row, is_new=True)
            self.portal.record_event(
                object_type, "merge", row.id, primaryObjectId=primary.id,
                mergedObjectIds=[secondary.id], newObjectId=row.id,
                numberOfPropertiesMoved=len(secondary.props),
            )  # fmt: skip
            return row.as_json(tuple(row.props))

    # --- input preparation ------------------------------------------------------------------

    def _for_create(self, table: ObjectTable, item: dict[str, Any]) -> _Prepared:
        values = table.validate(dict(item.get("properties") or {}))
        table.check_unique(values, None)
        return _Prepared(None, values, item.get("objectWriteTraceId"))

    def _for_update(self, table: ObjectTable, item: dict[str, Any]) -> _Prepared:
        id_property = item.get("idProperty")
        if id_property and id_property not in table.unique:
            raise _non_unique(table, id_property)
        target = table.resolve(str(item.get("id", "")), id_property)
        if target is None:
            raise not_found(f"Object not found. objectId are usually numeric: {item.get('id')}")
        values = table.validate(dict(item.get("properties") or {}))
        table.check_unique(values, target.id)
        return _Prepared(target, values, item.get("objectWriteTraceId"))

    def _for_upsert(self, table: ObjectTable, item: dict[str, Any]) -> _Prepared:
        id_property = item.get("idProperty")
        if not id_property or id_property not in table.unique:
            raise _non_unique(table, str(id_property))
        key = normalise(table.schema[id_property], item.get("id"))
        values = table.validate(dict(item.get("properties") or {}))
        target = table.resolve(key, id_property)
        if target is None:
            values[id_property] = key
        table.check_unique(values, target.id if target else None)
        return _Prepared(target, values, item.get("objectWriteTraceId"))

    # --- answering --------------------------------------------------------------------------

    def _per_input(
        self, object_type: str, table: ObjectTable, inputs: Inputs, prepare: Preparer, action: str
    ) -> BatchAnswer:
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for item in inputs:
            try:
                results.append(self._commit(object_type, table, prepare(table, item), action))
            except (InvalidValueError, ApiError) as problem:
                errors.append(_as_item_error(problem, item.get("objectWriteTraceId")))
        body = self._envelope(results)
        if not errors:
            return (201 if action == "create" else 200), body
        return 207, body | {"errors": errors, "numErrors": len(errors)}

    def _atomic(
        self, object_type: str, table: ObjectTable, inputs: Inputs, prepare: Preparer, action: str
    ) -> BatchAnswer:
        try:
            prepared = [prepare(table, item) for item in inputs]
        except InvalidValueError as problem:
            raise validation(str(problem), errors=[_detail(problem)]) from None
        results = [self._commit(object_type, table, p, action) for p in prepared]
        return (201 if action == "create" else 200), self._envelope(results)

    def _commit(
        self, object_type: str, table: ObjectTable, prepared: _Prepared, action: str
    ) -> dict[str, Any]:
        now_ms = self.portal.now_ms()
        is_new = prepared.target is None
        if prepared.target is None:
            row = table.insert(self.portal.new_id(), prepared.values, now_ms)
            self.portal.record_event(object_type, "creation", row.id)
        else:
            row = table.change(prepared.target, prepared.values, now_ms)
            self.portal.record_changes(object_type, row, prepared.values, source="INTEGRATION")
        self.portal.indexed(object_type, row, is_new=is_new)
        result = row.as_json(tuple(row.props))
        if action == "upsert":
            result["new"] = is_new
        if prepared.trace_id is not None:
            result["objectWriteTraceId"] = prepared.trace_id
        return result

    def _envelope(self, results: list[dict[str, Any]]) -> dict[str, Any]:
        stamp = iso_ms(self.portal.now_ms())
        return {"status": "COMPLETE", "results": results, "startedAt": stamp, "completedAt": stamp}

    def _check_size(self, inputs: list[Any]) -> None:
        if len(inputs) > self.portal.config.batch_max:
            limit = self.portal.config.batch_max
            raise validation(f"Too many inputs: {len(inputs)} given, at most {limit} allowed")


def _refuse_duplicates(inputs: list[dict[str, Any]]) -> None:
    ids = [str(i.get("id", "")).lower() for i in inputs]
    if len(set(ids)) != len(ids):
        raise validation("Duplicate IDs found in batch input")


def _non_unique(table: ObjectTable, id_property: str) -> ApiError:
    type_id = "0-1" if table.object_type == "contacts" else "0-2"
    return validation(
        f"Unable to perform update/upsert by non-unique {type_id} property {id_property}"
    )


def _detail(problem: InvalidValueError) -> dict[str, Any]:
    return {
        "message": str(problem),
        "code": problem.code,
        "context": {"propertyName": [problem.prop]},
    }


def _as_item_error(problem: InvalidValueError | ApiError, trace_id: str | None) -> dict[str, Any]:
    if isinstance(problem, InvalidValueError):
        return item_error(
            "VALIDATION_ERROR", str(problem), trace_id=trace_id, code=problem.code,
            propertyName=problem.prop,
        )  # fmt: skip
    return item_error(problem.category, problem.message, trace_id=trace_id)
