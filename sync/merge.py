"""Survivorship: which source value each golden field takes, and which newer values lost.

Per field: the owning system from the configuration wins when it has a value; otherwise the
leader (the CRM) wins for the fields it maps; otherwise the most recent value wins. A value
that lost although it was changed more recently than the winner is reported as a conflict.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sync.records import stamp
from sync.store.codec import comparable

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SourceValues:
    """What one linked source record contributes to a merge."""

    record_id: str
    system: str
    external_id: str
    fields: Mapping[str, Any]
    field_times: Mapping[str, Any]
    modified_at: datetime | None
    is_deleted: bool = False

    def time_of(self, name: str) -> str:
        """When this source's value of ``name`` was set, as a canonical time stamp."""
        return self.field_times.get(name) or stamp(self.modified_at or _EPOCH)


@dataclass(frozen=True, slots=True)
class Rules:
    leader: str | None
    leader_fields: frozenset[str]
    owners: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Conflict:
    field: str
    rule: str
    winner_system: str
    winner_value: Any
    loser_system: str
    loser_value: Any


@dataclass(frozen=True, slots=True)
class Merged:
    fields: dict[str, Any]
    provenance: dict[str, Any]
    conflicts: tuple[Conflict, ...]


def merge(
    sources: Sequence[SourceValues],
    rules: Rules,
    fresh: Collection[tuple[str, str]] = (),
) -> Merged:
    """Merge live sources into golden fields with provenance.

    ``fresh`` holds (record id, field) pairs changed in this cycle: only those can raise a
    conflict, so a standing disagreement is reported once, not every cycle.
    """
    live = sorted((s for s in sources if not s.is_deleted), key=lambda s: s.record_id)
    names = sorted({n for s in live for n, v in s.fields.items() if v is not None})
    fields: dict[str, Any] = {}
    provenance: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    for name in names:
        candidates = [s for s in live if s.fields.get(name) is not None]
        winner, rule = _choose(name, candidates, rules)
        fields[name] = winner.fields[name]
        provenance[name] = {
            "system": winner.system,
            "record": winner.record_id,
            "at": winner.time_of(name),
            "rule": rule,
        }
        conflicts += _losers(name, rule, winner, candidates, fresh)
    _add_crm_id(live, rules, fields, provenance)
    return Merged(fields, provenance, tuple(conflicts))


def _choose(name: str, candidates: list[SourceValues], rules: Rules) -> tuple[SourceValues, str]:
    owner = rules.owners.get(name)
    owned = [s for s in candidates if s.system == owner]
    if owned:
        return _newest(owned, name), "owner"
    if name in rules.leader_fields:
        led = [s for s in candidates if s.system == rules.leader]
        if led:
            return _newest(led, name), "leader"
    return _newest(candidates, name), "recent"


def _newest(candidates: list[SourceValues], name: str) -> SourceValues:
    return max(candidates, key=lambda s: (s.time_of(name), s.record_id))


def _losers(
    name: str,
    rule: str,
    winner: SourceValues,
    candidates: list[SourceValues],
    fresh: Collection[tuple[str, str]],
) -> list[Conflict]:
    if rule == "recent":
        return []
    won_at = winner.time_of(name)
    mine = comparable(winner.fields[name])
    return [
        Conflict(name, rule, winner.system, winner.fields[name], s.system, s.fields[name])
        for s in candidates
        if s.system != winner.system
        and (s.record_id, name) in fresh
        and s.time_of(name) > won_at
        and comparable(s.fields[name]) != mine
    ]


def _add_crm_id(
    live: list[SourceValues], rules: Rules, fields: dict[str, Any], provenance: dict[str, Any]
) -> None:
    """The CRM id is the leader record's own id, never a value some system claims."""
    led = [s for s in live if s.system == rules.leader]
    fields.pop("crm_id", None)
    provenance.pop("crm_id", None)
    if led:
        newest = max(led, key=lambda s: (s.modified_at or _EPOCH, s.record_id))
        fields["crm_id"] = newest.external_id
        provenance["crm_id"] = {"system": newest.system, "record": newest.record_id, "rule": "link"}
