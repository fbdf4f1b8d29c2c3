"""Canonical values to JSON and back, comparison keys, and the content hash of a record."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from connectors.base import FieldValue
from sync.canonical import FieldType

_SPACES = re.compile(r"\s+")


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
