"""Canonical values to JSON and back, what JSON the store can hold, and the hash of a record."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from connectors.base import FieldValue
from sync.canonical import FieldType

_SPACES = re.compile(r"\s+")
_SURROGATES = re.compile("[\ud800-\udfff]")
_INT64 = range(-(2**63), 2**63)
REPLACEMENT = "\ufffd"


def encode(value: FieldValue) -> Any:
    """A JSON-safe form of a canonical value (dates as ISO text, tags as lists)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def decode(value: Any, kind: FieldType) -> FieldValue:
    """The inverse of :func:`encode` for a field of type ``kind``."""
    if value is None:
        return None
    if kind is FieldType.DATE:
        return date.fromisoformat(value)
    if kind is FieldType.DATETIME:
        return datetime.fromisoformat(value)
    if kind is FieldType.DECIMAL:
        return Decimal(value)
    if kind is FieldType.TAGS:
        return tuple(value)
    return value


def encode_fields(fields: Mapping[str, FieldValue]) -> dict[str, Any]:
    return {k: encode(v) for k, v in fields.items() if v is not None}


def comparable(value: Any) -> Any:
    """The form two values are compared in: vendors re-case and re-space what we send, and
    such a difference is not a change (otherwise two systems would bounce it forever)."""
    if isinstance(value, str):
        return _SPACES.sub(" ", value).strip().casefold()
    if isinstance(value, list | tuple):
        return tuple(sorted(comparable(v) for v in value))
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def value_hash(value: Any) -> str:
    """A short stable hash of one encoded value's comparable form."""
    raw = orjson.dumps(comparable(value), option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


def content_hash(fields: Mapping[str, Any], consent: Mapping[str, Any], is_deleted: bool) -> str:
    """The hash of a record's encoded content; the modification time is not content.

    Exact values are hashed: a record that differs only in case or spacing gets a new hash,
    and staging then finds (by :func:`comparable`) that no field really changed.
    """
    raw = orjson.dumps([fields, consent, is_deleted], option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def storable_problem(value: Any) -> str | None:
    """Why an encoded value cannot be stored and hashed, or None when it can.

    JSON carries lone surrogates (``"\\ud800"``) and NUL characters, and vendors accept them,
    but UTF-8 cannot encode the one and PostgreSQL text cannot hold the other; JSON columns
    hold 64-bit integers only. The answer names the problem, never the value.
    """
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, list | tuple):
        return next((p for p in map(storable_problem, value) if p), None)
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value not in _INT64:
        return "number out of range"
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "not valid text (NUL character)"
    if not text.isascii() and _SURROGATES.search(text):
        return "not valid Unicode (lone surrogate)"
    return None


def storable(value: Any) -> Any:
    """A form of any JSON-like value the store can hold: lone surrogates and NUL characters
    become U+FFFD, integers beyond 64 bits and other odd values become text. For quarantine
    payloads, which keep what a vendor sent even when the engine cannot take it in."""
    if isinstance(value, str):
        return _SURROGATES.sub(REPLACEMENT, value.replace("\x00", REPLACEMENT))
    if isinstance(value, Mapping):
        return {str(storable(k)): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [storable(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in _INT64:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return storable(str(encode(value)))
