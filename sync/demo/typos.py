"""Typing mistakes as they happen on a real keyboard: neighbouring keys, swaps, drops, doubles."""

from __future__ import annotations

import random
from functools import cache

from sync.demo.names import Country, below, one_of

# Letter rows of the keyboards people type on: German QWERTZ, British QWERTY, Turkish Q.
_LAYOUTS = {
    "qwertz": ("1234567890ß", "qwertzuiopü", "asdfghjklöä", "yxcvbnm"),
    "qwerty": ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"),
    "turkish_q": ("1234567890", "qwertyuıopğü", "asdfghjklşi", "zxcvbnmöç"),
}
_LAYOUT_OF_COUNTRY = {
    Country.DE: "qwertz",
    Country.AT: "qwertz",
    Country.CH: "qwertz",
    Country.TR: "turkish_q",
    Country.GB: "qwerty",
}


@cache
def _neighbours(layout: str) -> dict[str, str]:
    """Each key's neighbours: left and right, and the keys touching it in the rows around."""
    rows = _LAYOUTS[layout]
    near: dict[str, str] = {}
    for r, row in enumerate(rows):
        for i, key in enumerate(row):
            spots = [(r, i - 1), (r, i + 1), (r - 1, i), (r - 1, i + 1), (r + 1, i - 1), (r + 1, i)]
            near[key] = "".join(
                rows[rr][ii] for rr, ii in spots if 0 <= rr < len(rows) and 0 <= ii < len(rows[rr])
            )
    return near


def _substitute(rng: random.Random, text: str, i: int, layout: str) -> str:
    char = text[i]
    options = _neighbours(layout).get(char.lower())
    if not options:
        return text[:i] + text[i + 1 :]
    wrong = one_of(rng, options)
    if char.isupper() and len(wrong.upper()) == 1:  # ß has no one-letter capital
        wrong = wrong.upper()
    return text[:i] + wrong + text[i + 1 :]


def typo(rng: random.Random, text: str, country: Country) -> str:
    """``text`` with one typing mistake; unchanged only when it is too short to get one."""
    if len(text) < 3:
        return text
    layout = _LAYOUT_OF_COUNTRY[country]
    for _ in range(6):
        i, roll = below(rng, len(text)), rng.random()
        if roll < 0.4:
            result = _substitute(rng, text, i, layout)
        elif roll < 0.65:
            i = min(i, len(text) - 2)
            result = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        elif roll < 0.85:
            result = text[:i] + text[i + 1 :]
        else:
            result = text[:i] + text[i] + text[i:]
        if result != text:
            return result
    return text[1:]  # six swaps of equal letters in a row: dropping one always changes the text
