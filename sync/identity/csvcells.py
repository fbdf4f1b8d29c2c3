"""CSV that a spreadsheet will not execute: every cell quoted, formula-like text neutralised.

OWASP's rule against CSV injection: a text cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is prefixed with a single quote, so that Excel, LibreOffice and
Google Sheets show it as text instead of running it as a formula. The rule is applied to all
such text, including a phone number such as ``+49 30 1234`` (which then reads
``'+49 30 1234``): a spreadsheet cannot tell a phone number from ``+cmd|'/C calc'!A0``, and a
guard with exceptions is one an attacker shapes a value to fit. Numbers that crmsync computes
itself (sizes, weights, probabilities) are written as numbers and never changed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """A ``csv.writer`` that quotes every cell and neutralises every text cell."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle, quoting=csv.QUOTE_ALL)

    def writerow(self, cells: Iterable[Cell]) -> None:
        self._writer.writerow([neutralise(c) if isinstance(c, str) else c for c in cells])
