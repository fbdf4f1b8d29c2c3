"""Normalisation of company names for matching: folded, legal forms and trade phrases removed."""

from __future__ import annotations

from sync.identity.normalize.text import fold

# Words for "and": "Müller & Söhne", "Müller und Söhne", "Mueller and Soehne" meet as "and".
_CONNECTORS = frozenset({"und", "and", "ve"})
_AND = "and"

# Legal forms and the trade phrases that go with them, as folded words after "&"/"und"/"ve" have
# become "and" ("GmbH & Co. KG" -> "gmbh and co kg", "A.Ş." -> "a s", "Ltd. Şti." -> "ltd sti").
_LEGAL_FORM_TEXTS = (
    # Germany, Austria, Switzerland
    "gmbh", "g m b h", "ggmbh", "mbh", "m b h", "gesmbh", "ges m b h", "a g", "k g", "o h g",
    "gesellschaft mit beschraenkter haftung",
    "ag", "aktiengesellschaft", "kg", "kommanditgesellschaft", "kgaa", "ohg", "gbr", "eg",
    "ug", "ug haftungsbeschraenkt", "ug hb", "se", "partg", "partg mbb", "mbb",
    "e k", "ek", "e kfm", "e kfr", "e v", "ev", "e g",
    "gmbh and co kg", "gmbh and co kgaa", "gmbh and co ohg", "gmbh co kg", "ag and co kg",
    "se and co kg", "ug haftungsbeschraenkt and co kg", "co kg", "and co kg", "and co", "and cie",
    "co", "cie",
    # United Kingdom, Ireland, United States and the Commonwealth
    "ltd", "limited", "plc", "llp", "lp", "llc", "l l c", "inc", "incorporated", "corp",
    "corporation", "company", "pty", "pty ltd", "pvt", "pvt ltd", "private limited",
    "pte", "pte ltd", "sdn bhd", "bhd",
    # Türkiye
    "a s", "as", "anonim sirketi", "ltd sti", "limited sirketi", "ltd sirketi", "sti",
    "sirketi", "koll sti", "kom sti", "tic", "ticaret", "san", "sanayi", "tic and san",
    "san and tic", "sanayi and ticaret", "ticaret and sanayi", "ith", "ihr", "ith ihr",
    "ithalat ihracat", "ithalat and ihracat", "tic ltd sti", "san tic ltd sti",
    # Rest of Europe
    "s a", "sa", "s l", "sl", "s a s", "sas", "s a r l", "sarl", "sagl", "s r l", "srl",
    "s p a", "spa", "b v", "bv", "n v", "nv", "bvba", "vof", "ab", "oy", "oyj", "aps",
    "asa", "kft", "sp z o o", "s r o", "sro", "ltda",
    # a connector left dangling once the legal form after it is gone ("Müller &")
    "and",
)  # fmt: skip
_LEGAL_FORMS = frozenset(tuple(text.split()) for text in _LEGAL_FORM_TEXTS)
_MAX_FORM_WORDS = max(len(form) for form in _LEGAL_FORMS)
# Words that introduce a name rather than belong to it: "Firma Müller", "Fa. Müller", "The …".
_LEADING_NOISE = frozenset({"firma", "fa", "the"})


def normalize_company(raw: str | None) -> str:
    """Fold a company name and strip legal forms from its end, for comparison only.

    "Müller & Söhne GmbH & Co. KG" gives "mueller and soehne"; "ABC Tekstil San. ve Tic.
    Ltd. Şti." gives "abc tekstil"; "Acme, Inc." gives "acme". One word always remains
    ("AG" alone stays "ag"). Deterministic and idempotent; ``None`` gives ``""``.
    """
    words = [_AND if word in _CONNECTORS else word for word in fold(_spell_and(raw)).split()]
    while len(words) > 1 and words[0] in _LEADING_NOISE:
        words = words[1:]
    while length := _legal_suffix_length(words):
        words = words[:-length]
    return " ".join(words)


def _spell_and(raw: str | None) -> str:
    return (raw or "").replace("&", " and ").replace("+", " and ")


def _legal_suffix_length(words: list[str]) -> int:
    """Word count of the longest legal form that ends ``words`` and leaves a word before it."""
    for length in range(min(_MAX_FORM_WORDS, len(words) - 1), 0, -1):
        if tuple(words[-length:]) in _LEGAL_FORMS:
            return length
    return 0
