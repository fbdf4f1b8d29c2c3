"""What to write to one target for one customer: the diff between golden record and target.

Pure: given the golden record, what the target holds (its source record), the stream's
mapping and the creation policy, it returns the write to make, or None when the target is
already right. Only fields that differ are written; the target's natural key is written only
on creation; consent is written only when the target states something else than the golden
record, and an implied grant is never written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.base import Consent, ConsentStatus, WriteOp
from sync.config.model import CreatePolicy
from sync.mapping import StreamMap
from sync.store.codec import comparable, value_hash
from sync.store.customers import Golden
from sync.store.records import StoredRecord

DISOWNED = "disowned:"
"""Push-state key prefix: ``disowned:<field>`` holds the hash of a value we wrote to the target
that an operator's split showed to be another person's. While that value is still our last
write there, the field is written again from the golden record, and cleared if it has none."""


@dataclass(frozen=True, slots=True)
class PlannedWrite:
    """One write and the canonical values behind it (to record push state afterwards)."""

    customer_id: str
    op: WriteOp
    fields: dict[str, Any]
    consent: dict[str, str]
    target: StoredRecord | None
    provenance: Mapping[str, Any]


def plan_write(
    golden: Golden,
    target: StoredRecord | None,
    smap: StreamMap,
    policy: CreatePolicy,
    key_field: str | None,
    pushed: Mapping[str, str] | None = None,
) -> PlannedWrite | None:
    """The write that brings the target in line with the golden record, if any is needed.

    A field we read back is compared with the target's record; a write-only field (one we
    cannot read back) with the hash of what we last wrote there (``pushed``, from push state).
    A field holding a value we disowned (:data:`DISOWNED`) is written again, or cleared.
    """
    if golden.is_deleted or (target is not None and target.is_deleted):
        return None
    wanted = {f: v for f, v in golden.fields.items() if f in smap.write and v is not None}
    consent = _consent_to_write(golden, target, pushed or {})
    if target is not None and key_field and not target.fields.get(key_field):
        consent = {}  # consent belongs to an address: a record without one cannot state it
    if target is None:
        if not _may_create(golden, policy) or (key_field and key_field not in wanted):
            return None
        diff = wanted
    else:
        diff = _changes(golden, wanted, target, smap, key_field, pushed or {})
    if not diff and not consent:
        return None
    op = WriteOp(
        op_id=golden.id,
        external_id=target.external_id if target else None,
        fields=smap.to_vendor(diff),
        key=_key(golden, key_field) if target is None else None,
        consent=tuple(
            Consent(channel=ch, status=ConsentStatus(st), at=_at(golden, ch))
            for ch, st in consent.items()
        ),
    )
    return PlannedWrite(golden.id, op, diff, consent, target, golden.provenance)


def _changes(
    golden: Golden,
    wanted: Mapping[str, Any],
    target: StoredRecord,
    smap: StreamMap,
    key_field: str | None,
    pushed: Mapping[str, str],
) -> dict[str, Any]:
    # The natural key (an e-mail in HubSpot and Mailchimp) is the record's identity there:
    # set when we create the record, never rewritten from another system's value.
    diff = {
        f: v for f, v in wanted.items() if f != key_field and _differs(f, v, target, smap, pushed)
    }
    diff.update({f: wanted.get(f) for f in _disowned(golden, smap, key_field, pushed)})
    return diff


def _differs(
    name: str, value: Any, target: StoredRecord, smap: StreamMap, pushed: Mapping[str, str]
) -> bool:
    if name in smap.read:
        return bool(comparable(value) != comparable(target.fields.get(name)))
    return pushed.get(name) != value_hash(value)


def _disowned(
    golden: Golden, smap: StreamMap, key_field: str | None, pushed: Mapping[str, str]
) -> set[str]:
    """Fields still holding a value we wrote and disowned, whose golden value is another."""
    out = set()
    for key, disowned in pushed.items():
        name = key.removeprefix(DISOWNED)
        if (
            key.startswith(DISOWNED)
            and name in smap.write
            and name != key_field
            and pushed.get(name) == disowned
            and value_hash(golden.fields.get(name)) != disowned
        ):
            out.add(name)
    return out


def _key(golden: Golden, key_field: str | None) -> str | None:
    """The natural key to upsert by: only for creates, a known record is addressed by id."""
    return str(golden.fields[key_field]) if key_field and key_field in golden.fields else None


def _consent_to_write(
    golden: Golden, target: StoredRecord | None, pushed: Mapping[str, str]
) -> dict[str, str]:
    """Channels whose golden status the target does not state, unless we already wrote that
    status there: a vendor may keep its own (HubSpot cannot re-subscribe without a legal
    basis), and writing it again every cycle would change nothing."""
    out: dict[str, str] = {}
    for channel, state in golden.consent.items():
        if not state.get("is_explicit", True) and state["status"] == ConsentStatus.GRANTED:
            continue
        theirs = target.consent.get(channel) if target else None
        if theirs is not None and theirs.status == state["status"]:
            continue
        if pushed.get(f"consent:{channel}") == value_hash(state["status"]):
            continue
        out[channel] = state["status"]
    return out


def _may_create(golden: Golden, policy: CreatePolicy) -> bool:
    if policy is CreatePolicy.ALWAYS:
        return True
    if policy is CreatePolicy.CONSENTED:
        email = golden.consent.get("email", {})
        return email.get("status") == ConsentStatus.GRANTED and email.get("is_explicit", True)
    return False


def _at(golden: Golden, channel: str) -> datetime | None:
    raw = golden.consent.get(channel, {}).get("at")
    return datetime.fromisoformat(raw) if raw else None
