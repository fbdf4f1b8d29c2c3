"""Reading CSV exports into profiles and profile tables, normalised in parallel processes.

Normalising e-mails, phones, names and addresses is the costly part of a large file run. Each
worker process reads the files itself and normalises every ``parts``-th row into a table of
its own; the parent merges the tables. Rows keep their file order.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
from collections.abc import Iterator

import numpy as np

from sync.identity.filemapping import KNOWN_FIELDS, FileJob, MappingError, SourceFile
from sync.identity.profile import Profile, SourceRef, build_profile
from sync.identity.settings import MatchSettings
from sync.identity.table import ProfileTable, TableBuilder, merge_tables

CSV_FIELD_LIMIT = 1 << 20
CHUNK_ROWS = 10_000
PARALLEL_BYTES = 8 << 20
Row = tuple[str, dict[str, str | None]]
NumberedRow = tuple[int, str, dict[str, str | None]]


class _Share:
    """Selects one worker's share of rows numbered across all files, and counts the rows."""

    def __init__(self, part: int, parts: int) -> None:
        self.part, self.parts, self.offset, self.rows = part, parts, 0, 0

    def next_file(self) -> None:
        self.offset, self.rows = self.offset + self.rows, 0

    def __call__(self, number: int) -> bool:
        self.rows = number + 1
        return (self.offset + number) % self.parts == self.part

    def position(self, number: int) -> int:
        return self.offset + number


def _rows(source: SourceFile, keep: _Share | None = None) -> Iterator[NumberedRow]:
    """The numbered, mapped rows of one file; with ``keep``, only the rows it selects
    (decided before any mapping, so a worker skips the rows of other workers cheaply)."""
    mapping = dict(source.columns)
    try:
        with source.path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            if source.id_column and source.id_column not in header:
                raise MappingError(f"system {source.system}: no id column {source.id_column!r}")
            fields = [mapping.get(c, c if c in KNOWN_FIELDS else None) for c in header]
            used = [(k, f) for k, f in enumerate(fields) if f]
            id_at = header.index(source.id_column) if source.id_column else None
            for number, row in enumerate(reader):
                if keep is not None and not keep(number):
                    continue
                record_id = row[id_at] if id_at is not None else str(number + 1)
                yield number, record_id, {f: row[k] if k < len(row) else None for k, f in used}
    except OSError as error:
        raise MappingError(f"cannot read input of system {source.system}") from error


Chunk = tuple[str, str, list[Row], MatchSettings]


def _chunks(job: FileJob, settings: MatchSettings) -> Iterator[Chunk]:
    for source in job.sources:
        rows: list[Row] = []
        for _, record_id, values in _rows(source):
            rows.append((record_id, values))
            if len(rows) == CHUNK_ROWS:
                yield source.system, source.role, rows, settings
                rows = []
        if rows:
            yield source.system, source.role, rows, settings


def _profiles(chunk: Chunk) -> list[Profile]:
    system, role, rows, settings = chunk
    return [build_profile(SourceRef(system, role, rid), values, settings) for rid, values in rows]


def read_profiles(job: FileJob, settings: MatchSettings, workers: int = 0) -> Iterator[Profile]:
    """Every row of every file as a normalised Profile, in file order.

    Rows stream through in chunks; with ``workers > 1`` the chunks are normalised in that many
    processes (normalising e-mails, phones and addresses is the costly part of a large run);
    ``workers == 0`` means one per CPU for inputs over ``PARALLEL_BYTES``, else one.
    """
    csv.field_size_limit(CSV_FIELD_LIMIT)
    workers = _worker_count(job, workers)
    if workers <= 1:
        for chunk in _chunks(job, settings):
            yield from _profiles(chunk)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for profiles in pool.imap(_profiles, _chunks(job, settings)):
            yield from profiles


def _worker_count(job: FileJob, workers: int) -> int:
    if workers:
        return workers
    small = sum(s.path.stat().st_size for s in job.sources if s.path.exists()) < PARALLEL_BYTES
    return 1 if small else os.cpu_count() or 1


def _part(task: tuple[FileJob, MatchSettings, int, int]) -> tuple[np.ndarray, ProfileTable]:
    """Rows ``part``, ``part + parts``, … of all files (numbered across files) as a table."""
    job, settings, part, parts = task
    csv.field_size_limit(CSV_FIELD_LIMIT)
    builder = TableBuilder([name for name, _ in job.extras])
    numbers: list[int] = []
    share = _Share(part, parts)
    for source in job.sources:
        share.next_file()
        for number, record_id, values in _rows(source, share):
            numbers.append(share.position(number))
            ref = SourceRef(source.system, source.role, record_id)
            builder.add(build_profile(ref, values, settings))
    return np.asarray(numbers, dtype=np.int64), builder.build()


def read_table(job: FileJob, settings: MatchSettings, workers: int = 0) -> ProfileTable:
    """All rows of all files as one table, in file order; ``workers`` as in
    :func:`read_profiles`. Only columns are kept, never the profiles."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    parts = _worker_count(job, workers)
    if parts <= 1:
        return TableBuilder([name for name, _ in job.extras]).extend(
            read_profiles(job, settings, 1)
        )
    tasks = [(job, settings, part, parts) for part in range(parts)]
    # fork, not spawn/forkserver: those re-import the caller's main module, which breaks any
    # script that calls this without an ``if __name__ == "__main__"`` guard.
    with multiprocessing.get_context("fork").Pool(parts) as pool:
        return merge_tables(pool.map(_part, tasks))
