"""Blocking: the keys that decide which record pairs are compared at all.

Every profile gets several keys (e-mail, phone, phonetic surname + postcode, …); only records
sharing a key are compared, and a key shared by more than ``block_cap`` records is ignored as
too common. Candidate pairs therefore grow about linearly with the data. The same key strings
feed the engine's key index, so a batch run and an incremental run compare the same pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sync.identity import features as ft
from sync.identity.profile import Profile
from sync.identity.settings import ExtraKind, MatchSettings
from sync.identity.table import MISSING, Column, ProfileTable

Feature = Callable[[str], str | None]
SORTED_NAMES = "sorted_names"


@dataclass(frozen=True, slots=True)
class KeyPart:
    """One column, optionally through a feature function (``kolner``, ``birth_year``)."""

    column: str
    feature: Feature | None = None


@dataclass(frozen=True, slots=True)
class BlockingKey:
    """A named key built from parts; a profile missing any part has no such key.

    ``cap`` overrides ``settings.block_cap`` for keys whose groups are large by nature (names
    alone): a group over the cap is skipped, the other keys still find its true pairs.
    """

    name: str
    parts: tuple[KeyPart, ...]
    cap: int | None = None


def _k(name: str, *parts: tuple[str, Feature | None] | str, cap: int | None = None) -> BlockingKey:
    built = tuple(KeyPart(p) if isinstance(p, str) else KeyPart(*p) for p in parts)
    return BlockingKey(name, built, cap)


NAME_CAP = 12
DEFAULT_KEYS: tuple[BlockingKey, ...] = (
    _k("e", "email"),
    _k("p", "phone"),
    _k("n", SORTED_NAMES, cap=NAME_CAP),
    _k("lp", ("last_name", ft.kolner), "postcode"),
    _k("mm", ("first_name", ft.metaphone), ("last_name", ft.metaphone), cap=NAME_CAP),
    _k("fb", "first_name", "birthday"),
    _k("bp", "birthday", "postcode"),
    _k("lb", ("last_name", ft.surname_head), "birthday"),
    _k("a", ("street", ft.street_key), "house_number", "postcode"),
    _k("fc", "first_name", "city", ("last_name", ft.initial), cap=NAME_CAP),
    _k("cp", "company", "postcode"),
)


def cap_of(key: BlockingKey, settings: MatchSettings) -> int:
    return key.cap or settings.block_cap


def caps_by_key_name(settings: MatchSettings) -> dict[str, int]:
    """The cap of each key name, for grouping key strings (``name:value``) by cap."""
    return {key.name: cap_of(key, settings) for key in keys_for(settings)}


def keys_for(settings: MatchSettings) -> tuple[BlockingKey, ...]:
    """Default keys plus one per extra column of kind ``id``/``date`` (exact identifiers)."""
    extra = tuple(
        _k(f"x_{name}", f"x:{name}")
        for name, kind in settings.extras
        if kind in (ExtraKind.ID, ExtraKind.DATE)
    )
    return DEFAULT_KEYS + extra


@lru_cache(maxsize=8192)
def blocking_keys(profile: Profile, settings: MatchSettings) -> tuple[str, ...]:
    """The key strings of one profile, as stored in the engine's key index."""
    extras = dict(profile.extras)
    found: list[str] = []
    for key in keys_for(settings):
        values = [_part_value(profile, extras, part) for part in key.parts]
        if all(values):
            found.append(key.name + ":" + "|".join(v for v in values if v))
    return tuple(found)


def _part_value(profile: Profile, extras: dict[str, str | None], part: KeyPart) -> str | None:
    if part.column == SORTED_NAMES:
        first, last = profile.first_name, profile.last_name
        return "|".join(sorted((first, last))) if first and last else None
    if part.column.startswith("x:"):
        value = extras.get(part.column[2:])
    else:
        value = getattr(profile, part.column)
    if value is None:
        return None
    return part.feature(value) if part.feature else value


def _part_codes(table: ProfileTable, part: KeyPart) -> np.ndarray:
    if part.column == SORTED_NAMES:
        first, last = table.column("first_name").codes, table.column("last_name").codes
        low, high = np.minimum(first, last), np.maximum(first, last)
        return _combine(low, high, int(high.max(initial=0)) + 1)
    column: Column = (
        table.derived(part.column, part.feature) if part.feature else table.column(part.column)
    )
    return column.codes.astype(np.int64)


