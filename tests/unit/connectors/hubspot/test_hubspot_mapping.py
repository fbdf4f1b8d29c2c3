"""HubSpot value encoding and record mapping: strings in, typed values out, dates never shifted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.base import Consent, ConsentStatus, FailureKind, Record, Rejected
from connectors.hubspot.mapping import (
    UndecodableError,
    decode_value,
    encode_value,
    failure_of,
    to_record,
)
from connectors.hubspot.models import ApiError, PropertyDefinition

DATE = PropertyDefinition(name="date_of_birth", type="date", fieldType="date")
DATETIME = PropertyDefinition(name="lastmodifieddate", type="datetime", fieldType="date")
NUMBER = PropertyDefinition(name="hubspotscore", type="number", fieldType="number")
BOOL = PropertyDefinition(name="is_vip", type="bool", fieldType="booleancheckbox")
CHECKBOX = PropertyDefinition(name="interests", type="enumeration", fieldType="checkbox")
RADIO = PropertyDefinition(name="lifecyclestage", type="enumeration", fieldType="radio")
SCHEMA = {p.name: p for p in (DATE, DATETIME, NUMBER, BOOL, CHECKBOX, RADIO)}


def _item(**properties: str | None) -> dict[str, object]:
    base: dict[str, str | None] = {"lastmodifieddate": "2026-01-02T03:04:05.678Z"}
    return {"id": "101", "properties": base | properties, "archived": False}


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_a_date_survives_the_round_trip_unshifted(value: date) -> None:
    encoded = encode_value(value)

    assert decode_value(encoded, DATE) == value


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_a_date_is_sent_as_midnight_utc_epoch_ms(value: date) -> None:
    moment = datetime.fromtimestamp(int(encode_value(value)) / 1000, tz=UTC)

    assert (moment.date(), moment.hour, moment.minute) == (value, 0, 0)


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5))]
        ),
    )
)
def test_a_datetime_survives_the_round_trip_at_millisecond_precision(value: datetime) -> None:
    expected = value.replace(microsecond=value.microsecond // 1000 * 1000)

    assert decode_value(encode_value(value), DATETIME) == expected


def test_iso_dates_and_datetimes_decode_without_a_time_zone_step() -> None:
    actual = (
        decode_value("1990-05-17", DATE),
        decode_value("2019-10-30T03:30:17.883Z", DATETIME),
    )

    assert actual == (date(1990, 5, 17), datetime(2019, 10, 30, 3, 30, 17, 883000, tzinfo=UTC))


@pytest.mark.parametrize(
    ("raw", "prop", "expected"),
    [
        ("17", NUMBER, 17),
        ("-3", NUMBER, -3),
        ("17.50", NUMBER, Decimal("17.50")),
        ("true", BOOL, True),
        ("false", BOOL, False),
        ("news;events", CHECKBOX, ("news", "events")),
        ("customer", RADIO, "customer"),
        ("", NUMBER, None),
        (None, DATE, None),
        ("plain", None, "plain"),
    ],
)
def test_values_decode_by_their_property_type(
    raw: str | None, prop: PropertyDefinition | None, expected: object
) -> None:
    assert decode_value(raw, prop) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "true"),
        (False, "false"),
        (("a", "b"), "a;b"),
        (None, ""),
        (Decimal("1.5"), "1.5"),
        (7, "7"),
    ],
)
def test_values_encode_as_the_strings_hubspot_expects(value: object, expected: str) -> None:
    assert encode_value(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "prop"),
    [
        ("1572480001000", DATE),
        ("soon", DATETIME),
        ("lots", NUMBER),
        ("yes", BOOL),
        ("2026-02-30", DATE),
    ],
)
def test_an_undecodable_value_names_only_its_property(raw: str, prop: PropertyDefinition) -> None:
    with pytest.raises(UndecodableError) as caught:
        decode_value(raw, prop)

    assert str(caught.value) == f"{prop.name}: not a valid {prop.type}"


def test_a_record_carries_typed_fields_merged_ids_and_no_bookkeeping() -> None:
    item = _item(date_of_birth="1990-05-17", hubspotscore="3", hs_merged_object_ids="55;66")

    record = to_record(item, SCHEMA, "lastmodifieddate")

    assert isinstance(record, Record)
    assert record.fields["date_of_birth"] == date(1990, 5, 17)
    assert record.fields["hubspotscore"] == 3
    assert "hs_merged_object_ids" not in record.fields
    assert record.previous_ids == ("55", "66")
    assert record.modified_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def test_an_opt_out_is_an_explicit_withdrawal() -> None:
    record = to_record(_item(hs_email_optout="true"), SCHEMA, "lastmodifieddate")

    assert isinstance(record, Record)
    assert record.consent == (
        Consent("email", ConsentStatus.WITHDRAWN, source_status="hs_email_optout"),
    )


@pytest.mark.parametrize("flag", ["false", None])
def test_no_opt_out_is_no_consent_claim(flag: str | None) -> None:
    record = to_record(_item(hs_email_optout=flag), SCHEMA, "lastmodifieddate")

    assert isinstance(record, Record)
    assert record.consent == ()


def test_an_archived_record_is_a_deletion() -> None:
    record = to_record(_item() | {"archived": True}, SCHEMA, "lastmodifieddate")

    assert isinstance(record, Record)
    assert record.is_deleted is True


def test_a_malformed_timestamp_is_rejected_without_personal_data() -> None:
    item = _item(lastmodifieddate="2026-13-45T25:61", email="someone@example.org")

    rejected = to_record(item, SCHEMA, "lastmodifieddate")

    assert isinstance(rejected, Rejected)
    assert (rejected.external_id, rejected.reason) == (
        "101",
        "lastmodifieddate: not a valid datetime",
    )
    assert rejected.payload == item


def test_an_item_without_an_id_is_rejected() -> None:
    rejected = to_record({"properties": {}}, SCHEMA, "lastmodifieddate")

    assert rejected == Rejected("object: not a HubSpot record", None, {"properties": {}})


@pytest.mark.parametrize(
    ("category", "kind"),
    [
        ("VALIDATION_ERROR", FailureKind.REJECTED),
        ("CONFLICT", FailureKind.CONFLICT),
        ("OBJECT_NOT_FOUND", FailureKind.CONFLICT),
        ("RATE_LIMITS", FailureKind.RETRYABLE),
    ],
)
def test_batch_errors_are_typed_by_what_the_engine_should_do(
    category: str, kind: FailureKind
) -> None:
    error = ApiError(category=category, message="Email address someone@example.org is invalid")

    failure = failure_of(error)

    assert (failure.kind, failure.code) == (kind, category)
    assert "@" not in failure.message


def test_a_validation_failure_names_the_code_and_property() -> None:
    raw = {
        "category": "VALIDATION_ERROR",
        "message": "Email address x@y is invalid",
        "errors": [{"code": "INVALID_EMAIL", "context": {"propertyName": ["email"]}}],
    }

    failure = failure_of(ApiError.model_validate(raw))

    assert failure.message == "VALIDATION_ERROR: INVALID_EMAIL on email"
