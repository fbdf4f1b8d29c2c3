"""Field mapping between a system's records and the canonical customer, in both directions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.base import Entity, FieldValue, Record, Role
from sync.canonical import CoercionError, FieldType, coerce
from sync.records import CanonicalRecord, ConsentStatement, record_id
from sync.store.codec import decode, encode


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
        """Map and coerce the fields we read; raises :class:`MappingError` naming the field."""
        fields: dict[str, Any] = {}
        for canonical, vendor in self.read.items():
            raw = record.fields.get(vendor)
            try:
                value = coerce(raw, self.types[canonical])
            except CoercionError as exc:
                raise MappingError(f"{vendor}: {exc}") from None
            if value is not None:
                fields[canonical] = encode(value)
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
