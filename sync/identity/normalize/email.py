"""Normalisation of e-mail addresses to one comparable form, with opt-in provider rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import email_validator


@dataclass(frozen=True)
class EmailRules:
    """Provider rules applied after validation; the default applies none.

    ``strip_dots_domains``: domains whose mailboxes ignore dots in the local part (Gmail).
    ``strip_plus_tags``: drop a ``+tag`` suffix of the local part, for every domain.
    ``domain_aliases``: (alias, canonical) pairs of domains that deliver to the same mailbox.
    """

    strip_dots_domains: frozenset[str] = frozenset()
    strip_plus_tags: bool = False
    domain_aliases: tuple[tuple[str, str], ...] = field(default=())


GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

# Google documents that dots do not matter, that "+anything" reaches the same inbox, and that
# googlemail.com and gmail.com are one mailbox. Off by default: a user switches it on in config.
GMAIL_RULES = EmailRules(
    strip_dots_domains=GMAIL_DOMAINS,
    strip_plus_tags=True,
    domain_aliases=(("googlemail.com", "gmail.com"),),
)

_NO_RULES = EmailRules()


def normalize_email(raw: str | None, rules: EmailRules = _NO_RULES) -> str | None:
    """Return ``local@domain`` trimmed and lower-cased, or ``None`` if ``raw`` is not an address.

    The domain is given in its ASCII (IDNA "xn--") form, so "müller.de" and "xn--mller-kva.de"
    agree. Syntax only: no DNS look-up. Never raises. Idempotent for any ``rules``.
    """
    if raw is None:
        return None
    plain = _plain_parts(raw.strip().lower())
    if plain is not None:
        local, domain = plain
    else:
        try:
            valid = email_validator.validate_email(raw.strip(), check_deliverability=False)
        except email_validator.EmailNotValidError:
            return None
        local, domain = valid.local_part.lower(), valid.ascii_domain.lower()
    domain = _canonical_domain(domain, rules)
    return f"{_apply_local_rules(local, domain, rules)}@{domain}"


# The everyday ASCII address, which email-validator would return unchanged but lower-cased;
# checking it here spares the validator's ~80 µs on the hot path of every sync.
_PLAIN = re.compile(
    r"^([a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24}))$"
)
_SPECIAL_TLDS = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)


def _plain_parts(lowered: str) -> tuple[str, str] | None:
    match = _PLAIN.match(lowered)
    if match is None or len(match.group(1)) > 64 or len(match.group(2)) > 253:
        return None
    domain = match.group(2)
    # "--" in a label's third and fourth place is reserved (IDNA): the validator decides.
    if match.group(3) in _SPECIAL_TLDS or any(x[2:4] == "--" for x in domain.split(".")):
        return None
    return match.group(1), domain


def email_parts(normalized: str) -> tuple[str, str]:
    """Split a normalised address into ``(local_part, domain)``.

    Raises ``ValueError`` if there is no "@" (the argument was not normalised).
    """
    local, at, domain = normalized.rpartition("@")
    if not at:
        raise ValueError("not a normalised e-mail address: no '@'")
    return local, domain


def _canonical_domain(domain: str, rules: EmailRules) -> str:
    for alias, canonical in rules.domain_aliases:
        if domain == alias:
            return canonical
    return domain


def _apply_local_rules(local: str, domain: str, rules: EmailRules) -> str:
    if rules.strip_plus_tags:
        untagged = local.split("+", 1)[0]
        local = untagged or local
    if domain in rules.strip_dots_domains:
        undotted = local.replace(".", "")
        local = undotted or local
    return local
