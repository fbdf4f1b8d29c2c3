"""Profile tables: many profiles stored column by column as integer codes into value lists.

Matching works on codes, not strings: equal values have equal codes, so exact comparisons are
integer compares and a fuzzy comparison is computed once per distinct pair of values.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sync.identity.profile import Profile, SourceRef

MISSING = -1

PROFILE_COLUMNS: tuple[str, ...] = (
    "email",
    "phone",
    "street",
    "house_number",
    "postcode",
    "city",
    "country",
    "birthday",
    "company",
    "domain",
)
NAME_COLUMNS: tuple[str, ...] = ("first_name", "last_name")
"""First and last names share one value list, so a swap is found by comparing codes."""


@dataclass(frozen=True, slots=True)
class Column:
    """One field: ``codes[i]`` indexes ``values``, or is ``MISSING``."""

    codes: np.ndarray
    values: tuple[str, ...]

    def derive(self, function: Callable[[str], str | None]) -> Column:
        """A column of ``function`` applied once per distinct value (e.g. a phonetic code)."""
        return _encode_mapped(self.codes, [function(v) for v in self.values])

    def value(self, row: int) -> str | None:
        code = int(self.codes[row])
        return None if code == MISSING else self.values[code]


class ColumnBuilder:
    """Accumulates values into codes; ``shared`` builders give several columns one vocabulary."""

    def __init__(self, vocabulary: dict[str, int] | None = None) -> None:
        self._vocabulary: dict[str, int] = {} if vocabulary is None else vocabulary
        self._codes = array("i")

    def add(self, value: str | None) -> None:
        if value is None:
            self._codes.append(MISSING)
            return
        self._codes.append(self._vocabulary.setdefault(value, len(self._vocabulary)))

    def build(self) -> Column:
        return Column(np.frombuffer(self._codes, dtype=np.int32).copy(), tuple(self._vocabulary))


def _encode_mapped(codes: np.ndarray, mapped: Sequence[str | None]) -> Column:
    vocabulary: dict[str, int] = {}
    remap = np.full(len(mapped) + 1, MISSING, dtype=np.int32)
    for old, value in enumerate(mapped):
        if value:
            remap[old] = vocabulary.setdefault(value, len(vocabulary))
    return Column(remap[codes], tuple(vocabulary))


@dataclass(frozen=True, slots=True)
class ProfileTable:
    """Profiles in columns; row ``i`` is ``refs[i]``.

    ``claims`` maps an identity namespace to each row's id in it (``MISSING`` if none): a
    CRM record claims its own id in its system's namespace, any record claims its ``id:``
    fields. Two rows claiming different ids in one namespace are never merged automatically.
    """

    refs: tuple[SourceRef, ...]
    columns: dict[str, Column]
    claims: dict[str, Column]
    external_ids: tuple[tuple[tuple[str, str], ...], ...]
    extras: tuple[str, ...]
    system_codes: np.ndarray
    crm_rows: np.ndarray
    derived_cache: dict[str, Column] = field(default_factory=dict)
    pair_cache: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.refs)

    def column(self, name: str) -> Column:
        return self.columns[name]

    def derived(self, base: str, function: Callable[[str], str | None]) -> Column:
        """``function`` of column ``base``, computed once per distinct value and cached."""
        key = f"{base}\x1f{function.__module__}.{function.__qualname__}"
        if key not in self.derived_cache:
            self.derived_cache[key] = self.columns[base].derive(function)
        return self.derived_cache[key]

    def identity_keys(self, row: int) -> tuple[str, ...]:
        """The row's identity keys: its own id, then its stored external ids."""
        ref = self.refs[row]
        external = (f"{ns}\x1f{value}" for ns, value in self.external_ids[row])
        return (f"{ref.system}\x1f{ref.record_id}", *external)


class TableBuilder:
    """Builds a :class:`ProfileTable` profile by profile without keeping the profiles."""

    def __init__(self, extras: Sequence[str]) -> None:
        names: dict[str, int] = {}
        self._extras = tuple(extras)
        self._refs: list[SourceRef] = []
        self._columns = {c: ColumnBuilder() for c in PROFILE_COLUMNS}
        self._columns.update({c: ColumnBuilder(names) for c in NAME_COLUMNS})
        self._columns.update({f"x:{e}": ColumnBuilder() for e in self._extras})
        self._claims: dict[str, dict[int, str]] = {}
        self._external: list[tuple[tuple[str, str], ...]] = []
        self._systems = ColumnBuilder()
        self._crm = array("b")

    def add(self, profile: Profile) -> None:
        row = len(self._refs)
        self._refs.append(profile.ref)
        for name in (*NAME_COLUMNS, *PROFILE_COLUMNS):
            self._columns[name].add(getattr(profile, name))
        for name, value in profile.extras:
            self._columns[f"x:{name}"].add(value)
        for namespace, value in claims_of(profile):
            self._claims.setdefault(namespace, {}).setdefault(row, value)
        self._external.append(profile.external_ids)
        self._systems.add(profile.ref.system)
        self._crm.append(profile.ref.is_crm)

    def extend_rows(self, profiles: Iterable[Profile]) -> None:
        for profile in profiles:
            self.add(profile)

    def extend(self, profiles: Iterable[Profile]) -> ProfileTable:
        self.extend_rows(profiles)
        return self.build()

    def build(self) -> ProfileTable:
        rows = len(self._refs)
        claims = {}
        for namespace, by_row in self._claims.items():
            builder = ColumnBuilder()
            for row in range(rows):
                builder.add(by_row.get(row))
            claims[namespace] = builder.build()
        return ProfileTable(
            refs=tuple(self._refs),
            columns={name: b.build() for name, b in self._columns.items()},
            claims=claims,
            external_ids=tuple(self._external),
            extras=self._extras,
            system_codes=self._systems.build().codes,
            crm_rows=np.frombuffer(self._crm, dtype=np.int8).astype(bool),
        )


def claims_of(profile: Profile) -> list[tuple[str, str]]:
    """Identity claims of a profile: its external ids, plus its own id if it is a CRM record."""
    own = [(profile.ref.system, profile.ref.record_id)] if profile.ref.is_crm else []
    return own + list(profile.external_ids)


def table_of(profiles: Iterable[Profile], extras: Sequence[str] = ()) -> ProfileTable:
    """A table of ``profiles`` in the given order."""
    return TableBuilder(extras).extend(profiles)
