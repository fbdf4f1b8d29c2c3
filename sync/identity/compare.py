"""Field comparisons: graded agreement levels of record pairs, computed column-wise.

A comparison maps the pairs ``(i[k], j[k])`` of a table to one level each: ``-1`` when either
side lacks the value (no evidence either way), ``0`` for clear disagreement, higher for closer
agreement, the top level being an exact match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sync.identity import features as ft
from sync.identity import similarity as sim
from sync.identity.features import email_local, kolner, phone_tail, transposed_date
from sync.identity.settings import ExtraKind, MatchSettings
from sync.identity.table import ProfileTable

NULL = -1
Compute = Callable[[ProfileTable, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True)
class Comparison:
    """One field comparison: its name, level labels (worst first) and how to compute levels.

    ``tf_column`` names the column whose value frequencies refine the exact level's u (a
    shared "Müller" is weaker evidence than a shared "Özdemir-Kırca").
    """

    name: str
    levels: tuple[str, ...]
    compute: Compute
    tf_column: str | None = None

    @property
    def exact_level(self) -> int:
        return len(self.levels) - 1


def _grade(mask: np.ndarray, conditions: list[np.ndarray]) -> np.ndarray:
    """Level per pair: the highest ``k + 1`` whose condition holds; ``-1`` where not ``mask``."""
    levels = np.zeros(len(mask), dtype=np.int8)
    for level, condition in enumerate(conditions, start=1):
        levels[condition] = level
    levels[~mask] = NULL
    return levels


NAME_LEVELS = ("different", "weak", "similar", "phonetic", "close", "exact")
CLOSE_NAME = NAME_LEVELS.index("close")


def _name_conditions(
    table: ProfileTable, left: str, right: str, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    # First and last names share one value list, so codes compare across the two columns.
    column = table.column(left)
    a, b = column.codes[i], table.column(right).codes[j]
    jw = sim.jaro_winkler(column, a, b)
    phonetic = sim.same_across(table.derived(left, kolner), table.derived(right, kolner), i, j)
    subset = sim.token_subset(column, a, b)
    # "weak" keeps short forms and heavy typos (Benny/Benjamin, Hans/Johannes) apart from a
    # different name: only a clearly different first name vetoes an automatic merge.
    weak = (jw >= 0.70) | sim.same_across(
        table.derived(left, ft.head3), table.derived(right, ft.head3), i, j
    )
    conditions = [weak, jw >= 0.80, phonetic & (jw >= 0.6), (jw >= 0.92) | subset, a == b]
    return sim.both_present(a, b), conditions


def name_levels(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, ...]:
    """First- and last-name levels, taking the swapped reading where it agrees better."""
    first_mask, first = _name_conditions(table, "first_name", "first_name", i, j)
    last_mask, last = _name_conditions(table, "last_name", "last_name", i, j)
    direct_first, direct_last = _grade(first_mask, first), _grade(last_mask, last)
    cross_mask, cross_fl = _name_conditions(table, "first_name", "last_name", i, j)
    cross_mask2, cross_lf = _name_conditions(table, "last_name", "first_name", i, j)
    swap_first, swap_last = _grade(cross_mask, cross_fl), _grade(cross_mask2, cross_lf)
    # A swap counts only where both names agree crosswise; it is capped below exact because
    # a swap is itself a (mild) data-entry error.
    is_swap = (
        (swap_first >= CLOSE_NAME)
        & (swap_last >= CLOSE_NAME)
        & (swap_first.astype(np.int16) + swap_last > direct_first.astype(np.int16) + direct_last)
    )
    direct_first[is_swap] = CLOSE_NAME
    direct_last[is_swap] = CLOSE_NAME
    return direct_first, direct_last


def _first_name(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return name_levels(table, i, j)[0]


def _last_name(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return name_levels(table, i, j)[1]


def _email(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    column = table.column("email")
    a, b = sim.coded_pairs(column, i, j)
    local = sim.same_derived(table.derived("email", email_local), i, j) & (a != b)
    close = sim.jaro_winkler(column, a, b) >= 0.94
    levels = _grade(sim.both_present(a, b), [close, local, a == b])
    # A shared or similar local part spelt from the names ("peter.mueller@…", "p.mueller82")
    # repeats what the name comparisons already counted, and namesakes share it: no evidence.
    shared = np.flatnonzero(local | (close & (a != b)))
    named = [_local_is_name(table, int(i[k])) or _local_is_name(table, int(j[k])) for k in shared]
    levels[shared[np.asarray(named, dtype=bool)]] = NULL
    return levels


def _loose(text: str) -> str:
    """Drop the e of transliterated umlauts: "suekrue" (Şükrü) spells "sukru" in a mailbox."""
    return re.sub(r"(?<=[aou])e", "", text)


def _local_is_name(table: ProfileTable, row: int) -> bool:
    email, first, last = (table.column(c).value(row) for c in ("email", "first_name", "last_name"))
    local = _loose(re.sub(r"[^a-z]", "", email_local(email or "") or ""))
    f, la = _loose((first or "").replace(" ", "")), _loose((last or "").replace(" ", ""))
    forms = {f + la, la + f, f[:1] + la, la + f[:1], f + la[:1], f, la}
    return local in forms - {""}


def _phone(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    column = table.column("phone")
    a, b = sim.coded_pairs(column, i, j)
    tail = sim.same_derived(table.derived("phone", phone_tail), i, j)
    one_edit = sim.edit_distance(column, a, b) <= 1
    return _grade(sim.both_present(a, b), [tail | one_edit, a == b])


def date_levels(table: ProfileTable, name: str, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Dates: exact, one edit or day/month transposed, two edits, different."""
    column = table.column(name)
    a, b = sim.coded_pairs(column, i, j)
    edits = sim.edit_distance(column, a, b)
    transposed = table.derived(name, transposed_date)
    swapped = sim.equal_values(column, a, transposed, transposed.codes[j])
    return _grade(sim.both_present(a, b), [edits <= 2, (edits <= 1) | swapped, a == b])


