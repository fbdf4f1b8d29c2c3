"""Normalisation of person names into folded first name, last name, particles and title."""

from __future__ import annotations

from dataclasses import dataclass

from sync.identity.normalize.text import fold


@dataclass(frozen=True)
class PersonName:
    """A folded person name; every field is lower-case ASCII words or ``""``."""

    first: str
    last: str
    particles: str
    title: str


# Titles and salutations that open a name field, as folded words ("Dipl.-Ing." -> "dipl ing").
# Academic modifiers ("med", "rer nat", "phil") count only after "dr", since "Phil" is a name.
_LEADING_TITLES: frozenset[tuple[str, ...]] = frozenset(
    tuple(title.split())
    for title in (
        "dr",
        "doktor",
        "dr med",
        "dr med dent",
        "dr med vet",
        "dr rer nat",
        "dr rer pol",
        "dr phil",
        "dr jur",
        "dr iur",
        "dr ing",
        "dr oec",
        "dr h c",
        "dr habil",
        "prof",
        "professor",
        "priv doz",
        "pd",
        "doz",
        "dipl",
        "dipl ing",
        "dipl kfm",
        "dipl kffr",
        "dipl inf",
        "dipl psych",
        "dipl oec",
        "ing",
        "mag",
        "herr",
        "hr",
        "frau",
        "fr",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "sir",
        "dame",
        "lady",
        "lord",
        "rev",
        "revd",
        "sayin",
        "sn",
        "av",
        "op",
        "doc",
        "uzm",
        "muh",
        "mueh",
    )
)
_MAX_TITLE_WORDS = 3

# Honorifics and suffixes that close a name field: Turkish "Ahmet Bey", "Ayşe Hanım", "Jr.".
_TRAILING_TITLES = frozenset(
    {"bey", "hanim", "efendi", "jr", "jun", "junior", "sr", "sen", "senior", "ii", "iii", "iv"}
    | {"phd", "mba", "msc", "bsc", "md", "esq"}
)

_PARTICLES = frozenset(
    {"von", "van", "vom", "zu", "zum", "zur", "ter", "ten", "te", "der", "den", "des", "de"}
    | {"del", "della", "delle", "dei", "degli", "di", "da", "das", "dos", "du", "la", "le"}
    | {"lo", "el", "al", "bin", "bint", "ibn", "ben"}
)
# Particles that are never a first name, so may open a name or close a first-name field
# ("Al Pacino" and "Ben Miller" keep their first names).
_SURNAME_ONLY_PARTICLES = frozenset(
    {"von", "van", "vom", "zu", "zum", "zur", "ter", "ten", "der", "den", "des", "de"}
    | {"del", "della", "di", "da", "dos", "das", "du"}
)


def normalize_person_name(first: str | None, last: str | None) -> PersonName:
    """Fold a first and last name, separating titles and particles.

    "Dr. Hans-Peter" + "von Müller" gives first "hans peter", last "mueller", particles "von",
    title "dr". When only one field is filled, it is read as a full name: "Müller, Hans" as
    last-comma-first, otherwise first names then the last name ("Ludwig van Beethoven"); a
    hyphenated name is one name ("Müller-Lüdenscheidt" stays a last name), and a single name
    stays in the field it was given in. The last word of a last-name field is kept even if it
    is a title word ("Trude" + "Herr").
    """
    first_units, last_units = _units(first), _units(last)
    if not first_units or not last_units:
        if first_units:
            return _from_full_name(first or "", lone_name_is_first=True)
        return _from_full_name(last or "", lone_name_is_first=False)
    titles: list[str] = []
    first_units = _strip_titles(first_units, titles, keep_last_word=False)
    last_units = _strip_titles(last_units, titles, keep_last_word=True)
    particles, last_units = _leading_particles(last_units)
    first_units, moved = _trailing_first_particles(first_units)
    return PersonName(
        first=_join(first_units),
        last=_join(last_units),
        particles=_join(moved + particles),
        title=" ".join(titles),
    )


def name_tokens(name: PersonName) -> tuple[str, ...]:
    """The words of first and last name, sorted, so swapped fields compare equal."""
    return tuple(sorted(name.first.split() + name.last.split()))


def is_swapped(a: PersonName, b: PersonName) -> bool:
    """True if ``b`` has ``a``'s first name as last name and ``a``'s last name as first name."""
    return bool(a.first and a.last) and a.first != a.last and (a.first, a.last) == (b.last, b.first)


