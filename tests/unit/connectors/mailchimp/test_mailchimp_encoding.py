"""Encoding write ops into member bodies: merge values by type, consent as status, new addresses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.base import ConfigurationError, Consent, ConsentStatus, FieldValue, WriteOp
from connectors.mailchimp.encoding import EncodeError, encode_change, status_for
from connectors.mailchimp.mapping import MergeSchema, MergeSpec, decode_merge, subscriber_hash

SCHEMA = MergeSchema(
    {
        "FNAME": MergeSpec("FNAME", "text"),
        "SCORE": MergeSpec("SCORE", "number"),
        "JOINED": MergeSpec("JOINED", "date", "DD/MM/YYYY"),
        "BDAY": MergeSpec("BDAY", "birthday", "MM/DD"),
        "HOME": MergeSpec("HOME", "address"),
    }
)


def op(
    fields: dict[str, FieldValue],
    *,
    key: str | None = "ada@example.org",
    external_id: str | None = None,
    consent: tuple[Consent, ...] = (),
) -> WriteOp:
    return WriteOp("op-1", external_id, fields, key=key, consent=consent)


def test_merge_values_are_encoded_by_type() -> None:
    fields: dict[str, FieldValue] = {
        "merge_fields.FNAME": "Ada",
        "merge_fields.SCORE": Decimal("12.0"),
        "merge_fields.JOINED": date(2025, 4, 3),
        "merge_fields.BDAY": date(1815, 12, 10),
        "merge_fields.HOME.addr1": "1 Main St",
        "merge_fields.HOME.city": "Springfield",
    }

    change = encode_change(op(fields), SCHEMA)

    assert change.body == {
        "email_address": "ada@example.org",
        "merge_fields": {
            "FNAME": "Ada",
            "SCORE": 12,
            "JOINED": "03/04/2025",
            "BDAY": "12/10",
            "HOME": {"addr1": "1 Main St", "city": "Springfield"},
        },
    }


def test_a_cleared_value_is_sent_as_empty_string() -> None:
    change = encode_change(op({"merge_fields.FNAME": None}), SCHEMA)

    assert change.body["merge_fields"] == {"FNAME": ""}


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_survive_encoding_and_decoding(day: date) -> None:
    change = encode_change(op({"merge_fields.JOINED": day}), SCHEMA)
    wire = change.body["merge_fields"]["JOINED"]

    assert decode_merge(SCHEMA.fields["JOINED"], wire) == {"merge_fields.JOINED": day}


def test_a_yearless_birthday_is_written_back_in_the_fields_format() -> None:
    change = encode_change(op({"merge_fields.BDAY": "--02-29"}), SCHEMA)

    assert change.body["merge_fields"] == {"BDAY": "02/29"}


@pytest.mark.parametrize(
    ("stated", "status"),
    [
        (ConsentStatus.GRANTED, "subscribed"),
        (ConsentStatus.WITHDRAWN, "unsubscribed"),
        (ConsentStatus.PENDING, "pending"),
        (ConsentStatus.UNKNOWN, None),
    ],
)
def test_email_consent_becomes_the_member_status(stated: ConsentStatus, status: str | None) -> None:
    assert status_for(op({}, consent=(Consent("email", stated),))) == status


def test_consent_for_another_channel_sets_no_status() -> None:
    assert status_for(op({}, consent=(Consent("sms", ConsentStatus.GRANTED),))) is None


def test_an_op_without_email_or_id_is_rejected_alone() -> None:
    with pytest.raises(EncodeError) as raised:
        encode_change(op({"merge_fields.FNAME": "Ada"}, key=None), SCHEMA)

    assert raised.value.code == "missing_email"


def test_an_op_known_only_by_id_is_addressed_by_that_id() -> None:
    change = encode_change(op({"merge_fields.FNAME": "Ada"}, key=None, external_id="abc"), SCHEMA)

    assert (change.email, change.member_id, change.previous_id) == (None, "abc", None)


def test_a_new_address_for_a_known_member_is_an_address_change() -> None:
    old = subscriber_hash("ada@example.org")
    fields: dict[str, FieldValue] = {"email_address": "ada@lovelace.example"}

    change = encode_change(op(fields, external_id=old), SCHEMA)

    assert change.previous_id == old
    assert change.member_id == subscriber_hash("ada@lovelace.example")


def test_tags_are_the_wanted_set() -> None:
    change = encode_change(op({"tags": ("vip", "b2b", "vip")}), SCHEMA)

    assert change.tags == ("b2b", "vip")


@pytest.mark.parametrize(
    "field", ["stats.avg_open_rate", "member_rating", "merge_fields.NOPE", "merge_fields.HOME.x"]
)
def test_fields_mailchimp_cannot_take_are_a_configuration_error(field: str) -> None:
    with pytest.raises(ConfigurationError):
        encode_change(op({field: "1"}), SCHEMA)
