"""Push planning: only differing fields, consent only when it differs, creation by policy."""

from __future__ import annotations

from connectors.base import ConsentStatus, Entity, Role
from sync.canonical import BUILTIN_FIELDS
from sync.config.model import CreatePolicy
from sync.mapping import StreamMap
from sync.plan import plan_write
from sync.records import ConsentStatement
from sync.store.customers import Golden
from sync.store.records import StoredRecord

MAP = StreamMap(
    system="news",
    stream="members",
    role=Role.MA,
    entity=Entity.PERSON,
    read={
        "email": "email_address",
        "first_name": "merge_fields.FNAME",
        "crm_id": "merge_fields.CRMID",
    },
    write={
        "email": "email_address",
        "first_name": "merge_fields.FNAME",
        "crm_id": "merge_fields.CRMID",
    },
    types=BUILTIN_FIELDS,
)


def golden(fields: dict, consent: dict | None = None, deleted: bool = False) -> Golden:
    return Golden("c1", "person", fields, {}, consent or {}, deleted)


def target(fields: dict, consent: dict | None = None) -> StoredRecord:
    return StoredRecord(
        "news:members:h1",
        "news",
        "members",
        "h1",
        "person",
        fields,
        {},
        consent or {},
        None,
        "hash",
        False,
    )


def test_identical_target_needs_no_write() -> None:
    actual = plan_write(
        golden({"email": "a@x.org", "first_name": "Anna"}),
        target({"email": "A@x.org ", "first_name": "anna"}),
        MAP,
        CreatePolicy.NEVER,
        "email",
    )

    assert actual is None


def test_only_differing_fields_are_written() -> None:
    actual = plan_write(
        golden({"email": "a@x.org", "first_name": "Anna", "crm_id": "101", "city": "Köln"}),
        target({"email": "a@x.org", "first_name": "Anne"}),
        MAP,
        CreatePolicy.NEVER,
        "email",
    )

    assert actual is not None
    assert dict(actual.op.fields) == {"merge_fields.FNAME": "Anna", "merge_fields.CRMID": "101"}
    assert actual.op.external_id == "h1"
    assert actual.op.key is None, "a known record is addressed by id, never by key"


def test_missing_target_is_created_only_with_consent_under_consented_policy() -> None:
    granted = {"email": {"status": "granted", "is_explicit": True, "at": None}}
    fields = {"email": "a@x.org", "first_name": "Anna"}

    without = plan_write(golden(fields), None, MAP, CreatePolicy.CONSENTED, "email")
    with_consent = plan_write(golden(fields, granted), None, MAP, CreatePolicy.CONSENTED, "email")

    assert without is None
    assert with_consent is not None
    assert with_consent.op.external_id is None
    assert with_consent.op.key == "a@x.org"
    assert [c.status for c in with_consent.op.consent] == [ConsentStatus.GRANTED]


def test_withdrawal_is_written_where_the_target_says_otherwise() -> None:
    withdrawn = {
        "email": {"status": "withdrawn", "is_explicit": True, "at": "2026-01-01T00:00:00+00:00"}
    }
    subscribed = {"email": ConsentStatement("granted", None, True)}

    actual = plan_write(
        golden({"email": "a@x.org"}, withdrawn),
        target({"email": "a@x.org"}, subscribed),
        MAP,
        CreatePolicy.NEVER,
        "email",
    )

    assert actual is not None
    assert [c.status for c in actual.op.consent] == [ConsentStatus.WITHDRAWN]
    assert dict(actual.op.fields) == {}


def test_implied_grant_is_never_written_and_deleted_customers_are_left_alone() -> None:
    implied = {"email": {"status": "granted", "is_explicit": False, "at": None}}

    implied_plan = plan_write(
        golden({"email": "a@x.org"}, implied),
        target({"email": "a@x.org"}),
        MAP,
        CreatePolicy.ALWAYS,
        "email",
    )
    deleted_plan = plan_write(
        golden({"email": "b@x.org"}, deleted=True), None, MAP, CreatePolicy.ALWAYS, "email"
    )

    assert implied_plan is None
    assert deleted_plan is None


def test_the_targets_natural_key_is_never_rewritten() -> None:
    actual = plan_write(
        golden({"email": "work@firma.de", "first_name": "Anna"}),
        target({"email": "private@gmx.de", "first_name": "Anna"}),
        MAP,
        CreatePolicy.NEVER,
        "email",
    )

    assert actual is None


def test_no_consent_is_written_to_a_record_without_an_address() -> None:
    withdrawn = {"email": {"status": "withdrawn", "is_explicit": True, "at": None}}

    actual = plan_write(
        golden({"email": "a@x.org", "first_name": "Anna"}, withdrawn),
        target({"first_name": "Anna"}),
        MAP,
        CreatePolicy.NEVER,
        "email",
    )

    assert actual is None
