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


def _merge_columns(parts: Sequence[Column], vocabulary: dict[str, int]) -> np.ndarray:
    """Concatenated codes of ``parts`` re-coded into the shared ``vocabulary``."""
    merged = []
    for part in parts:
        remap = np.fromiter(
            (vocabulary.setdefault(v, len(vocabulary)) for v in part.values),
            dtype=np.int32,
            count=len(part.values),
        )
        remap = np.append(remap, np.int32(MISSING))  # code -1 indexes this last slot
        merged.append(remap[part.codes])
    return np.concatenate(merged) if merged else np.zeros(0, dtype=np.int32)


def _merged(parts: Sequence[Column | None], sizes: Sequence[int], order: np.ndarray) -> Column:
    present = [
        p or Column(np.full(n, MISSING, dtype=np.int32), ())
        for p, n in zip(parts, sizes, strict=True)
    ]
    vocabulary: dict[str, int] = {}
    codes = _merge_columns(present, vocabulary)
    return Column(codes[order], tuple(vocabulary))


def merge_tables(parts: Sequence[tuple[np.ndarray, ProfileTable]]) -> ProfileTable:
    """One table from tables of interleaved rows; ``numbers`` give each row's final position.

    Used to build one table from parts normalised in parallel processes.
    """
    tables = [table for _, table in parts]
    sizes = [len(table) for table in tables]
    order = np.argsort(np.concatenate([numbers for numbers, _ in parts]), kind="stable")
    names: dict[str, int] = {}
    name_codes = {c: _merge_columns([t.columns[c] for t in tables], names) for c in NAME_COLUMNS}
    columns = {c: Column(codes[order], tuple(names)) for c, codes in name_codes.items()}
    for name in tables[0].columns if tables else ():
        if name not in NAME_COLUMNS:
            columns[name] = _merged([t.columns[name] for t in tables], sizes, order)
    namespaces = sorted({ns for t in tables for ns in t.claims})
    claims = {ns: _merged([t.claims.get(ns) for t in tables], sizes, order) for ns in namespaces}
    systems = _merged([Column(t.system_codes, _systems_of(t)) for t in tables], sizes, order)
    refs = [ref for t in tables for ref in t.refs]
    external = [ids for t in tables for ids in t.external_ids]
    return ProfileTable(
        refs=tuple(refs[k] for k in order.tolist()),
        columns=columns,
        claims=claims,
        external_ids=tuple(external[k] for k in order.tolist()),
        extras=tables[0].extras if tables else (),
        system_codes=systems.codes,
        crm_rows=np.concatenate([t.crm_rows for t in tables])[order]
        if tables
        else np.zeros(0, bool),
    )


def _systems_of(table: ProfileTable) -> tuple[str, ...]:
    """The system name of each system code, recovered from the rows."""
    names: dict[int, str] = {}
    for code, ref in zip(table.system_codes.tolist(), table.refs, strict=True):
        names.setdefault(code, ref.system)
    return tuple(names[k] for k in range(len(names)))
