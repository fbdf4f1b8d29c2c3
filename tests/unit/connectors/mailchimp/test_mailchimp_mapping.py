"""Decoding Mailchimp members: merge fields by declared type, consent by status, rejects."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.base import Consent, ConsentStatus, Record, Rejected
from connectors.mailchimp.mapping import (
    MergeSchema,
    MergeSpec,
    consent_for,
    decode_member,
    decode_merge,
    subscriber_hash,
)

SCHEMA = MergeSchema(
    {
        "FIRST": MergeSpec("FIRST", "text"),
        "SCORE": MergeSpec("SCORE", "number"),
        "JOINED": MergeSpec("JOINED", "date", "DD/MM/YYYY"),
        "BDAY": MergeSpec("BDAY", "birthday", "MM/DD"),
        "HOME": MergeSpec("HOME", "address"),
    }
)
CHANGED = "2026-03-01T10:00:00+00:00"


def member(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": subscriber_hash("ada@example.org"),
        "email_address": "ada@example.org",
        "status": "subscribed",
        "merge_fields": {"FIRST": "Ada"},
        "tags": [{"id": 2, "name": "vip"}, {"id": 1, "name": "b2b"}],
        "stats": {"avg_open_rate": 0.5, "avg_click_rate": 0.25},
        "member_rating": 4,
        "language": "",
        "vip": False,
        "email_type": "html",
        "timestamp_opt": "2025-12-24T08:00:00+00:00",
        "timestamp_signup": "",
        "last_changed": CHANGED,
    }
    return {**base, **overrides}


def test_subscriber_hash_is_md5_of_the_lower_cased_address() -> None:
    # The example from Mailchimp's guide to managing subscribers.
    assert subscriber_hash("Urist.McVankab@freddiesjokes.com") == "62eeb292278cc15f5817cb78f7790b08"


@given(st.emails())
def test_subscriber_hash_ignores_case(email: str) -> None:
    assert subscriber_hash(email.upper()) == subscriber_hash(email.lower())


def test_a_member_decodes_into_vendor_named_fields() -> None:
    record = decode_member(member(), SCHEMA)

    assert isinstance(record, Record)
    assert record.external_id == subscriber_hash("ada@example.org")
    assert record.modified_at == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert dict(record.fields) == {
        "email_address": "ada@example.org",
        "merge_fields.FIRST": "Ada",
        "tags": ("b2b", "vip"),
        "stats.avg_open_rate": 0.5,
        "stats.avg_click_rate": 0.25,
        "member_rating": 4,
        "language": None,
        "vip": False,
        "email_type": "html",
        "timestamp_opt": datetime(2025, 12, 24, 8, tzinfo=UTC),
        "timestamp_signup": None,
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(42, 42), (2.5, 2.5), ("17", 17), ("0.75", 0.75), ("", None)],
)
def test_number_merge_fields_become_int_or_float(raw: object, expected: object) -> None:
    assert decode_merge(SCHEMA.fields["SCORE"], raw) == {"merge_fields.SCORE": expected}


def test_date_merge_fields_follow_the_fields_date_format() -> None:
    decoded = decode_merge(SCHEMA.fields["JOINED"], "03/04/2025")

    assert decoded == {"merge_fields.JOINED": date(2025, 4, 3)}


def test_iso_dates_are_accepted_whatever_the_format() -> None:
    assert decode_merge(SCHEMA.fields["JOINED"], "2025-04-03") == {
        "merge_fields.JOINED": date(2025, 4, 3)
    }


def test_a_birthday_keeps_no_invented_year() -> None:
    assert decode_merge(SCHEMA.fields["BDAY"], "02/29") == {"merge_fields.BDAY": "--02-29"}


def test_day_first_birthdays_are_read_day_first() -> None:
    spec = MergeSpec("BDAY", "birthday", "DD/MM")

    assert decode_merge(spec, "31/12") == {"merge_fields.BDAY": "--12-31"}


def test_an_address_is_flattened_into_its_parts() -> None:
    raw = {"addr1": "1 Main St", "addr2": "", "city": "Springfield", "state": "IL", "zip": "62701"}

    decoded = decode_merge(SCHEMA.fields["HOME"], {**raw, "country": "US"})

    assert decoded == {
        "merge_fields.HOME.addr1": "1 Main St",
        "merge_fields.HOME.addr2": None,
        "merge_fields.HOME.city": "Springfield",
        "merge_fields.HOME.state": "IL",
        "merge_fields.HOME.zip": "62701",
        "merge_fields.HOME.country": "US",
    }


def test_an_unset_address_reads_as_empty_parts() -> None:
    decoded = decode_merge(SCHEMA.fields["HOME"], "")

    assert set(decoded.values()) == {None}
    assert len(decoded) == 6


def test_merge_fields_unknown_to_the_schema_are_kept_as_text() -> None:
    record = decode_member(member(merge_fields={"LATER": 7}), SCHEMA)

    assert isinstance(record, Record)
    assert record.fields["merge_fields.LATER"] == "7"


@pytest.mark.parametrize(
    ("merge_fields", "reason"),
    [
        ({"BDAY": "13/45"}, "merge_fields.BDAY: not a birthday in MM/DD"),
        ({"JOINED": "someday"}, "merge_fields.JOINED: not a date in DD/MM/YYYY"),
        ({"SCORE": "many"}, "merge_fields.SCORE: not a number"),
        ({"HOME": "1 Main St Springfield"}, "merge_fields.HOME: not an address object"),
    ],
)
def test_an_undecodable_merge_value_rejects_the_member_without_its_data(
    merge_fields: dict[str, Any], reason: str
) -> None:
    item = member(merge_fields=merge_fields)

    rejected = decode_member(item, SCHEMA)

    assert rejected == Rejected(reason, subscriber_hash("ada@example.org"), item)
    assert "ada" not in rejected.reason


def test_a_member_missing_required_keys_is_rejected_by_location() -> None:
    item = {"id": "abc", "status": "subscribed", "last_changed": CHANGED}

    rejected = decode_member(item, SCHEMA)

    assert rejected == Rejected("email_address: missing", "abc", item)


def test_an_unknown_status_is_rejected() -> None:
    rejected = decode_member(member(status="deleted"), SCHEMA)

    assert isinstance(rejected, Rejected)
    assert rejected.reason == "status: literal_error"


AT = datetime(2026, 3, 1, 10, tzinfo=UTC)
OPTED = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("subscribed", (Consent("email", ConsentStatus.GRANTED, OPTED),)),
        ("pending", (Consent("email", ConsentStatus.PENDING, AT),)),
        ("unsubscribed", (Consent("email", ConsentStatus.WITHDRAWN, AT),)),
        (
            "cleaned",
            (Consent("email", ConsentStatus.WITHDRAWN, AT, source_status="cleaned"),),
        ),
        (
            "transactional",
            (
                Consent(
                    "email",
                    ConsentStatus.UNKNOWN,
                    AT,
                    is_explicit=False,
                    source_status="transactional",
                ),
            ),
        ),
        ("archived", ()),
    ],
)
def test_status_maps_to_email_consent(status: str, expected: tuple[Consent, ...]) -> None:
    assert consent_for(status, opted_at=OPTED, changed_at=AT) == expected


def test_an_archived_member_reads_as_deleted() -> None:
    record = decode_member(member(status="archived"), SCHEMA)

    assert isinstance(record, Record)
    assert record.is_deleted is True
    assert record.consent == ()
