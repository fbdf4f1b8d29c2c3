"""Tests of web-domain normalisation and free-mail recognition."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.provisional import domains

from sync.identity.normalize.domain import is_freemail_domain, normalize_domain
from sync.identity.normalize.email import email_parts, normalize_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("firma.de", "firma.de"),
        ("WWW.FIRMA.DE", "firma.de"),
        ("https://www.firma.de/kontakt?x=1#top", "firma.de"),
        ("http://firma.de:8080", "firma.de"),
        ("firma.de/impressum", "firma.de"),
        ("http://user:secret@shop.example.co.uk/", "shop.example.co.uk"),
        ("max.mustermann@firma.de", "firma.de"),
        ("mailto:info@firma.de", "firma.de"),
        ("https://www.müller.de", "xn--mller-kva.de"),
        ("info@MÜLLER.de", "xn--mller-kva.de"),
        ("xn--mller-kva.de", "xn--mller-kva.de"),
        ("şirket.com.tr", "xn--irket-idb.com.tr"),
        ("ftp://files.example.org.", "files.example.org"),
        ("  example.com  ", "example.com"),
        ("www.com", "www.com"),
    ],
)
def test_normalize_domain(raw: str, expected: str) -> None:
    actual = normalize_domain(raw)

    assert actual == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "localhost",
        "not a domain",
        "192.168.0.1",
        "http://[::1]/",
        "a..b.com",
        "-bad-.com",
        "firma.123",
        "http://",
        "@",
    ],
)
def test_normalize_domain_rejects_non_domains(raw: str | None) -> None:
    actual = normalize_domain(raw)

    assert actual is None


@pytest.mark.parametrize(
    "domain",
    [
        "gmail.com",
        "googlemail.com",
        "GMX.DE",
        "gmx.net",
        "gmx.at",
        "web.de",
        "t-online.de",
        "yahoo.com",
        "yahoo.de",
        "yahoo.co.uk",
        "yahoo.com.tr",
        "hotmail.com",
        "hotmail.de",
        "outlook.com",
        "outlook.de",
        "live.com",
        "yandex.com.tr",
        "yandex.ru",
        "mail.ru",
        "icloud.com",
        "me.com",
        "aol.com",
        "mynet.com",
        "btinternet.com",
        "posteo.de",
        "https://www.gmail.com/",
        "max@gmx.de",
    ],
)
def test_free_mail_domains_are_recognised(domain: str) -> None:
    actual = is_freemail_domain(domain)

    assert actual is True


@pytest.mark.parametrize(
    "domain",
    [
        "firma.de",
        "bosch.com",
        "koc.com.tr",
        "tesco.co.uk",
        "live.example.org",
        "gmail.firma.de",
        "mail.yahoo.com",
        "",
        None,
        "not a domain",
    ],
)
def test_company_domains_are_not_free_mail(domain: str | None) -> None:
    actual = is_freemail_domain(domain)

    assert actual is False


@given(st.text())
def test_normalize_domain_never_raises_and_gives_ascii_host(raw: str) -> None:
    actual = normalize_domain(raw)

    assert actual is None or re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", actual)


@given(domains())
def test_normalize_domain_is_idempotent_and_ignores_case(domain: str) -> None:
    once = normalize_domain(domain)

    assert once is None or normalize_domain(once) == once
    assert normalize_domain(domain.upper()) == once


@given(st.emails())
def test_domain_of_an_address_agrees_with_the_normalised_address(address: str) -> None:
    normalized = normalize_email(address)
    assume(not address.lower().rpartition("@")[2].startswith("www."))
    assume(normalized is not None)
    domain = email_parts(normalized or "@")[1]

    actual = normalize_domain(address)

    assert actual == domain


@given(domains())
def test_url_and_bare_domain_normalise_alike(domain: str) -> None:
    assume(not domain.lower().startswith("www."))
    bare = normalize_domain(domain)

    actual = normalize_domain(f"https://www.{domain}:443/path")

    assert bare is None or actual == bare
