"""Every CSV cell crmsync writes is quoted, and text that a spreadsheet would run as a formula
starts with a single quote (OWASP's guard against CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from sync.identity.csvcells import SafeWriter, neutralise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+49 30 1234", "'+49 30 1234"),  # a phone number too: see the module's docstring
        ("Anna", "Anna"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_starts_are_neutralised(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_every_cell_is_quoted_and_numbers_stay_numbers() -> None:
    out = io.StringIO()

    SafeWriter(out).writerow(['=HYPERLINK("http://x.example")', -3.25, 7, "crm"])

    assert out.getvalue() == '"\'=HYPERLINK(""http://x.example"")","-3.25","7","crm"\r\n'
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [
        '\'=HYPERLINK("http://x.example")',
        "-3.25",
        "7",
        "crm",
    ]
