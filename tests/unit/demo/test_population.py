"""CRM and MA views of one population: sizes, overlap, truth and e-mail keys."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from sync.demo.population import (
    DEFAULT_AS_OF,
    CrmIdsMismatchError,
    NoiseProfile,
    Population,
    build_population,
    with_crm_refs,
)

LIFECYCLE = {
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
}


@pytest.fixture(scope="module")
def population() -> Population:
    return build_population(3, crm=3000, ma=2500, overlap=0.6, noise=NoiseProfile())


def test_same_seed_gives_the_same_population() -> None:
    first = build_population(9, crm=400, ma=300, overlap=0.5, noise=NoiseProfile())

    again = build_population(9, crm=400, ma=300, overlap=0.5, noise=NoiseProfile())

    assert again == first


def test_another_seed_gives_another_population() -> None:
    first = build_population(9, crm=400, ma=300, overlap=0.5, noise=NoiseProfile())

    other = build_population(10, crm=400, ma=300, overlap=0.5, noise=NoiseProfile())

    assert other.crm != first.crm


@pytest.mark.parametrize(
    ("crm", "ma", "overlap"),
    [(0, 0, 0.6), (50, 0, 0.6), (0, 50, 0.6), (120, 80, 1.0), (80, 120, 0.0)],
)
def test_sizes_are_exactly_as_requested(crm: int, ma: int, overlap: float) -> None:
    population = build_population(1, crm=crm, ma=ma, overlap=overlap, noise=NoiseProfile())

    sizes = (len(population.crm), len(population.ma), len(population.truth.crm_person))

    assert sizes == (crm, ma, crm)


def test_overlap_is_the_share_of_people_in_both_systems(population: Population) -> None:
    truth = population.truth
    crm_people = set(truth.crm_person)

    shared = len(crm_people & set(truth.ma_person))

    assert shared == round(0.6 * min(len(crm_people), len(truth.ma_person)))


def test_crm_holds_the_requested_share_of_internal_duplicates(population: Population) -> None:
    truth = population.truth

    duplicates = truth.crm_duplicate_pairs()

    assert len(duplicates) == round(3000 * NoiseProfile().crm_duplicate)
    assert len(set(truth.crm_person)) == 3000 - len(duplicates)


def test_duplicates_point_at_an_earlier_record_of_the_same_person(population: Population) -> None:
    truth = population.truth

    wrong = [
        (first, dup)
        for first, dup in truth.crm_duplicate_pairs()
        if first == dup or truth.crm_person[first] != truth.crm_person[dup]
    ]

    assert wrong == []


def test_every_record_belongs_to_a_person(population: Population) -> None:
    truth = population.truth

    lengths = {len(truth.ma_person), len(truth.ma_crm_ref), len(truth.ma_noise)}

    assert lengths == {len(population.ma)}
    assert all(isinstance(pid, int) for pid in truth.crm_person + truth.ma_person)


def test_cross_pairs_join_records_of_the_same_person(population: Population) -> None:
    truth = population.truth

    crm_people = set(truth.crm_person)

    pairs = truth.cross_pairs()

    assert all(truth.crm_person[c] == truth.ma_person[m] for c, m in pairs)
    assert {m for _, m in pairs} == {
        m for m, pid in enumerate(truth.ma_person) if pid in crm_people
    }


def test_crm_refs_point_at_a_first_crm_record_of_the_same_person(population: Population) -> None:
    truth = population.truth
    refs = [(m, c) for m, c in enumerate(truth.ma_crm_ref) if c is not None]

    wrong = [
        (m, c)
        for m, c in refs
        if truth.ma_person[m] != truth.crm_person[c] or truth.crm_duplicate_of[c] is not None
    ]

    assert wrong == []
    assert len(refs) == pytest.approx(0.5 * len(truth.cross_pairs()), rel=0.15)


def test_new_subscribers_have_no_crm_record(population: Population) -> None:
    truth = population.truth
    crm_people = set(truth.crm_person)

    new = [m for m, pid in enumerate(truth.ma_person) if pid not in crm_people]

    assert len(new) == 2500 - len(crm_people & set(truth.ma_person))
    assert all(truth.ma_crm_ref[m] is None for m in new)


def test_emails_are_unique_within_each_system(population: Population) -> None:
    crm = [r.email.strip().lower() for r in population.crm if r.email]
    ma = [r.email.strip().lower() for r in population.ma if r.email]

    assert (len(set(crm)), len(set(ma))) == (len(crm), len(ma))


def test_every_ma_member_has_an_email(population: Population) -> None:
    assert all(record.email for record in population.ma)


def test_consent_is_mostly_subscribed_in_the_ma_and_unstated_in_the_crm(
    population: Population,
) -> None:
    ma = Counter(r.email_status for r in population.ma)
    crm = Counter(r.email_status for r in population.crm)

    assert ma["subscribed"] / len(population.ma) == pytest.approx(0.82, abs=0.04)
    assert ma["unsubscribed"] / len(population.ma) == pytest.approx(0.10, abs=0.03)
    assert {"cleaned", "pending", "transactional"} <= set(ma)
    assert crm[None] / len(population.crm) > 0.95


def test_each_system_carries_its_own_fields(population: Population) -> None:
    crm_stages = {r.lifecycle_stage for r in population.crm}
    ma_stages = {r.lifecycle_stage for r in population.ma}
    ratings = {r.rating for r in population.ma}

    assert (crm_stages, ma_stages, ratings) == (LIFECYCLE, {None}, {1, 2, 3, 4, 5})
    assert all(0 <= r.click_rate <= r.open_rate <= 1 for r in population.ma)  # type: ignore[operator]
    assert any(r.tags for r in population.ma)
    assert not any(r.tags for r in population.crm)


def test_modified_times_spread_over_the_half_year_before_as_of(population: Population) -> None:
    times = [r.modified_at for r in population.crm + population.ma if r.modified_at]

    assert len(times) == len(population.crm) + len(population.ma)
    assert min(times) >= DEFAULT_AS_OF - timedelta(days=180)
    assert max(times) <= DEFAULT_AS_OF
    assert max(times) - min(times) > timedelta(days=150)


def test_with_crm_refs_fills_in_the_seeded_ids(population: Population) -> None:
    crm_ids = [f"id-{i}" for i in range(len(population.crm))]

    ma = with_crm_refs(population, crm_ids)

    expected = [None if c is None else f"id-{c}" for c in population.truth.ma_crm_ref]
    assert [r.crm_ref for r in ma] == expected
    assert [replace(r, crm_ref=None) for r in ma] == population.ma


def test_with_crm_refs_rejects_ids_that_do_not_line_up(population: Population) -> None:
    with pytest.raises(CrmIdsMismatchError) as caught:
        with_crm_refs(population, ["only-one"])

    assert (caught.value.expected, caught.value.actual) == (3000, 1)


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="overlap"):
        build_population(1, crm=10, ma=10, overlap=1.5, noise=NoiseProfile())
