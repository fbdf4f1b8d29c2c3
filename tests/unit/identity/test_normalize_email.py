"""Tests of e-mail normalisation: validation, case, IDN and the opt-in provider rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.identity.normalize.email import (
    GMAIL_RULES,
    EmailRules,
    email_parts,
    normalize_email,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Max.Mustermann@Firma.DE ", "max.mustermann@firma.de"),
        ("Ayse.Yilmaz@Sirket.COM.TR", "ayse.yilmaz@sirket.com.tr"),
        ("John.Smith@Example.CO.UK", "john.smith@example.co.uk"),
        ("info@müller.de", "info@xn--mller-kva.de"),
        ("info@MÜLLER.DE", "info@xn--mller-kva.de"),
        ("info@xn--mller-kva.de", "info@xn--mller-kva.de"),
        ("Jörg@firma.de", "jörg@firma.de"),
        ("info@şirket.com.tr", "info@xn--irket-idb.com.tr"),
        ("foo.bar+news@googlemail.com", "foo.bar+news@googlemail.com"),
    ],
)
def test_normalize_email_without_rules(raw: str, expected: str) -> None:
    actual = normalize_email(raw)

    assert actual == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "not-an-email",
        "a@b",
        "x@localhost",
        "a..b@firma.de",
        "a b@firma.de",
        '"quoted"@firma.de',
        "@firma.de",
        "max@",
        "max@firma..de",
        "max@-firma.de",
        "a@b.test",
    ],
)
def test_normalize_email_rejects_invalid_addresses(raw: str | None) -> None:
    actual = normalize_email(raw)

    assert actual is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Foo.Bar+news@googlemail.com", "foobar@gmail.com"),
        ("f.o.o+x+y@gmail.com", "foo@gmail.com"),
        ("foobar@gmail.com", "foobar@gmail.com"),
        ("max.mustermann+crm@firma.de", "max.mustermann@firma.de"),
        ("+tag@gmail.com", "+tag@gmail.com"),
    ],
)
def test_gmail_rules_unify_gmail_variants(raw: str, expected: str) -> None:
    actual = normalize_email(raw, GMAIL_RULES)

    assert actual == expected


def test_rules_apply_only_what_they_name() -> None:
    rules = EmailRules(strip_plus_tags=True)

    actual = normalize_email("Foo.Bar+news@googlemail.com", rules)

    assert actual == "foo.bar@googlemail.com"


def test_strip_dots_applies_to_the_named_domains_only() -> None:
    rules = EmailRules(strip_dots_domains=frozenset({"gmail.com"}))

    actual = (
        normalize_email("a.b@gmail.com", rules),
        normalize_email("a.b@firma.de", rules),
    )

    assert actual == ("ab@gmail.com", "a.b@firma.de")


def test_email_parts_splits_at_the_last_at_sign() -> None:
    actual = email_parts("max.mustermann@firma.de")

    assert actual == ("max.mustermann", "firma.de")


def test_email_parts_rejects_text_without_at_sign() -> None:
    with pytest.raises(ValueError, match="no '@'"):
        email_parts("firma.de")


@given(st.text())
def test_normalize_email_never_raises(text: str) -> None:
    actual = normalize_email(text, GMAIL_RULES)

    assert actual is None or "@" in actual


@given(st.emails(), st.sampled_from([EmailRules(), GMAIL_RULES]))
def test_normalize_email_is_idempotent(address: str, rules: EmailRules) -> None:
    once = normalize_email(address, rules)

    assert once is None or normalize_email(once, rules) == once


@given(st.emails())
def test_normalize_email_ignores_case_and_surrounding_space(address: str) -> None:
    actual = normalize_email(f"  {address.upper()}\t")

    assert actual == normalize_email(address)


@given(st.emails())
def test_normalized_email_is_lower_case_ascii_domain(address: str) -> None:
    normalized = normalize_email(address)

    assert normalized is None or normalized == normalized.lower()
    assert normalized is None or email_parts(normalized)[1].isascii()
