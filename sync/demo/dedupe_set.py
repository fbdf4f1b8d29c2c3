"""A single-file deduplication data set with known clusters of 2-5 records, generated lazily."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sync.demo.export import LabelledRecord, write_labelled_csv
from sync.demo.names import Weighted, below
from sync.demo.noise import NoiseProfile, apply_noise
from sync.demo.people import Person, iter_people
from sync.demo.views import DEFAULT_AS_OF, FILE_SHAPE, Base, base_record, view

_CLUSTER_SIZES = Weighted.pairs([(2, 60), (3, 25), (4, 10), (5, 5)])
_MEAN_EXTRA_COPIES = 1.6
# Later copies of a person turn up within this many records of the first, as in a real export.
_MAX_DELAY = 50_000

_Pending = tuple[int, int, Person, Base]


def generate_dedupe_file(
    seed: int,
    n_records: int,
    dup_rate: float,
    noise: NoiseProfile,
    *,
    as_of: datetime = DEFAULT_AS_OF,
) -> Iterator[LabelledRecord]:
    """``n_records`` records, about ``dup_rate`` of them further copies of an earlier person.

    The first record of a person is clean, further copies go through ``noise``. Memory stays
    bounded by the copies not yet written, whatever ``n_records`` is.
    """
    if n_records < 0 or not 0.0 <= dup_rate < 1.0:
        raise ValueError("n_records must be >= 0 and dup_rate within [0, 1)")
    rng, noisy = random.Random(f"{seed}/dedupe"), random.Random(f"{seed}/noise")
    duplicated_share = min(1.0, dup_rate / (_MEAN_EXTRA_COPIES * (1.0 - dup_rate)))
    people = iter_people(seed, n_records)
    pending: list[_Pending] = []
    tiebreak = itertools.count()
    for position in range(n_records):
        if pending and (pending[0][0] <= position or len(pending) >= n_records - position):
            _, _, person, base = heapq.heappop(pending)
            copy = view(rng, base, FILE_SHAPE, as_of)
            record, kinds = apply_noise(noisy, copy, person, noise)
        else:
            person = next(people)
            base = base_record(rng, person)
            record, kinds = view(rng, base, FILE_SHAPE, as_of), ()
            if rng.random() < duplicated_share:
                for _ in range(_CLUSTER_SIZES.pick(rng) - 1):
                    due = position + 1 + below(rng, _MAX_DELAY)
                    heapq.heappush(pending, (due, next(tiebreak), person, base))
        yield LabelledRecord(f"rec-{position:07d}", person.person_id, record, kinds)


def write_dedupe_csv(
    path: Path, seed: int, n_records: int, dup_rate: float, noise: NoiseProfile
) -> int:
    """Stream :func:`generate_dedupe_file` into a CSV file; returns the records written."""
    return write_labelled_csv(path, generate_dedupe_file(seed, n_records, dup_rate, noise))
