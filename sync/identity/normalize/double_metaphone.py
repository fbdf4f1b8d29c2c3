"""Double Metaphone phonetic codes (Lawrence Philips, C/C++ Users Journal, June 2000).

Implemented from the published rules, one handler per letter; the comments name the example
words Philips gives for each rule. The module is longer than 400 lines because the algorithm
is one table of special cases that reads best in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sync.identity.normalize.text import fold

_VOWELS = frozenset("AEIOUY")
_SILENT_STARTS = ("GN", "KN", "PN", "WR", "PS")
_GERMANIC_STARTS = ("VAN ", "VON ")


@dataclass(frozen=True)
class _Word:
    text: str
    is_slavo_germanic: bool

    @property
    def last(self) -> int:
        return len(self.text) - 1

    def at(self, index: int) -> str:
        return self.text[index] if 0 <= index < len(self.text) else ""

    def has(self, start: int, *options: str) -> bool:
        """True if one of ``options`` (all of one length) starts at ``start``."""
        end = start + len(options[0])
        return start >= 0 and end <= len(self.text) and self.text[start:end] in options

    def is_vowel(self, index: int) -> bool:
        return self.at(index) in _VOWELS

    def is_germanic(self) -> bool:
        return self.has(0, *_GERMANIC_STARTS) or self.has(0, "SCH")


@dataclass
class _Code:
    primary: list[str] = field(default_factory=list)
    secondary: list[str] = field(default_factory=list)

    def add(self, main: str, alternate: str | None = None) -> None:
        """Append ``main`` to both codes, or ``alternate`` to the secondary if one is given."""
        self.primary.append(main)
        self.secondary.append(main if alternate is None else alternate)

    def is_complete(self, length: int) -> bool:
        return len("".join(self.primary)) >= length and len("".join(self.secondary)) >= length


Handler = Callable[[_Word, int, _Code], int]


def double_metaphone(word: str, max_length: int = 4) -> tuple[str, str]:
    """Primary and secondary Double Metaphone codes of ``word``, each at most ``max_length``.

    The word is folded first (ä→ae, ç→c …). Where the algorithm knows no alternative
    pronunciation the secondary code equals the primary, so two words sound alike when any
    code of one equals any code of the other. Empty input gives ``("", "")``.
    """
    text = fold(word).upper()
    slavo_germanic = any(marker in text for marker in ("W", "K", "CZ", "WITZ"))
    spelled = _Word(text=text, is_slavo_germanic=slavo_germanic)
    code = _Code()
    index = 1 if spelled.has(0, *_SILENT_STARTS) else 0
    while index < len(text) and not code.is_complete(max_length):
        index = _HANDLERS.get(text[index], _skip)(spelled, index, code)
    return "".join(code.primary)[:max_length], "".join(code.secondary)[:max_length]


def _skip(word: _Word, index: int, code: _Code) -> int:
    return index + 1


def _simple(sound: str, letter: str) -> Handler:
    """A letter that always sounds ``sound``; doubled, it is read once."""

    def handle(word: _Word, index: int, code: _Code) -> int:
        code.add(sound)
        return index + 2 if word.at(index + 1) == letter else index + 1

    return handle


def _vowel(word: _Word, index: int, code: _Code) -> int:
    if index == 0:  # only an initial vowel is coded, always as "A"
        code.add("A")
    return index + 1


def _b(word: _Word, index: int, code: _Code) -> int:
    code.add("P")  # "-mb" as in "dumb" is handled at M
    return index + 2 if word.at(index + 1) == "B" else index + 1


def _c(word: _Word, index: int, code: _Code) -> int:
    if _is_germanic_ach(word, index):  # "bacher", "macher", "chianti"
        code.add("K")
        return index + 2
    if index == 0 and word.has(index, "CAESAR"):
        code.add("S")
        return index + 2
    if word.has(index, "CH"):
        return _ch(word, index, code)
    if word.has(index, "CZ") and not word.has(index - 2, "WICZ"):  # "Czerny"
        code.add("S", "X")
        return index + 2
    if word.has(index + 1, "CIA"):  # "focaccia"
        code.add("X")
        return index + 3
    if word.has(index, "CC") and not (index == 1 and word.at(0) == "M"):  # not "McClelland"
        return _cc(word, index, code)
    if word.has(index, "CK", "CG", "CQ"):
        code.add("K")
        return index + 2
    if word.has(index, "CI", "CE", "CY"):  # Italian vs. English
        code.add("S", "X" if word.has(index, "CIO", "CIE", "CIA") else None)
        return index + 2
    code.add("K")
    if word.has(index + 1, " C", " Q", " G"):  # "Mac Caffrey", "Mac Gregor"
        return index + 3
    if word.has(index + 1, "C", "K", "Q") and not word.has(index + 1, "CE", "CI"):
        return index + 2
    return index + 1


def _is_germanic_ach(word: _Word, index: int) -> bool:
    if word.has(index, "CHIA"):
        return True
    if index <= 1 or word.is_vowel(index - 2) or not word.has(index - 1, "ACH"):
        return False
    after = word.at(index + 2)
    return after not in ("I", "E") or word.has(index - 2, "BACHER", "MACHER")


def _ch(word: _Word, index: int, code: _Code) -> int:
    if index > 0 and word.has(index, "CHAE"):  # "Michael"
        code.add("K", "X")
    elif _is_greek_ch(word, index) or _is_hard_ch(word, index):
        code.add("K")
    elif index == 0:
        code.add("X")
    elif word.has(0, "MC"):  # "McHugh"
        code.add("K")
    else:
        code.add("X", "K")
    return index + 2


def _is_greek_ch(word: _Word, index: int) -> bool:
    """Initial "ch" of Greek roots: "character", "charisma", "chorus", "chemistry"."""
    return (
        index == 0
        and (word.has(1, "HARAC", "HARIS") or word.has(1, "HOR", "HYM", "HIA", "HEM"))
        and not word.has(0, "CHORE")
    )


def _is_hard_ch(word: _Word, index: int) -> bool:
    """Germanic, Greek or otherwise "ch" for a "kh" sound: "Bach", "orchestra", "architect"."""
    if word.is_germanic() or word.has(index - 2, "ORCHES", "ARCHIT", "ORCHID"):
        return True
    if word.has(index + 2, "T", "S"):  # "wachtler", "wechsler"
        return True
    before_ok = index == 0 or word.has(index - 1, "A", "O", "U", "E")
    after_ok = word.has(index + 2, *"LRNMBHFVW ") or index + 1 == word.last
    return before_ok and after_ok  # "Achtung", "Loch"


def _cc(word: _Word, index: int, code: _Code) -> int:
    if word.has(index + 2, "I", "E", "H") and not word.has(index + 2, "HU"):  # "bellocchio"
        if (index == 1 and word.at(0) == "A") or word.has(index - 1, "UCCEE", "UCCES"):
            code.add("KS")  # "accident", "accede", "succeed"
        else:
            code.add("X")  # "bacci", "bertucci"
        return index + 3
    code.add("K")  # Pierce's rule
    return index + 2


def _d(word: _Word, index: int, code: _Code) -> int:
    if word.has(index, "DG"):
        if word.has(index + 2, "I", "E", "Y"):  # "edge"
            code.add("J")
            return index + 3
        code.add("TK")  # "Edgar"
        return index + 2
    code.add("T")
    return index + 2 if word.has(index, "DT", "DD") else index + 1


def _g(word: _Word, index: int, code: _Code) -> int:
    after = word.at(index + 1)
    if after == "H":
        return _gh(word, index, code)
    if after == "N":
        _gn(word, index, code)
        return index + 2
    if word.has(index + 1, "LI") and not word.is_slavo_germanic:  # "tagliaro"
        code.add("KL", "L")
        return index + 2
    initial_soft = ("ES", "EP", "EB", "EL", "EY", "IB", "IL", "IN", "IE", "EI", "ER")
    if index == 0 and (after == "Y" or word.has(index + 1, *initial_soft)):
        code.add("K", "J")
        return index + 2
    if _is_ger_or_gy(word, index):
        code.add("K", "J")
        return index + 2
    if word.has(index + 1, "E", "I", "Y") or word.has(index - 1, "AGGI", "OGGI"):
        _soft_g(word, index, code)
        return index + 2
    code.add("K")
    return index + 2 if after == "G" else index + 1


def _gn(word: _Word, index: int, code: _Code) -> None:
    if index == 1 and word.is_vowel(0) and not word.is_slavo_germanic:
        code.add("KN", "N")
    elif not word.has(index + 2, "EY") and not word.is_slavo_germanic:  # not "cagney"
        code.add("N", "KN")
    else:
        code.add("KN")


def _is_ger_or_gy(word: _Word, index: int) -> bool:
    """-ger-, -gy- read "k" or "j", except "danger", "ranger", "manger", "-rgy", "-ogy"."""
    return (
        (word.has(index + 1, "ER") or word.at(index + 1) == "Y")
        and not word.has(0, "DANGER", "RANGER", "MANGER")
        and not word.has(index - 1, "E", "I")
        and not word.has(index - 1, "RGY", "OGY")
    )


def _soft_g(word: _Word, index: int, code: _Code) -> None:
    if word.is_germanic() or word.has(index + 1, "ET"):  # obvious Germanic
        code.add("K")
    elif word.has(index + 1, "IER") and word.at(index + 4) in ("", " "):  # French ending
        code.add("J")
    else:
        code.add("J", "K")


def _gh(word: _Word, index: int, code: _Code) -> int:
    if index > 0 and not word.is_vowel(index - 1):
        code.add("K")
    elif index == 0:  # "ghislane", "ghiradelli"
        code.add("J" if word.at(index + 2) == "I" else "K")
    elif (
        (index > 1 and word.has(index - 2, "B", "H", "D"))  # Parker's rule: "hugh"
        or (index > 2 and word.has(index - 3, "B", "H", "D"))  # "bough"
        or (index > 3 and word.has(index - 4, "B", "H"))  # "broughton"
    ):
        pass
    elif index > 2 and word.at(index - 1) == "U" and word.has(index - 3, "C", "G", "L", "R", "T"):
        code.add("F")  # "laugh", "McLaughlin", "cough", "gough", "rough", "tough"
    elif index > 0 and word.at(index - 1) != "I":
        code.add("K")
    return index + 2


def _h(word: _Word, index: int, code: _Code) -> int:
    if (index == 0 or word.is_vowel(index - 1)) and word.is_vowel(index + 1):
        code.add("H")  # only kept between vowels or at the start before one
        return index + 2
    return index + 1


def _j(word: _Word, index: int, code: _Code) -> int:
    if word.has(index, "JOSE") or word.has(0, "SAN "):  # obvious Spanish: "Jose", "San Jacinto"
        at_start = index == 0 and word.at(index + 4) == " "
        if at_start or len(word.text) == 4 or word.has(0, "SAN "):
            code.add("H")
        else:
            code.add("J", "H")
        return index + 1
    if index == 0:
        code.add("J", "A")  # "Yankelovich", "Jankelowicz"
    elif word.is_vowel(index - 1) and not word.is_slavo_germanic and word.has(index + 1, "A", "O"):
        code.add("J", "H")  # Spanish pronunciation of e.g. "bajador"
    elif index == word.last:
        code.add("J", "")
    elif not word.has(index + 1, *"LTKSNMBZ") and not word.has(index - 1, "S", "K", "L"):
        code.add("J")
    return index + 2 if word.at(index + 1) == "J" else index + 1


def _l(word: _Word, index: int, code: _Code) -> int:
    if word.at(index + 1) != "L":
        code.add("L")
        return index + 1
    code.add("L", "" if _is_spanish_ll(word, index) else None)
    return index + 2


def _is_spanish_ll(word: _Word, index: int) -> bool:
    """Spanish "-illo", "-illa", "-alle" endings: "cabrillo", "gallegos"."""
    if index == len(word.text) - 3 and word.has(index - 1, "ILLO", "ILLA", "ALLE"):
        return True
    spanish_end = word.has(word.last - 1, "AS", "OS") or word.has(word.last, "A", "O")
    return spanish_end and word.has(index - 1, "ALLE")


def _m(word: _Word, index: int, code: _Code) -> int:
    code.add("M")
    silent_b = word.has(index - 1, "UMB") and (
        index + 1 == word.last or word.has(index + 2, "ER")  # "dumb", "thumb"
    )
    return index + 2 if word.at(index + 1) == "M" or silent_b else index + 1


def _p(word: _Word, index: int, code: _Code) -> int:
    if word.at(index + 1) == "H":
        code.add("F")
        return index + 2
    code.add("P")  # also account for "campbell", "raspberry"
    return index + 2 if word.has(index + 1, "P", "B") else index + 1


def _r(word: _Word, index: int, code: _Code) -> int:
    french_final = (
        index == word.last
        and not word.is_slavo_germanic
        and word.has(index - 2, "IE")
        and not word.has(index - 4, "ME", "MA")
    )
    code.add("" if french_final else "R", "R")  # "Rogier" but not "Meier"
    return index + 2 if word.at(index + 1) == "R" else index + 1


def _s(word: _Word, index: int, code: _Code) -> int:
    if word.has(index - 1, "ISL", "YSL"):  # "island", "isle", "carlisle", "carlysle"
        return index + 1
    if index == 0 and word.has(index, "SUGAR"):
        code.add("X", "S")
        return index + 1
    if word.has(index, "SH"):  # Germanic "-sheim", "-sholm": "S"; otherwise "X"
        code.add("S" if word.has(index + 1, "HEIM", "HOEK", "HOLM", "HOLZ") else "X")
        return index + 2
    if word.has(index, "SIO", "SIA") or word.has(index, "SIAN"):  # Italian and Armenian
        code.add("S", None if word.is_slavo_germanic else "X")
        return index + 3
    if (index == 0 and word.has(index + 1, "M", "N", "L", "W")) or word.has(index + 1, "Z"):
        code.add("S", "X")  # "smith" matches "schmidt", "snider" matches "schneider"
        return index + 2 if word.has(index + 1, "Z") else index + 1
    if word.has(index, "SC"):
        return _sc(word, index, code)
    french_final = index == word.last and word.has(index - 2, "AI", "OI")  # "resnais", "artois"
    code.add("" if french_final else "S", "S")
    return index + 2 if word.has(index + 1, "S", "Z") else index + 1


def _sc(word: _Word, index: int, code: _Code) -> int:
    if word.at(index + 2) == "H":  # Schlesinger's rule
        if word.has(index + 3, "OO", "ER", "EN", "UY", "ED", "EM"):  # Dutch: "school"
            code.add("X" if word.has(index + 3, "ER", "EN") else "SK", "SK")  # "schenker"
        elif index == 0 and not word.is_vowel(3) and word.at(3) != "W":
            code.add("X", "S")  # "Schmidt", "Schneider"
        else:
            code.add("X")
    elif word.has(index + 2, "I", "E", "Y"):
        code.add("S")
    else:
        code.add("SK")
    return index + 3


def _t(word: _Word, index: int, code: _Code) -> int:
    if word.has(index, "TION") or word.has(index, "TIA", "TCH"):
        code.add("X")
        return index + 3
    if word.has(index, "TH") or word.has(index, "TTH"):
        special = word.has(index + 2, "OM", "AM") or word.is_germanic()  # "Thomas", "Thames"
        code.add("T" if special else "0", "T")  # "0" (zero) stands for the "th" sound
        return index + 2
    code.add("T")
    return index + 2 if word.has(index + 1, "T", "D") else index + 1


def _w(word: _Word, index: int, code: _Code) -> int:
    if word.has(index, "WR"):  # can also be in the middle of a word
        code.add("R")
        return index + 2
    if index == 0 and (word.is_vowel(index + 1) or word.has(index, "WH")):
        # "Wasserman" matches "Vasserman"; "Uomo" matches "Womo"; the rules below still apply
        code.add("A", "F" if word.is_vowel(index + 1) else None)
    if (
        (index == word.last and word.is_vowel(index - 1))
        or word.has(index - 1, "EWSKI", "EWSKY", "OWSKI", "OWSKY")
        or word.has(0, "SCH")
    ):
        code.add("", "F")  # "Arnow" matches "Arnoff"
        return index + 1
    if word.has(index, "WICZ", "WITZ"):  # Polish: "Filipowicz"
        code.add("TS", "FX")
        return index + 4
    return index + 1


def _x(word: _Word, index: int, code: _Code) -> int:
    if index == 0:  # "Xavier"
        code.add("S")
        return index + 1
    french_final = index == word.last and (
        word.has(index - 3, "IAU", "EAU") or word.has(index - 2, "AU", "OU")  # "breaux"
    )
    if not french_final:
        code.add("KS")
    return index + 2 if word.has(index + 1, "C", "X") else index + 1


def _z(word: _Word, index: int, code: _Code) -> int:
    if word.at(index + 1) == "H":  # Chinese pinyin: "Zhao"
        code.add("J")
        return index + 2
    slavic = word.has(index + 1, "ZO", "ZI", "ZA") or (
        word.is_slavo_germanic and index > 0 and word.at(index - 1) != "T"
    )
    code.add("S", "TS" if slavic else None)
    return index + 2 if word.at(index + 1) == "Z" else index + 1


_HANDLERS: dict[str, Handler] = {
    **dict.fromkeys("AEIOUY", _vowel),
    "B": _b,
    "C": _c,
    "D": _d,
    "F": _simple("F", "F"),
    "G": _g,
    "H": _h,
    "J": _j,
    "K": _simple("K", "K"),
    "L": _l,
    "M": _m,
    "N": _simple("N", "N"),
    "P": _p,
    "Q": _simple("K", "Q"),
    "R": _r,
    "S": _s,
    "T": _t,
    "V": _simple("F", "V"),
    "W": _w,
    "X": _x,
    "Z": _z,
}
