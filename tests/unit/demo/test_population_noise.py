"""Noise on second copies: each kind does what it says, at the configured rate."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import jellyfish
import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.toolkit.sandbox import SeedPerson
from sync.demo.contact import ascii_fold
from sync.demo.names import Country, Sex, nicknames
from sync.demo.noise import NoiseKind, NoiseProfile, apply_noise
from sync.demo.people import Person, iter_people
from sync.demo.population import Population, build_population
from sync.demo.typos import typo
from sync.demo.views import CRM_SHAPE, DEFAULT_AS_OF, base_record, view

SPECIAL = set("äöüÄÖÜßçÇğĞıİşŞ")
PROFILE = NoiseProfile()


@dataclass(frozen=True)
class Twins:
    """The same seed built with and without noise: record i of one is record i of the other."""

    noisy: Population
    clean: Population
    people: list[Person]

    def shared_ma(self) -> list[int]:
        crm_people = set(self.noisy.truth.crm_person)
        return [m for m, pid in enumerate(self.noisy.truth.ma_person) if pid in crm_people]


@pytest.fixture(scope="module")
def twins() -> Twins:
    noisy = build_population(21, crm=4000, ma=4000, overlap=1.0, noise=PROFILE)
    quiet = replace(NoiseProfile.none(), crm_duplicate=PROFILE.crm_duplicate)
    clean = build_population(21, crm=4000, ma=4000, overlap=1.0, noise=quiet)
    total = len(set(noisy.truth.crm_person) | set(noisy.truth.ma_person))
    return Twins(noisy, clean, list(iter_people(21, total)))


def _only(kind: NoiseKind) -> NoiseProfile:
    return replace(NoiseProfile.none(), **{kind.value: 1.0})


def _has_special(*texts: str | None) -> bool:
    return any(text and SPECIAL & set(text) for text in texts)


Eligible = Callable[[SeedPerson, Person], bool]
ELIGIBLE: dict[NoiseKind, Eligible] = {
    NoiseKind.SWAPPED_NAMES: lambda r, p: True,
    NoiseKind.TYPO: lambda r, p: True,
    NoiseKind.NAME_CASE: lambda r, p: True,
    NoiseKind.OTHER_EMAIL: lambda r, p: True,
    NoiseKind.EMAIL_CASE: lambda r, p: True,
    NoiseKind.MISSING_FIELD: lambda r, p: True,
    NoiseKind.PHONE_FORMAT: lambda r, p: r.phone is not None,
    NoiseKind.MOVED: lambda r, p: r.street is not None,
    NoiseKind.CONFLICT: lambda r, p: any((r.phone, r.company, r.job_title, r.birthday)),
    NoiseKind.TRANSLITERATION: lambda r, p: _has_special(r.first_name, r.last_name),
    NoiseKind.MARRIED_NAME: lambda r, p: p.sex is Sex.F,
    NoiseKind.NICKNAME: lambda r, p: r.first_name in nicknames(),
}


@pytest.mark.parametrize("kind", list(NoiseKind))
def test_each_kind_hits_its_rate_among_the_records_it_can_apply_to(
    twins: Twins, kind: NoiseKind
) -> None:
    truth = twins.noisy.truth
    eligible = [
        m
        for m in twins.shared_ma()
        if ELIGIBLE[kind](twins.clean.ma[m], twins.people[truth.ma_person[m]])
    ]

    rate = PROFILE.rate(kind)
    # Four standard errors of a binomial share, plus a little for e-mail clashes.
    tolerance = 4 * math.sqrt(rate * (1 - rate) / len(eligible)) + 0.005

    hits = sum(kind in truth.ma_noise[m] for m in eligible)

    assert len(eligible) > 300
    assert hits / len(eligible) == pytest.approx(rate, abs=tolerance)


def test_twins_line_up_person_by_person(twins: Twins) -> None:
    assert twins.noisy.truth.ma_person == twins.clean.truth.ma_person
    assert twins.noisy.truth.crm_person == twins.clean.truth.crm_person


def test_records_without_noise_equal_their_clean_twin(twins: Twins) -> None:
    noisy, clean = twins.noisy.truth.ma_noise, twins.clean.truth.ma_noise
    # A household's shared address goes to whichever partner claims it first in each twin.
    quiet = [m for m in range(len(twins.noisy.ma)) if not noisy[m] and not clean[m]]

    differing = [m for m in quiet if twins.noisy.ma[m] != twins.clean.ma[m]]

    assert len(quiet) > 1000
    assert differing == []


def test_first_copies_carry_no_noise(twins: Twins) -> None:
    truth = twins.noisy.truth

    noisy_firsts = [
        c for c, dup in enumerate(truth.crm_duplicate_of) if dup is None and truth.crm_noise[c]
    ]

    assert noisy_firsts == [
        c for c in noisy_firsts if truth.crm_noise[c] == (NoiseKind.OTHER_EMAIL,)
    ]


def test_crm_duplicates_never_share_the_first_records_email(twins: Twins) -> None:
    keys = [(r.email or "").strip().lower() for r in twins.noisy.crm]

    clashes = [
        (a, b) for a, b in twins.noisy.truth.crm_duplicate_pairs() if keys[a] and keys[a] == keys[b]
    ]

    assert clashes == []


def test_crm_duplicates_carry_another_address_or_none(twins: Twins) -> None:
    duplicates = [twins.noisy.crm[dup] for _, dup in twins.noisy.truth.crm_duplicate_pairs()]

    without = sum(record.email is None for record in duplicates)

    assert 0.05 < without / len(duplicates) < 0.5


def test_no_noise_profile_changes_nothing_but_shared_household_emails() -> None:
    population = build_population(4, crm=2000, ma=2000, overlap=1.0, noise=NoiseProfile.none())
    truth = population.truth

    noisy = [kinds for kinds in truth.ma_noise + truth.crm_noise if kinds]

    # Two partners cannot both hold their shared address in one system: one gets another.
    assert set(noisy) <= {(NoiseKind.OTHER_EMAIL,)}
    assert len(noisy) < 0.01 * (len(population.crm) + len(population.ma))
    assert truth.crm_duplicate_pairs() == set()


def test_scaled_profile_multiplies_and_caps_rates() -> None:
    scaled = NoiseProfile().scaled(4.0)

    assert (scaled.typo, scaled.phone_format, scaled.transliteration) == (0.32, 1.0, 1.0)


# --- what each kind does to one record -------------------------------------------------


@pytest.fixture(scope="module")
def samples() -> list[tuple[SeedPerson, Person]]:
    rng = random.Random(8)
    people = list(iter_people(8, 400))
    return [(view(rng, base_record(rng, p), CRM_SHAPE, DEFAULT_AS_OF), p) for p in people]


def _noisy(
    samples: list[tuple[SeedPerson, Person]], kind: NoiseKind
) -> list[tuple[SeedPerson, SeedPerson, Person]]:
    rng, profile = random.Random(kind.value), _only(kind)
    results = []
    for record, person in samples:
        noisy, kinds = apply_noise(rng, record, person, profile)
        if kinds:
            assert kinds == (kind,)
            results.append((record, noisy, person))
    return results


def _changed(before: SeedPerson, after: SeedPerson) -> set[str]:
    return {f.name for f in fields(SeedPerson) if getattr(before, f.name) != getattr(after, f.name)}


def test_transliteration_leaves_no_special_letters(
    samples: list[tuple[SeedPerson, Person]],
) -> None:
    results = _noisy(samples, NoiseKind.TRANSLITERATION)

    spelled = [(b.last_name or "", a.last_name or "") for b, a, _ in results]

    assert len(results) == sum(_has_special(r.first_name, r.last_name) for r, _ in samples)
    assert not any(_has_special(a.first_name, a.last_name) for _, a, _ in results)
    assert all(ascii_fold(b, german=False) == a or len(a) > len(b) for b, a in spelled if b)


def test_swapped_names_trade_places(samples: list[tuple[SeedPerson, Person]]) -> None:
    results = _noisy(samples, NoiseKind.SWAPPED_NAMES)

    assert results
    assert all((a.first_name, a.last_name) == (b.last_name, b.first_name) for b, a, _ in results)


def test_a_typo_is_one_edit_in_one_field(samples: list[tuple[SeedPerson, Person]]) -> None:
    results = _noisy(samples, NoiseKind.TYPO)

    edits = [
        (jellyfish.damerau_levenshtein_distance(getattr(b, name), getattr(a, name)), name)
        for b, a, _ in results
        for name in _changed(b, a)
    ]

    assert len(edits) == len(results) > 300
    assert {distance for distance, _ in edits} == {1}
    assert {name for _, name in edits} == {"first_name", "last_name", "email", "street", "city"}


def test_email_case_keeps_the_normalised_address(samples: list[tuple[SeedPerson, Person]]) -> None:
    results = [(b.email, a.email) for b, a, _ in _noisy(samples, NoiseKind.EMAIL_CASE)]

    assert results
    assert all(b != a and b == a.strip().lower() for b, a in results)  # type: ignore[union-attr]


def test_other_email_is_a_different_address(samples: list[tuple[SeedPerson, Person]]) -> None:
    results = _noisy(samples, NoiseKind.OTHER_EMAIL)

    assert len(results) == len(samples)
    assert all(a.email and a.email != b.email for b, a, _ in results)


def test_phone_format_writes_the_same_number_differently(
    samples: list[tuple[SeedPerson, Person]],
) -> None:
    results = _noisy(samples, NoiseKind.PHONE_FORMAT)

    numbers = [
        (
            phonenumbers.parse(b.phone or "", b.country),
            phonenumbers.parse(a.phone or "", a.country),
            b,
            a,
        )
        for b, a, _ in results
    ]

    assert results
    assert all(nb == na and b.phone != a.phone for nb, na, b, a in numbers)


def test_conflict_changes_exactly_one_field(samples: list[tuple[SeedPerson, Person]]) -> None:
    eligible = [r for r, p in samples if ELIGIBLE[NoiseKind.CONFLICT](r, p)]

    changed = [_changed(b, a) for b, a, _ in _noisy(samples, NoiseKind.CONFLICT)]

    assert len(changed) == len(eligible)
    assert all(len(fields_) == 1 for fields_ in changed)
    assert set().union(*changed) == {"phone", "company", "job_title", "birthday"}


def test_moved_changes_the_address_only(samples: list[tuple[SeedPerson, Person]]) -> None:
    changed = [_changed(b, a) for b, a, _ in _noisy(samples, NoiseKind.MOVED)]

    assert changed
    assert all(fields_ and fields_ <= {"street", "postcode", "city"} for fields_ in changed)


def test_missing_field_only_removes(samples: list[tuple[SeedPerson, Person]]) -> None:
    results = _noisy(samples, NoiseKind.MISSING_FIELD)

    removed = [(_changed(b, a), a) for b, a, _ in results]

    assert len(results) == len(samples)
    assert all(names and all(getattr(a, n) is None for n in names) for names, a in removed)


def test_married_name_is_a_new_or_double_family_name_of_a_woman(
    samples: list[tuple[SeedPerson, Person]],
) -> None:
    results = _noisy(samples, NoiseKind.MARRIED_NAME)

    assert results
    assert all(p.sex is Sex.F for _, _, p in results)
    assert any(b.last_name in a.last_name for b, a, _ in results)  # type: ignore[operator]
    assert any(b.last_name not in a.last_name for b, a, _ in results)  # type: ignore[operator]


def test_nickname_is_a_known_short_form(samples: list[tuple[SeedPerson, Person]]) -> None:
    results = _noisy(samples, NoiseKind.NICKNAME)

    assert results
    assert all(a.first_name in nicknames()[b.first_name] for b, a, _ in results)  # type: ignore[index]


def test_name_case_changes_only_the_case(samples: list[tuple[SeedPerson, Person]]) -> None:
    def folded(text: str | None) -> str:
        # Python lower-cases İ to i + combining dot, as careless systems do.
        return ascii_fold((text or "").replace("\u0307", ""), german=False).lower()

    results = _noisy(samples, NoiseKind.NAME_CASE)

    assert len(results) == len(samples)
    assert all(folded(b.last_name) == folded(a.last_name) for b, a, _ in results)


@given(
    text=st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßçğışİ", min_size=3, max_size=20),
    seed=st.integers(0, 2**32),
    country=st.sampled_from(list(Country)),
)
def test_typo_is_always_exactly_one_edit(text: str, seed: int, country: Country) -> None:
    result = typo(random.Random(seed), text, country)

    assert jellyfish.damerau_levenshtein_distance(text, result) == 1