# A name unit is one whitespace-separated word of the input, folded: "Hans-Peter" is the unit
# ["hans", "peter"]. Particles are always units of one word; a full name splits between units.
_Unit = list[str]


def _units(raw: str | None) -> list[_Unit]:
    return [unit for word in (raw or "").split() if (unit := fold(word).split())]


def _join(units: list[_Unit]) -> str:
    return " ".join(word for unit in units for word in unit)


def _from_full_name(raw: str, *, lone_name_is_first: bool) -> PersonName:
    if "," in raw:
        last, _, first = raw.partition(",")
        if fold(first) and fold(last):
            return normalize_person_name(first, last)
    titles: list[str] = []
    units = _strip_titles(_units(raw), titles, keep_last_word=True)
    if len(units) == 1 and lone_name_is_first:  # a first name alone ("Hans") stays one
        return PersonName(first=_join(units), last="", particles="", title=" ".join(titles))
    split_at = _surname_start(units)
    first_units = _strip_titles(units[:split_at], titles, keep_last_word=False)
    return PersonName(
        first=_join(first_units),
        last=_join(units[-1:]),
        particles=_join(units[split_at:-1]),
        title=" ".join(titles),
    )


def _surname_start(units: list[_Unit]) -> int:
    """Index of the first unit of the last name with its particles, in a full name."""
    start = len(units) - 1
    while start > 0 and _is_particle_at(units, start - 1):
        start -= 1
    return max(start, 0)


def _is_particle_at(units: list[_Unit], index: int) -> bool:
    word = _single_word(units[index])
    if word == "und":  # "von und zu"
        return index > 0 and _single_word(units[index - 1]) in _PARTICLES
    if index == 0:  # "Al Pacino", "Ben Miller": a name can open with "al" or "ben"
        return word in _SURNAME_ONLY_PARTICLES
    return word in _PARTICLES


def _single_word(unit: _Unit) -> str:
    return unit[0] if len(unit) == 1 else ""


def _strip_titles(units: list[_Unit], titles: list[str], *, keep_last_word: bool) -> list[_Unit]:
    """Remove leading and trailing title words, appending them to ``titles``."""
    located = [(number, word) for number, unit in enumerate(units) for word in unit]
    words = [word for _, word in located]
    start, end = 0, len(words)
    while start < end and (length := _leading_title_length(words[start:end])):
        start += length
    while start < end and words[end - 1] in _TRAILING_TITLES:
        end -= 1
    if keep_last_word and units and start >= end:  # "Frau Herr": the last word is the name
        start, end = len(words) - len(units[-1]), len(words)
    titles.extend(words[:start] + words[end:])
    kept: dict[int, _Unit] = {}
    for number, word in located[start:end]:
        kept.setdefault(number, []).append(word)
    return list(kept.values())


def _leading_title_length(words: list[str]) -> int:
    """Length of the longest title opening ``words``, preferring one that leaves a word.

    "Dr. Phil" + "Collins" keeps the first name "phil"; "Dr. phil. Anna" drops "dr phil".
    """
    matches = [
        length
        for length in range(min(_MAX_TITLE_WORDS, len(words)), 0, -1)
        if tuple(words[:length]) in _LEADING_TITLES
    ]
    leaving_a_word = [length for length in matches if length < len(words)]
    return (leaving_a_word or matches or [0])[0]


def _leading_particles(units: list[_Unit]) -> tuple[list[_Unit], list[_Unit]]:
    """Split particles off the front of a last name, always leaving one unit."""
    count = 0
    while count < len(units) - 1 and (
        _single_word(units[count]) in _PARTICLES
        or (_single_word(units[count]) == "und" and count > 0)
    ):
        count += 1
    return units[:count], units[count:]


def _trailing_first_particles(units: list[_Unit]) -> tuple[list[_Unit], list[_Unit]]:
    """Move particles typed at the end of the first-name field ("Ludwig van") out of it."""
    start = len(units)
    while start > 0 and (
        _single_word(units[start - 1]) in _SURNAME_ONLY_PARTICLES
        or (
            _single_word(units[start - 1]) == "und"
            and start > 1
            and _single_word(units[start - 2]) in _PARTICLES
        )
    ):
        start -= 1
    return units[:start], units[start:]
