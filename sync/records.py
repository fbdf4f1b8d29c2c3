"""The values that flow between the steps of a cycle: canonical records and staged changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def stamp(moment: datetime) -> str:
    """A time as the store keeps field times: UTC, microseconds, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def record_id(system: str, stream: str, external_id: str) -> str:
    """The store id of a source record; readable, and known without a database round trip."""
    return f"{system}:{stream}:{external_id}"


@dataclass(frozen=True, slots=True)
class ConsentStatement:
    """What one system says about one channel, in the store's encoded form."""

    status: str
    at: str | None
    is_explicit: bool
    source_status: str | None = None

    def encode(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "at": self.at,
            "is_explicit": self.is_explicit,
            "source_status": self.source_status,
        }

    @classmethod
    def decode(cls, raw: dict[str, Any]) -> ConsentStatement:
        return cls(
            raw["status"], raw.get("at"), raw.get("is_explicit", True), raw.get("source_status")
        )


@dataclass(frozen=True, slots=True)
class CanonicalRecord:
    """A source record mapped to canonical fields; values are already JSON-encoded."""

    id: str
    system: str
    stream: str
    external_id: str
    entity: str
    fields: dict[str, Any]
    consent: dict[str, ConsentStatement]
    modified_at: datetime | None
    is_deleted: bool = False
    previous_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StagedChange:
    """A record that changed for real in this cycle (not unchanged, stale or our echo)."""

    record: CanonicalRecord
    changed_fields: frozenset[str]
    is_new: bool
    consent_changed: bool
