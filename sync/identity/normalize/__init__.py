"""Pure normalisation of customer fields into forms that spelling variants share."""

from __future__ import annotations

from sync.identity.normalize.address import Address, normalize_address, normalize_postcode
from sync.identity.normalize.company import normalize_company
from sync.identity.normalize.country import normalize_country
from sync.identity.normalize.domain import is_freemail_domain, normalize_domain
from sync.identity.normalize.email import GMAIL_RULES, EmailRules, email_parts, normalize_email
from sync.identity.normalize.names import (
    PersonName,
    is_swapped,
    name_tokens,
    normalize_person_name,
)
from sync.identity.normalize.phone import normalize_phone
from sync.identity.normalize.phonetic import cologne_phonetic, double_metaphone
from sync.identity.normalize.text import fold, fold_loose, tokens

__all__ = [
    "GMAIL_RULES",
    "Address",
    "EmailRules",
    "PersonName",
    "cologne_phonetic",
    "double_metaphone",
    "email_parts",
    "fold",
    "fold_loose",
    "is_freemail_domain",
    "is_swapped",
    "name_tokens",
    "normalize_address",
    "normalize_company",
    "normalize_country",
    "normalize_domain",
    "normalize_email",
    "normalize_person_name",
    "normalize_phone",
    "normalize_postcode",
    "tokens",
]
