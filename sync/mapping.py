"""Field mapping between a system's records and the canonical customer, in both directions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import Entity, FieldValue, Record, Role
from sync.canonical import CoercionError, FieldType, coerce
from sync.records import CanonicalRecord, ConsentStatement, record_id, stamp
from sync.store.codec import decode, encode, storable_problem

MAX_ID_LENGTH = 255
"""Longest external id taken in: ids are indexed keys (vendors' ids are far shorter)."""


class MappingError(ValueError):
    """A record cannot be mapped; ``reason`` names the field, never its value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StreamMap:
    """How one stream of one system maps to canonical fields."""

    system: str
    stream: str
    role: Role
    entity: Entity
    read: Mapping[str, str]
    write: Mapping[str, str]
    types: Mapping[str, FieldType]

    def to_canonical(self, record: Record) -> CanonicalRecord:
        """Map and coerce the fields we read; raises :class:`MappingError` naming the field,
        also for a value the store cannot hold (a lone surrogate, NUL, a 65-bit integer)."""
        _check_record(record)
        fields: dict[str, Any] = {}
        for canonical, vendor in self.read.items():
            raw = record.fields.get(vendor)
            try:
                value = coerce(raw, self.types[canonical])
            except CoercionError as exc:
                raise MappingError(f"{vendor}: {exc}") from None
            if value is not None:
                fields[canonical] = encode(value)
                problem = storable_problem(fields[canonical])
                if problem:
                    raise MappingError(f"{vendor}: {problem}")
        return CanonicalRecord(
            id=record_id(self.system, self.stream, record.external_id),
            system=self.system,
            stream=self.stream,
            external_id=record.external_id,
            entity=self.entity.value,
            fields=fields,
            consent=_statements(record),
            modified_at=record.modified_at,
            is_deleted=record.is_deleted,
            previous_ids=record.previous_ids,
        )

    def to_vendor(self, fields: Mapping[str, Any]) -> dict[str, FieldValue]:
        """Encoded canonical values to the vendor fields we write (unmapped ones dropped)."""
        return {
            vendor: decode(fields[canonical], self.types[canonical])
            for canonical, vendor in self.write.items()
            if canonical in fields
        }


def _check_record(record: Record) -> None:
    """What staging needs of every record besides its fields: ids it can store and index, and
    times it can place in UTC (a time near year 1 or 9999 in another zone cannot be)."""
    problem = id_problem([record.external_id, *record.previous_ids])
    if problem:
        raise MappingError(f"id: {problem}")
    times = [("modified time", record.modified_at)] + [
        (f"consent {c.channel}", c.at) for c in record.consent
    ]
    for name, moment in times:
        if moment is None:
            continue
        if moment.tzinfo is None:
            raise MappingError(f"{name}: time without a zone")
        try:
            stamp(moment)
        except (OverflowError, ValueError):
            raise MappingError(f"{name}: time out of range") from None


def id_problem(ids: Sequence[str]) -> str | None:
    """Why the store cannot take in a record under these external ids, or None."""
    if any(len(i) > MAX_ID_LENGTH for i in ids):
        return f"longer than {MAX_ID_LENGTH} characters"
    return storable_problem(list(ids))


def _statements(record: Record) -> dict[str, ConsentStatement]:
    return {
        c.channel: ConsentStatement(
            status=c.status.value,
            at=c.at.isoformat() if c.at else None,
            is_explicit=c.is_explicit,
            source_status=c.source_status,
        )
        for c in record.consent
    }
