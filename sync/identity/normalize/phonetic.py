"""Phonetic codes of names: Kölner Phonetik for German spellings, Double Metaphone for others."""

from __future__ import annotations

import re

from sync.identity.normalize.double_metaphone import double_metaphone
from sync.identity.normalize.text import fold

__all__ = ["cologne_phonetic", "double_metaphone"]

# Kölner Phonetik (Postel 1969): letters whose code does not depend on their neighbours.
_FIXED_CODES = {
    **dict.fromkeys("aeijouy", "0"),
    "h": "",
    "b": "1",
    **dict.fromkeys("fvw", "3"),
    **dict.fromkeys("gkq", "4"),
    "l": "5",
    **dict.fromkeys("mn", "6"),
    "r": "7",
    **dict.fromkeys("sz", "8"),
}
_NON_LETTERS = re.compile(r"[^a-z]")
_REPEATS = re.compile(r"(.)\1+")


def cologne_phonetic(word: str) -> str:
    """Kölner Phonetik code of ``word``: "Müller" and "Mueller" and "Möller" give "657".

    The word is folded first (ä→ae, ß→ss, ç→c …); anything but letters is ignored, so
    "Müller-Lüdenscheidt" is coded as one word ("65752682"). Empty input gives "".
    """
    letters = _NON_LETTERS.sub("", fold(word))
    raw = "".join(_cologne_digit(letters, index) for index in range(len(letters)))
    collapsed = _REPEATS.sub(r"\1", raw)
    return collapsed[:1] + collapsed[1:].replace("0", "")


def _cologne_digit(letters: str, index: int) -> str:
    letter = letters[index]
    if letter in _FIXED_CODES:
        return _FIXED_CODES[letter]
    before = letters[index - 1] if index > 0 else ""
    after = letters[index + 1] if index + 1 < len(letters) else ""
    if letter == "p":
        return "3" if after == "h" else "1"
    if letter in "dt":
        return "8" if after and after in "csz" else "2"
    if letter == "x":
        return "8" if before and before in "ckq" else "48"
    return _cologne_c(before, after, is_initial=index == 0)


def _cologne_c(before: str, after: str, *, is_initial: bool) -> str:
    if is_initial:
        return "4" if after and after in "ahkloqrux" else "8"
    if before and before in "sz":
        return "8"
    return "4" if after and after in "ahkoqux" else "8"