def _street(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    column = table.column("street")
    a, b = sim.coded_pairs(column, i, j)
    ha, hb = sim.coded_pairs(table.column("house_number"), i, j)
    same_street = a == b
    house_ok = (ha < 0) | (hb < 0) | (ha == hb)
    similar = sim.jaro_winkler(column, a, b) >= 0.88
    return _grade(sim.both_present(a, b), [similar, same_street, same_street & house_ok])


def exact_or_similar(name: str, threshold: float) -> Compute:
    """Levels different / Jaro-Winkler >= threshold (or word subset) / exact."""

    def compute(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        column = table.column(name)
        a, b = sim.coded_pairs(column, i, j)
        similar = (sim.jaro_winkler(column, a, b) >= threshold) | sim.token_subset(column, a, b)
        return _grade(sim.both_present(a, b), [similar, a == b])

    return compute


def one_edit(name: str) -> Compute:
    """Levels different / one edit apart / exact, for codes like postcodes and ids."""

    def compute(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        column = table.column(name)
        a, b = sim.coded_pairs(column, i, j)
        return _grade(sim.both_present(a, b), [sim.edit_distance(column, a, b) <= 1, a == b])

    return compute


def exact_only(name: str) -> Compute:
    def compute(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        a, b = sim.coded_pairs(table.column(name), i, j)
        return _grade(sim.both_present(a, b), [a == b])

    return compute


def _number(name: str) -> Compute:
    def compute(table: ProfileTable, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        column = table.column(name)
        a, b = sim.coded_pairs(column, i, j)
        numbers = np.array([_as_float(v) for v in column.values] + [np.nan], dtype=np.float64)
        x, y = numbers[a], numbers[b]
        with np.errstate(invalid="ignore"):
            close = np.abs(x - y) <= 0.05 * np.maximum(np.abs(x), np.abs(y))
        return _grade(sim.both_present(a, b), [close, a == b])

    return compute


def _as_float(value: str) -> float:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return float("nan")


def _extra(name: str, kind: ExtraKind) -> Comparison:
    column = f"x:{name}"
    if kind is ExtraKind.DATE:
        levels = ("different", "two_edits", "one_edit", "exact")
        return Comparison(name, levels, lambda t, i, j: date_levels(t, column, i, j))
    if kind is ExtraKind.ID:
        return Comparison(name, ("different", "one_edit", "exact"), one_edit(column))
    if kind is ExtraKind.NUMBER:
        return Comparison(name, ("different", "close", "exact"), _number(column))
    threshold = 0.88 if kind is ExtraKind.NAME else 0.9
    tf = column if kind is ExtraKind.NAME else None
    return Comparison(
        name, ("different", "similar", "exact"), exact_or_similar(column, threshold), tf
    )


def comparisons_for(settings: MatchSettings) -> tuple[Comparison, ...]:
    """The comparisons in use: the canonical ones and one per extra column, minus disabled."""
    canonical = (
        Comparison("first_name", NAME_LEVELS, _first_name, "first_name"),
        Comparison("last_name", NAME_LEVELS, _last_name, "last_name"),
        Comparison("email", ("different", "similar", "local_part", "exact"), _email),
        Comparison("phone", ("different", "similar", "exact"), _phone),
        Comparison(
            "birthday",
            ("different", "two_edits", "one_edit_or_swap", "exact"),
            lambda t, i, j: date_levels(t, "birthday", i, j),
        ),
        Comparison("street", ("different", "similar", "street", "exact"), _street),
        Comparison("postcode", ("different", "one_edit", "exact"), one_edit("postcode")),
        Comparison(
            "city", ("different", "similar", "exact"), exact_or_similar("city", 0.88), "city"
        ),
        Comparison("company", ("different", "similar", "exact"), exact_or_similar("company", 0.9)),
        Comparison("domain", ("different", "exact"), exact_only("domain")),
    )
    extras = tuple(_extra(name, kind) for name, kind in settings.extras)
    return tuple(c for c in (*canonical, *extras) if c.name not in settings.disabled_comparisons)


def compare_pairs(
    table: ProfileTable, i: np.ndarray, j: np.ndarray, comparisons: tuple[Comparison, ...]
) -> np.ndarray:
    """Level matrix of shape ``(pairs, comparisons)``, ``int8``."""
    out = np.empty((len(i), len(comparisons)), dtype=np.int8)
    names = None
    for column, comparison in enumerate(comparisons):
        if comparison.name in ("first_name", "last_name"):
            names = names or name_levels(table, i, j)
            out[:, column] = names[0 if comparison.name == "first_name" else 1]
        else:
            out[:, column] = comparison.compute(table, i, j)
    return out
