"""Repairing targets after a split: what push state remembers at our first write, and how the
planner writes again (or clears) a field whose value there a split disowned."""

from __future__ import annotations

from typing import Any

from connectors.base import Entity, Role
from sync.canonical import BUILTIN_FIELDS
from sync.config.model import CreatePolicy
from sync.mapping import StreamMap
from sync.plan import DISOWNED, PlannedWrite, plan_write
from sync.restore import replaced_before
from sync.store.codec import value_hash
from sync.store.customers import Golden
from sync.store.outbox import PushState
from sync.store.records import StoredRecord

MAP = StreamMap(
    system="news",
    stream="members",
    role=Role.MA,
    entity=Entity.PERSON,
    read={"email": "email_address", "phone": "merge_fields.PHONE", "crm_id": "merge_fields.CRMID"},
    write={
        "email": "email_address",
        "phone": "merge_fields.PHONE",
        "crm_id": "merge_fields.CRMID",
        "lead_score": "merge_fields.SCORE",
    },
    types=BUILTIN_FIELDS,
)


def golden(fields: dict[str, Any]) -> Golden:
    return Golden("c1", "person", fields, {}, {})


def target(fields: dict[str, Any]) -> StoredRecord:
    return StoredRecord(
        "news:members:h1", "news", "members", "h1", "person", fields, {}, {}, None, "x", False
    )


def written(fields: dict[str, Any], before: StoredRecord | None) -> PlannedWrite:
    planned = plan_write(golden(fields), before, MAP, CreatePolicy.ALWAYS, "email")
    assert planned is not None
    return planned


def test_first_write_remembers_what_the_target_held() -> None:
    write = written(
        {"email": "a@x.org", "phone": "+4930111", "crm_id": "7"},
        target({"email": "a@x.org", "phone": "+4989222"}),
    )

    actual = replaced_before(None, write)

    assert actual == {"phone": "+4989222", "crm_id": None}


def test_a_later_write_keeps_the_value_from_before_our_first() -> None:
    old = PushState("c1", "h1", {"phone": value_hash("+4930111")}, {"phone": "+4989222"})
    write = written({"email": "a@x.org", "phone": "+4930333"}, target({"phone": "+4930111"}))

    actual = replaced_before(old, write)

    assert actual == {"phone": "+4989222"}


def test_a_field_written_before_replaced_was_kept_stays_unknown() -> None:
    old = PushState("c1", "h1", {"phone": value_hash("+4930111")})
    write = written({"email": "a@x.org", "phone": "+4930333"}, target({"phone": "+4930111"}))

    actual = replaced_before(old, write)

    assert actual == {}


def test_a_created_record_held_nothing_before() -> None:
    write = written({"email": "a@x.org", "phone": "+4930111"}, None)

    actual = replaced_before(None, write)

    assert actual == {"email": None, "phone": None}


def disowned(**fields: str) -> dict[str, str]:
    """Push state after a split disowned ``fields`` (name → the value we had written)."""
    hashes = {name: value_hash(value) for name, value in fields.items()}
    return {**hashes, **{DISOWNED + name: h for name, h in hashes.items()}}


def plan_against(
    golden_fields: dict[str, Any], target_fields: dict[str, Any], pushed: dict[str, str]
) -> PlannedWrite | None:
    """The write planned for a golden record to a target holding ``target_fields``."""
    return plan_write(
        golden(golden_fields), target(target_fields), MAP, CreatePolicy.NEVER, "email", pushed
    )


def test_a_disowned_field_is_written_even_where_the_store_shows_the_right_value() -> None:
    pushed = disowned(phone="+4930111")

    actual = plan_against(
        {"email": "a@x.org", "phone": "+4989222"}, {"email": "a@x.org", "phone": "+4989222"}, pushed
    )

    assert actual is not None
    assert actual.fields == {"phone": "+4989222"}


def test_a_disowned_field_without_golden_value_is_cleared_read_back_or_not() -> None:
    pushed = disowned(crm_id="7", lead_score="12")

    actual = plan_against({"email": "a@x.org"}, {"email": "a@x.org"}, pushed)

    assert actual is not None
    assert actual.fields == {"crm_id": None, "lead_score": None}
    assert actual.op.fields == {"merge_fields.CRMID": None, "merge_fields.SCORE": None}


def test_a_repaired_field_is_settled_and_not_written_again() -> None:
    pushed = {**disowned(crm_id="7"), "crm_id": value_hash(None)}

    actual = plan_against({"email": "a@x.org"}, {"email": "a@x.org"}, pushed)

    assert actual is None


def test_a_disowned_value_that_is_golden_again_needs_no_write() -> None:
    pushed = disowned(phone="+4930111")

    actual = plan_against(
        {"email": "a@x.org", "phone": "+4930111"}, {"email": "a@x.org", "phone": "+4930111"}, pushed
    )

    assert actual is None


def test_the_natural_key_is_never_cleared() -> None:
    pushed = disowned(email="b@x.org")

    actual = plan_against({"email": "a@x.org"}, {"email": "b@x.org"}, pushed)

    assert actual is None
