"""Folding of free text to a plain lower-case ASCII form that spelling variants share."""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into base letter + mark, or that German and Turkish
# spell out as two letters. Applied after NFKC and before casefold, so both cases are listed:
# casefold("İ") would otherwise give "i" plus a combining dot above.
_TRANSLITERATION = str.maketrans(
    {
        "Ä": "ae",
        "ä": "ae",
        "Ö": "oe",
        "ö": "oe",
        "Ü": "ue",
        "ü": "ue",
        "ß": "ss",
        "ẞ": "ss",
        "Ç": "c",
        "ç": "c",
        "Ğ": "g",
        "ğ": "g",
        "İ": "i",
        "I": "i",
        "ı": "i",
        "Ş": "s",
        "ş": "s",
        "Æ": "ae",
        "æ": "ae",
        "Œ": "oe",
        "œ": "oe",
        "Ø": "o",
        "ø": "o",
        "Ł": "l",
        "ł": "l",
        "Đ": "d",
        "đ": "d",
        "Ð": "d",
        "ð": "d",
        "Þ": "th",
        "þ": "th",
        "Ħ": "h",
        "ħ": "h",
        "ŀ": "l",
        "Ŀ": "l",
    }
)

# The loose variant drops the German umlaut spelling, so "Müller", "Mueller" and "Muller" meet.
_LOOSE_TRANSLITERATION = str.maketrans({"Ä": "a", "ä": "a", "Ö": "o", "ö": "o", "Ü": "u", "ü": "u"})

# Apostrophes join rather than separate: "O'Brien" and "OBrien", "D'Angelo" and "DAngelo" are
# the same name, and Turkish writes suffixes after one ("İstanbul'da").
_APOSTROPHES = re.compile(r"['’ʼ`´‘]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# The Unicode blocks of combining diacritical marks, which NFKD splits off Latin letters.
# Marks of other scripts need no removal: their letters become word breaks anyway.
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# "e" after a, o or u is the spelled-out umlaut; "+" keeps the rewrite idempotent ("uee" -> "u").
_UMLAUT_SPELLING = re.compile(r"([aou])e+")


def fold(text: str | None) -> str:
    """Fold text to lower-case ASCII words separated by single spaces.

    NFKC, German and Turkish transliteration (ä→ae, ß→ss, ç→c, ğ→g, ı/İ→i, ş→s), casefold,
    other diacritics stripped (é→e, ñ→n), apostrophes removed, every other non-alphanumeric
    character a word break. Letters of scripts without a Latin decomposition are dropped.
    Deterministic and idempotent; ``None`` gives ``""``.
    """
    if not text:
        return ""
    return _fold_with(text, _TRANSLITERATION)


def fold_loose(text: str | None) -> str:
    """Fold like :func:`fold`, but map umlauts and their spelled-out forms to the bare vowel.

    "Müller", "Mueller" and "Muller" all give "muller"; "Öztürk" and "Ozturk" give "ozturk".
    Any "ae", "oe", "ue" is treated as an umlaut spelling, on both sides of a comparison alike.
    """
    if not text:
        return ""
    loose = _fold_with(
        unicodedata.normalize("NFKC", text).translate(_LOOSE_TRANSLITERATION), _TRANSLITERATION
    )
    return _UMLAUT_SPELLING.sub(r"\1", loose)


def tokens(text: str | None) -> tuple[str, ...]:
    """The words of :func:`fold` applied to ``text``, in order."""
    return tuple(fold(text).split())


def _fold_with(text: str, table: dict[int, str]) -> str:
    if text.isascii():  # the common case; NFKC, the table and diacritics change nothing here
        return _NOT_ALNUM.sub(" ", _APOSTROPHES.sub("", text.lower())).strip()
    composed = unicodedata.normalize("NFKC", text).translate(table).casefold()
    decomposed = unicodedata.normalize("NFKD", composed).translate(table)
    bare = _COMBINING_MARKS.sub("", decomposed)
    joined = _APOSTROPHES.sub("", bare)
    return _NOT_ALNUM.sub(" ", joined).strip()
