"""Tests of telephone normalisation to E.164."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.identity.normalize.phone import normalize_phone

E164 = re.compile(r"^\+[1-9]\d{1,14}$")


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+49 (0) 30 1234567", "DE", "+49301234567"),
        ("+49 (0)30/1234567", "TR", "+49301234567"),
        ("0049 30 1234567", "DE", "+49301234567"),
        ("030 1234567", "DE", "+49301234567"),
        ("030-123 45 67", "DE", "+49301234567"),
        ("0176 12345678", "DE", "+4917612345678"),
        ("+49 176 1234 5678", "GB", "+4917612345678"),
        ("030 1234567 ext. 12", "DE", "+49301234567"),
        ("0532 123 45 67", "TR", "+905321234567"),
        ("0 (532) 123 45 67", "TR", "+905321234567"),
        ("+90 532 123 45 67", "DE", "+905321234567"),
        ("0090 212 123 45 67", "DE", "+902121234567"),
        ("020 7946 0018", "GB", "+442079460018"),
        ("+44 (0)20 7946 0018", "DE", "+442079460018"),
        ("07911 123456", "GB", "+447911123456"),
        ("07911 123456", "gb", "+447911123456"),
        ("+1 650-253-0000", "DE", "+16502530000"),
        ("+43 1 5123456", "DE", "+4315123456"),
    ],
)
def test_normalize_phone_gives_e164(raw: str, region: str, expected: str) -> None:
    actual = normalize_phone(raw, region)

    assert actual == expected


def test_normalize_phone_defaults_to_germany() -> None:
    actual = normalize_phone("030 1234567")

    assert actual == "+49301234567"


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        (None, "DE"),
        ("", "DE"),
        ("   ", "DE"),
        ("12345", "DE"),
        ("keine Angabe", "DE"),
        ("+49 123", "DE"),
        ("030 1234567", "XX"),
        ("0000 000000", "TR"),
        ("30000000000000", "DE"),
    ],
)
def test_normalize_phone_rejects_invalid_numbers(raw: str | None, region: str) -> None:
    actual = normalize_phone(raw, region)

    assert actual is None


phone_like = st.text(alphabet="+0123456789 ()-/.", max_size=25)


@given(st.one_of(phone_like, st.text()), st.sampled_from(["DE", "TR", "GB", "AT", "US"]))
def test_normalize_phone_gives_e164_or_none(raw: str, region: str) -> None:
    actual = normalize_phone(raw, region)

    assert actual is None or E164.match(actual)


@given(phone_like, st.sampled_from(["DE", "TR", "GB"]))
def test_normalize_phone_is_idempotent(raw: str, region: str) -> None:
    once = normalize_phone(raw, region)

    assert once is None or normalize_phone(once, region) == once