def _combine(left: np.ndarray, right: np.ndarray, width: int) -> np.ndarray:
    combined = left.astype(np.int64) * width + right
    combined[(left < 0) | (right < 0)] = MISSING
    return combined


def key_codes(table: ProfileTable, key: BlockingKey) -> np.ndarray:
    """One int64 code per row for ``key`` (equal codes ⇔ equal key strings), ``-1`` if none."""
    codes = _part_codes(table, key.parts[0])
    for part in key.parts[1:]:
        right = _part_codes(table, part)
        combined = _combine(codes, right, int(right.max(initial=0)) + 1)
        present = combined >= 0
        dense = np.full(len(combined), MISSING, dtype=np.int64)
        dense[present] = np.unique(combined[present], return_inverse=True)[1].ravel()
        codes = dense
    return codes


def pairs_within_groups(codes: np.ndarray, cap: int) -> np.ndarray:
    """All ``i * n + j`` (``i < j``) of rows sharing a code in groups of at most ``cap`` rows."""
    n = len(codes)
    rows = np.flatnonzero(codes >= 0)
    rows = rows[np.argsort(codes[rows], kind="stable")]
    sorted_codes = codes[rows]
    _, sizes = np.unique(sorted_codes, return_counts=True)
    size_of_row = np.repeat(sizes, sizes)
    keep = (size_of_row >= 2) & (size_of_row <= cap)
    rows, sorted_codes = rows[keep], sorted_codes[keep]
    found = []
    for offset in range(1, cap):
        same = sorted_codes[offset:] == sorted_codes[:-offset]
        if not same.any():
            break
        left, right = rows[:-offset][same], rows[offset:][same]
        found.append(np.minimum(left, right).astype(np.int64) * n + np.maximum(left, right))
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def candidate_pairs(table: ProfileTable, settings: MatchSettings) -> tuple[np.ndarray, np.ndarray]:
    """Distinct candidate pairs ``(i, j)``, ``i < j``, from all keys and identity keys."""
    n = max(len(table), 1)
    keys = keys_for(settings)
    found = [pairs_within_groups(key_codes(table, k), cap_of(k, settings)) for k in keys]
    found.extend(identity_pairs(table))
    encoded = np.unique(np.concatenate(found))
    return (encoded // n).astype(np.int32), (encoded % n).astype(np.int32)


def identity_pairs(table: ProfileTable) -> tuple[np.ndarray, np.ndarray]:
    """Pair codes ``i * n + j`` sharing an identity key, never capped: those sharing a CRM
    record's own id (the CRM id stored in another system), and those sharing another id.
    Computed once per table."""
    if "identity" not in table.pair_cache:
        table.pair_cache["identity"] = _identity_pairs(table)
    return table.pair_cache["identity"]


def _identity_pairs(table: ProfileTable) -> tuple[np.ndarray, np.ndarray]:
    # Only rows that store an external id, and rows of the systems such ids point into, can
    # share a key: a file without external ids costs nothing here.
    holders = [row for row, ids in enumerate(table.external_ids) if ids]
    namespaces = {ns for row in holders for ns, _ in table.external_ids[row]}
    owners = [row for row, ref in enumerate(table.refs) if ref.system in namespaces]
    rows_of: dict[str, list[int]] = {}
    crm_keys: set[str] = set()
    for row in sorted({*holders, *owners}):
        keys = table.identity_keys(row)
        if table.crm_rows[row]:
            crm_keys.add(keys[0])
        for key in keys:
            rows_of.setdefault(key, []).append(row)
    n = len(table)
    crm: list[int] = []
    shared: list[int] = []
    for key, rows in rows_of.items():
        target = crm if key in crm_keys else shared
        target.extend(
            min(a, b) * n + max(a, b) for x, a in enumerate(rows) for b in rows[x + 1 :] if a != b
        )
    return np.unique(np.asarray(crm, dtype=np.int64)), np.unique(np.asarray(shared, dtype=np.int64))
