"""Labelled person records as CSV files, the input of the identity benchmarks and dedupe."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from connectors.toolkit.sandbox import SeedPerson
from sync.demo.noise import NoiseKind

CSV_COLUMNS = (
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
)
_FIELDS = CSV_COLUMNS[2:]


@dataclass(frozen=True, slots=True)
class LabelledRecord:
    """One record with the id of the real person behind it (the truth a matcher is scored on)."""

    record_id: str
    person_id: int
    record: SeedPerson
    noise: tuple[NoiseKind, ...] = ()


def write_labelled_csv(path: Path, records: Iterable[LabelledRecord]) -> int:
    """Write ``records`` with a header row (UTF-8); returns the number of records written."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        # csv writes None as an empty cell and a date as its ISO form.
        for item in records:
            r = item.record
            writer.writerow(
                (item.record_id, item.person_id, r.first_name, r.last_name, r.email, r.phone,
                 r.street, r.postcode, r.city, r.country, r.birthday, r.company)
            )  # fmt: skip
            count += 1
    return count


def write_csv(
    path: Path, records: Iterable[SeedPerson], truth: Iterable[int], *, id_prefix: str = "r"
) -> int:
    """Write ``records`` labelled with the person ids in ``truth`` (same order and length).

    Record ids are ``id_prefix`` plus the record's index, so they lead back to the list.
    """
    labelled = (
        LabelledRecord(f"{id_prefix}{index}", person_id, record)
        for index, (record, person_id) in enumerate(zip(records, truth, strict=True))
    )
    return write_labelled_csv(path, labelled)


def read_csv(path: Path) -> Iterator[LabelledRecord]:
    """The records of a file written by :func:`write_csv`; empty cells come back as ``None``."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            values: dict[str, str | None] = {name: row[name] or None for name in _FIELDS}
            birthday = values.pop("birthday")
            record = SeedPerson(
                **values,  # type: ignore[arg-type]
                birthday=date.fromisoformat(birthday) if birthday else None,
            )
            yield LabelledRecord(row["record_id"], int(row["person_id"]), record)
