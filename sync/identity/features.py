"""Derived features of single normalised values (phonetic codes, e-mail local parts, …).

Each function maps one value to a derived value or ``None`` and is applied once per distinct
value of a column, so they may be as slow as clarity needs.
"""

from __future__ import annotations

from sync.identity import normalize as nz


def kolner(name: str) -> str | None:
    """Kölner Phonetik of each word of a name, joined: robust to German spelling variants."""
    codes = [nz.cologne_phonetic(word) for word in name.split()]
    return " ".join(c for c in codes if c) or None


def metaphone(name: str) -> str | None:
    """Primary Double Metaphone of each word: the phonetic key that suits English and Turkish."""
    codes = [nz.double_metaphone(word)[0] for word in name.split()]
    return " ".join(c for c in codes if c) or None


def initial(name: str) -> str | None:
    return name[:1] or None


def head3(name: str) -> str | None:
    """The first three letters of a name of four or more: 'ben' of 'benny' and 'benjamin'."""
    return name[:3] if len(name) >= 4 else None


def surname_head(name: str) -> str | None:
    """The first word of a (possibly double) surname: 'yilmaz' of 'yilmaz schmidt'."""
    words = name.split()
    return words[0] if words else None


def email_local(email: str) -> str | None:
    return nz.email_parts(email)[0] or None


def phone_tail(phone: str) -> str | None:
    """The last eight digits: the subscriber number, whatever prefix a system stored."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-8:] if len(digits) >= 8 else None


def birth_year(birthday: str) -> str | None:
    return birthday[:4] if len(birthday) == 8 else None


def transposed_date(birthday: str) -> str | None:
    """``YYYYDDMM`` of a ``YYYYMMDD`` date: the US/European day-month mix-up."""
    if len(birthday) != 8 or birthday[4:6] == birthday[6:]:
        return None
    return birthday[:4] + birthday[6:] + birthday[4:6]


def street_key(street: str) -> str | None:
    """Kölner Phonetik of the street's words: 'Hauptstr.' and 'Hauptstrasse' agree."""
    return kolner(street)
