"""CSV export with truth labels, and the single-file dedup data set with known clusters."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import pytest

from connectors.toolkit.sandbox import SeedPerson
from sync.demo.dedupe_set import write_dedupe_csv
from sync.demo.export import CSV_COLUMNS
from sync.demo.population import (
    LabelledRecord,
    NoiseProfile,
    build_population,
    generate_dedupe_file,
    read_csv,
    write_csv,
)

EXPECTED_COLUMNS = [
    "record_id",
    "person_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "postcode",
    "city",
    "country",
    "birthday",
    "company",
]


def _csv_part(record: SeedPerson) -> SeedPerson:
    """The fields the CSV carries; the others come back empty."""
    return SeedPerson(
        **{name: getattr(record, name) for name in CSV_COLUMNS[2:]},
    )


@pytest.fixture(scope="module")
def dedupe() -> list[LabelledRecord]:
    return list(generate_dedupe_file(13, 6000, 0.2, NoiseProfile()))


def test_csv_round_trip_keeps_records_and_truth(tmp_path: Path) -> None:
    population = build_population(2, crm=300, ma=200, overlap=0.6, noise=NoiseProfile())
    path = tmp_path / "crm.csv"

    written = write_csv(path, population.crm, population.truth.crm_person, id_prefix="crm-")
    rows = list(read_csv(path))

    assert written == 300
    assert [row.record for row in rows] == [_csv_part(r) for r in population.crm]
    assert [row.person_id for row in rows] == population.truth.crm_person
    assert [row.record_id for row in rows] == [f"crm-{i}" for i in range(300)]


def test_csv_has_the_documented_columns(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    write_csv(path, [SeedPerson(email="a@example.org", first_name="Ömer")], [7])

    with path.open(encoding="utf-8", newline="") as handle:
        header, row = list(csv.reader(handle))

    assert header == EXPECTED_COLUMNS
    assert row[:5] == ["r0", "7", "Ömer", "", "a@example.org"]


def test_write_csv_rejects_truth_of_another_length(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"shorter|longer"):
        write_csv(tmp_path / "x.csv", [SeedPerson(email=None)], [1, 2])


def test_dedupe_file_has_exactly_the_requested_records(dedupe: list[LabelledRecord]) -> None:
    ids = [r.record_id for r in dedupe]

    assert (len(ids), len(set(ids))) == (6000, 6000)


def test_dedupe_file_is_repeatable() -> None:
    first = list(generate_dedupe_file(5, 500, 0.3, NoiseProfile()))

    again = list(generate_dedupe_file(5, 500, 0.3, NoiseProfile()))

    assert again == first


def test_duplicate_share_and_cluster_sizes(dedupe: list[LabelledRecord]) -> None:
    sizes = Counter(Counter(r.person_id for r in dedupe).values())

    duplicates = sum((size - 1) * count for size, count in sizes.items())

    assert duplicates / len(dedupe) == pytest.approx(0.2, abs=0.03)
    assert set(sizes) == {1, 2, 3, 4, 5}
    assert sizes[2] > sizes[3] > sizes[4] > sizes[5]


def test_first_record_of_a_person_is_clean_and_later_ones_noisy(
    dedupe: list[LabelledRecord],
) -> None:
    seen: set[int] = set()
    first_noise, later_noisy, later = [], 0, 0
    for record in dedupe:
        if record.person_id in seen:
            later += 1
            later_noisy += bool(record.noise)
        else:
            first_noise.append(record.noise)
            seen.add(record.person_id)

    assert set(first_noise) == {()}
    assert later_noisy / later > 0.5


def test_cluster_members_are_spread_through_the_file(dedupe: list[LabelledRecord]) -> None:
    positions: dict[int, list[int]] = defaultdict(list)
    for index, record in enumerate(dedupe):
        positions[record.person_id].append(index)

    gaps = [p[-1] - p[0] for p in positions.values() if len(p) > 1]

    assert sum(gaps) / len(gaps) > 500


def test_no_noise_gives_copies_that_differ_only_in_missing_fields() -> None:
    records = list(generate_dedupe_file(6, 800, 0.3, NoiseProfile.none()))
    by_person: dict[int, list[SeedPerson]] = defaultdict(list)
    for r in records:
        by_person[r.person_id].append(replace(r.record, modified_at=None))

    conflicting = [
        copies
        for copies in by_person.values()
        for name in ("first_name", "last_name", "email", "phone", "street", "birthday")
        if len({getattr(c, name) for c in copies} - {None}) > 1
    ]

    assert conflicting == []


def test_dedupe_csv_streams_every_record(tmp_path: Path) -> None:
    path = tmp_path / "dedupe.csv"

    written = write_dedupe_csv(path, 4, 700, 0.2, NoiseProfile())
    rows = list(read_csv(path))

    assert written == len(rows) == 700
    assert [r.person_id for r in rows] == [
        r.person_id for r in generate_dedupe_file(4, 700, 0.2, NoiseProfile())
    ]


def test_bad_dup_rate_is_rejected() -> None:
    with pytest.raises(ValueError, match="dup_rate"):
        next(generate_dedupe_file(1, 10, 1.0, NoiseProfile()))
