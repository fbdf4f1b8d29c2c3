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
    single word stays in the field it was given in.
    A last-name field consisting only of title words ("Herr") is kept as a name.
    """
    first_words, last_words = fold(first).split(), fold(last).split()
    if not first_words or not last_words:
        if first_words:
            return _from_full_name(first or "", lone_word_is_first=True)
        return _from_full_name(last or "", lone_word_is_first=False)
    titles: list[str] = []
    first_words = _strip_titles(first_words, titles, keep_last_word=False)
    last_words = _strip_titles(last_words, titles, keep_last_word=True)
    particles, last_words = _leading_particles(last_words)
    first_words, moved = _trailing_first_particles(first_words)
    return PersonName(
        first=" ".join(first_words),
        last=" ".join(last_words),
        particles=" ".join(moved + particles),
        title=" ".join(titles),
    )


def name_tokens(name: PersonName) -> tuple[str, ...]:
    """The words of first and last name, sorted, so swapped fields compare equal."""
    return tuple(sorted(name.first.split() + name.last.split()))


def is_swapped(a: PersonName, b: PersonName) -> bool:
    """True if ``b`` has ``a``'s first name as last name and ``a``'s last name as first name."""
    return bool(a.first and a.last) and a.first != a.last and (a.first, a.last) == (b.last, b.first)


def _from_full_name(raw: str, *, lone_word_is_first: bool) -> PersonName:
    if "," in raw:
        last, _, first = raw.partition(",")
        if first.strip() and last.strip():
            return normalize_person_name(first, last)
    titles: list[str] = []
    words = _strip_titles(fold(raw).split(), titles, keep_last_word=True)
    if len(words) == 1 and lone_word_is_first:  # a first name alone ("Hans") stays one
        return PersonName(first=words[0], last="", particles="", title=" ".join(titles))
    split_at = _surname_start(words)
    particles, last_words = _leading_particles(words[split_at:])
    return PersonName(
        first=" ".join(words[:split_at]),
        last=" ".join(last_words),
        particles=" ".join(particles),
        title=" ".join(titles),
    )


def _surname_start(words: list[str]) -> int:
    """Index where the last name (with its particles) starts in a full name."""
    start = len(words) - 1
    while start > 0 and _is_particle_before(words, start - 1):
        start -= 1
    return max(start, 0)


def _is_particle_before(words: list[str], index: int) -> bool:
    word = words[index]
    if word == "und":  # "von und zu"
        return index > 0 and words[index - 1] in _PARTICLES
    if index == 0:
        return word in _SURNAME_ONLY_PARTICLES
    return word in _PARTICLES


def _strip_titles(words: list[str], titles: list[str], *, keep_last_word: bool) -> list[str]:
    """Remove leading and trailing title words, appending them to ``titles``."""
    rest = list(words)
    found: list[str] = []
    while rest and (length := _leading_title_length(rest)):
        found.extend(rest[:length])
        rest = rest[length:]
    tail: list[str] = []
    while rest and rest[-1] in _TRAILING_TITLES:
        tail.insert(0, rest.pop())
    if keep_last_word and not rest and words:
        return list(words)
    titles.extend(found + tail)
    return rest


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


def _leading_particles(words: list[str]) -> tuple[list[str], list[str]]:
    """Split particles off the front of a last name, always leaving one word."""
    count = 0
    while count < len(words) - 1 and (
        words[count] in _PARTICLES or (words[count] == "und" and count > 0)
    ):
        count += 1
    return words[:count], words[count:]


def _trailing_first_particles(words: list[str]) -> tuple[list[str], list[str]]:
    """Move particles typed at the end of the first-name field ("Ludwig van") out of it."""
    start = len(words)
    while start > 0 and (
        words[start - 1] in _SURNAME_ONLY_PARTICLES
        or (words[start - 1] == "und" and start > 1 and words[start - 2] in _PARTICLES)
    ):
        start -= 1
    return words[:start], words[start:]
