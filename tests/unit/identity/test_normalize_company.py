"""Tests of company-name normalisation: legal forms, "and" spellings, folding."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.identity.normalize.company import normalize_company


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Bosch GmbH", "bosch"),
        ("Robert Bosch G.m.b.H.", "robert bosch"),
        ("Siemens AG", "siemens"),
        ("Müller & Söhne GmbH & Co. KG", "mueller and soehne"),
        ("Mueller und Soehne GmbH", "mueller and soehne"),
        ("Müller + Söhne", "mueller and soehne"),
        ("Müller & Co.", "mueller"),
        ("Meier UG (haftungsbeschränkt)", "meier"),
        ("Schmidt e.K.", "schmidt"),
        ("Förderverein Musterstadt e.V.", "foerderverein musterstadt"),
        ("Weber OHG", "weber"),
        ("Praxis Dr. Klein GbR", "praxis dr klein"),
        ("Allianz SE", "allianz"),
        ("Fa. Müller", "mueller"),
        ("Firma Schulz KG", "schulz"),
        ("Koç Holding A.Ş.", "koc holding"),
        ("Koc Holding AS", "koc holding"),
        ("Türk Telekomünikasyon AŞ", "tuerk telekomuenikasyon"),
        ("ABC Tekstil San. ve Tic. Ltd. Şti.", "abc tekstil"),
        ("Yılmaz İnşaat Sanayi ve Ticaret Limited Şirketi", "yilmaz insaat"),
        ("Demir Gıda Tic. Ltd. Şti.", "demir gida"),
        ("Acme, Inc.", "acme"),
        ("Tesco PLC", "tesco"),
        ("XYZ Ltd", "xyz"),
        ("XYZ Limited", "xyz"),
        ("Smith and Sons LLC", "smith and sons"),
        ("Smith & Sons, L.L.C.", "smith and sons"),
        ("Baker McKenzie LLP", "baker mckenzie"),
        ("The Coca-Cola Company", "coca cola"),
        ("Microsoft Corporation", "microsoft"),
        ("Zara S.A.", "zara"),
        ("Telefónica, S.L.", "telefonica"),
        ("Unilever N.V.", "unilever"),
        ("Philips B.V.", "philips"),
        ("Ferrari S.p.A.", "ferrari"),
        ("Barilla S.r.l.", "barilla"),
        ("H&M Hennes & Mauritz AB", "h and m hennes and mauritz"),
        ("AG", "ag"),
        ("GmbH & Co. KG", "gmbh"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_company(raw: str | None, expected: str) -> None:
    actual = normalize_company(raw)

    assert actual == expected


def test_spellings_of_one_company_normalise_alike() -> None:
    spellings = [
        "Müller & Söhne GmbH",
        "MUELLER UND SOEHNE GMBH",
        "Müller und Söhne",
        "Müller & Söhne GmbH & Co. KG",
    ]

    actual = {normalize_company(spelling) for spelling in spellings}

    assert actual == {"mueller and soehne"}


company_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüşçğı .,&+-()", max_size=40)


@given(st.text())
def test_normalized_company_is_folded(raw: str) -> None:
    actual = normalize_company(raw)

    assert re.match(r"^([a-z0-9]+( [a-z0-9]+)*)?$", actual)


@given(st.text())
def test_normalize_company_is_idempotent(raw: str) -> None:
    once = normalize_company(raw)

    assert normalize_company(once) == once


@given(company_text)
def test_normalize_company_ignores_case(raw: str) -> None:
    actual = normalize_company(raw.upper())

    assert actual == normalize_company(raw)
