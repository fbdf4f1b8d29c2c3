"""Blocking: stable keys, the same pairs in batch and key-index form, linear candidate growth."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.identity.blocking import (
    blocking_keys,
    candidate_pairs,
    caps_by_key_name,
    pairs_within_groups,
)
from sync.identity.profile import Profile, SourceRef, build_profile
from sync.identity.settings import MatchSettings
from sync.identity.table import table_of

SETTINGS = MatchSettings()
FIRST = ["Anna", "Jürgen", "Ayşe", "Mehmet", "Oliver", "Emma", "Fatma", "Lukas", "Zeynep", "Jack"]
LAST = [
    "Müller",
    "Schmidt",
    "Yılmaz",
    "Kaya",
    "Smith",
    "Jones",
    "Weber",
    "Demir",
    "Wagner",
    "Öztürk",
]


def people(count: int, seed: int) -> list[Profile]:
    """Random people with a few duplicates: a table of realistic shape for blocking."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        values = {
            "first_name": rng.choice(FIRST) + rng.choice(["", "a", "e", "o"]),
            "last_name": rng.choice(LAST) + rng.choice(["", "er", "mann", "oglu"]),
            "email": f"user{rng.randrange(10**9)}@example.org",
            "phone": f"0171{rng.randrange(10**7):07d}",
            "postcode": f"{rng.randrange(10000, 99999)}",
            "birthday": f"19{rng.randrange(40, 99)}-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}",
        }
        out.append(build_profile(SourceRef("crm", "crm", str(n)), values, SETTINGS))
    return out


def ref_pairs(profiles: list[Profile], i: np.ndarray, j: np.ndarray) -> set[frozenset[str]]:
    return {
        frozenset((profiles[a].ref.key, profiles[b].ref.key)) for a, b in zip(i, j, strict=True)
    }


def test_keys_of_a_profile_are_stable() -> None:
    profile = people(1, seed=3)[0]

    actual = blocking_keys(profile, SETTINGS)

    assert actual == blocking_keys(profile, SETTINGS)
    assert any(k.startswith("e:") for k in actual)


def test_batch_pairs_equal_pairs_from_key_strings() -> None:
    profiles = people(300, seed=4)
    table = table_of(profiles)
    holders: dict[str, list[int]] = {}
    for row, profile in enumerate(profiles):
        for key in blocking_keys(profile, SETTINGS):
            holders.setdefault(key, []).append(row)
    caps = caps_by_key_name(SETTINGS)
    expected = {
        frozenset((profiles[a].ref.key, profiles[b].ref.key))
        for key, rows in holders.items()
        if 2 <= len(rows) <= caps[key.partition(":")[0]]
        for x, a in enumerate(rows)
        for b in rows[x + 1 :]
    }

    i, j = candidate_pairs(table, SETTINGS)

    assert ref_pairs(profiles, i, j) == expected


@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_pairs(rng: random.Random) -> None:
    profiles = people(120, seed=5)
    shuffled = profiles[:]
    rng.shuffle(shuffled)

    original = ref_pairs(profiles, *candidate_pairs(table_of(profiles), SETTINGS))
    actual = ref_pairs(shuffled, *candidate_pairs(table_of(shuffled), SETTINGS))

    assert actual == original


def test_over_common_keys_are_skipped() -> None:
    codes = np.array([7] * 50 + [3, 3, -1])

    actual = pairs_within_groups(codes, cap=40)

    assert actual.tolist() == [50 * len(codes) + 51]


def test_candidate_pairs_grow_about_linearly() -> None:
    small = len(candidate_pairs(table_of(people(2_000, seed=6)), SETTINGS)[0])
    large = len(candidate_pairs(table_of(people(8_000, seed=6)), SETTINGS)[0])

    assert large < 4 * small * 1.6
