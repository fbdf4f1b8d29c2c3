"""Normalisation of telephone numbers to E.164 with Google's libphonenumber rules."""

from __future__ import annotations

import phonenumbers

_E164_MAX_DIGITS = 15


def normalize_phone(raw: str | None, default_region: str = "DE") -> str | None:
    """Return ``raw`` as an E.164 string ("+4930123456"), or ``None`` if it is not a valid number.

    A number without an international prefix ("+" or the region's exit code such as "00") is
    read as a national number of ``default_region`` (ISO 3166 alpha-2, e.g. "DE", "TR", "GB").
    The German "(0)" in "+49 (0) 30 …" and extensions are ignored. Never raises; idempotent.
    """
    if raw is None or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, default_region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # libphonenumber accepts some German numbers longer than E.164's 15 digits; they cannot be
    # dialled from abroad and are almost always typing errors.
    return e164 if len(e164) - 1 <= _E164_MAX_DIGITS else None
