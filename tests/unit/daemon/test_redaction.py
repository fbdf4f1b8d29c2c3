"""The redaction processor: sensitive keys, personal data and secrets inside strings, unknown
objects; and what it must leave alone (timestamps, ids, counts)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.base import Record
from sync.redaction import REDACTED, Redactor, is_sensitive_key


def redact(**event: Any) -> dict[str, Any]:
    return dict(Redactor(["s3cr3t-token-value"])(None, "info", event))


@pytest.mark.parametrize(
    "key",
    [
        "email",
        "Email",
        "first_name",
        "last_name",
        "name",
        "phone",
        "token",
        "access_token",
        "client_secret",
        "api_key",
        "Authorization",
        "X-HubSpot-Signature-v3",
        "password",
        "credentials",
        "cookie",
    ],
)
def test_values_under_sensitive_keys_are_redacted(key: str) -> None:
    actual = redact(**{key: "anything at all"})[key]

    assert actual == REDACTED


@pytest.mark.parametrize(
    "key", ["system", "stream", "run_id", "count", "event", "logger", "error", "route", "status"]
)
def test_ordinary_keys_are_not_sensitive(key: str) -> None:
    assert is_sensitive_key(key) is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to ayse.yilmaz@example.com failed", "write to [redacted] failed"),
        ("GET /members?email=ayse%40example.com", "GET /members?email=[redacted]"),
        ("call +49 30 1234567 now", "call [redacted] now"),
        ("call +90 (212) 555 12 34", "call [redacted]"),
        ("mobile 0171 2345678.", "mobile [redacted]."),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]"),
        (
            "POST /webhooks/newsletter?secret=xyz&x=1",
            "POST /webhooks/newsletter?secret=[redacted]&x=1",
        ),
        ("key 5f4dcc3b5aa765d61d8327deb882cf99-us6 used", "key [redacted] used"),
        ("token s3cr3t-token-value leaked", "token [redacted] leaked"),
    ],
)
def test_personal_data_and_secrets_inside_strings_are_masked(text: str, expected: str) -> None:
    actual = redact(message=text)["message"]

    assert actual == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01T10:00:00.123456Z",
        "2026-01-01 10:00:00+00:00",
        "crm:contacts:151",
        "pull crm/contacts: TransientError: 503 after 6 attempts",
        "run 12345678901 finished",
        "connector.py:211",
        "/webhooks/{system}",
    ],
)
def test_timestamps_ids_and_messages_stay_readable(text: str) -> None:
    actual = redact(message=text)["message"]

    assert actual == text


def test_nested_mappings_and_lists_are_walked() -> None:
    event = {"headers": {"Authorization": "Bearer x"}, "items": [{"email": "a@b.de"}, "c@d.de"]}

    actual = redact(**event)

    assert actual == {
        "headers": {"Authorization": REDACTED},
        "items": [{"email": REDACTED}, REDACTED],
    }


def test_objects_are_reduced_to_their_type_because_their_repr_may_hold_a_record() -> None:
    record = Record(external_id="1", fields={"firstname": "Ayşe", "email": "a@b.de"})

    actual = redact(record=record, when=datetime(2026, 1, 1, tzinfo=UTC), amount=Decimal("1.5"))

    assert actual == {
        "record": "<Record>",
        "when": datetime(2026, 1, 1, tzinfo=UTC),
        "amount": Decimal("1.5"),
    }


def test_bytes_are_never_logged() -> None:
    actual = redact(body=b"email=a@b.de")["body"]

    assert actual == "<12 bytes>"


def test_short_secrets_are_not_masked_inside_strings() -> None:
    redactor = Redactor(["abc"])

    actual = redactor.text("abcdef")

    assert actual == "abcdef"


def test_a_secret_registered_later_is_masked_too() -> None:
    redactor = Redactor()
    redactor.add(["later-secret-42"])

    actual = redactor.text("x later-secret-42 y")

    assert actual == "x [redacted] y"


_LOCAL = st.from_regex(r"[a-z][a-z0-9._+\-]{0,15}[a-z0-9]", fullmatch=True)
_DOMAIN = st.from_regex(r"[a-z][a-z0-9\-]{0,10}[a-z0-9]\.(de|com|co\.uk|net|org)", fullmatch=True)
_FILLER = st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), max_size=20)


@given(local=_LOCAL, domain=_DOMAIN, before=_FILLER, after=_FILLER)
def test_no_email_address_survives_in_any_text(
    local: str, domain: str, before: str, after: str
) -> None:
    email = f"{local}@{domain}"

    actual = Redactor().text(f"{before} {email} {after}")

    assert email not in actual
