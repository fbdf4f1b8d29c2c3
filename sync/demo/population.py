"""A CRM and an MA seeded from one synthetic population, with the truth to score matching.

This is the entry point of ``sync.demo``: the demo, end-to-end tests and benchmarks call
:func:`build_population`, seed the CRM sandbox with ``population.crm``, then seed the MA
sandbox with ``with_crm_refs(population, crm_ids)``. Two records of the same person carry
the same person id in :class:`Truth`; the second copy of a person goes through
:func:`~sync.demo.noise.apply_noise`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum

from connectors.toolkit.sandbox import SeedPerson
from sync.demo.contact import provider
from sync.demo.dedupe_set import generate_dedupe_file
from sync.demo.export import LabelledRecord, read_csv, write_csv
from sync.demo.names import below
from sync.demo.noise import NoiseKind, NoiseProfile, apply_noise
from sync.demo.people import Person, iter_people
from sync.demo.views import CRM_SHAPE, DEFAULT_AS_OF, MA_SHAPE, base_record, view

__all__ = [
    "DEFAULT_AS_OF",
    "CrmIdsMismatchError",
    "LabelledRecord",
    "NoiseKind",
    "NoiseProfile",
    "Population",
    "Truth",
    "build_population",
    "generate_dedupe_file",
    "iter_people",
    "read_csv",
    "with_crm_refs",
    "write_csv",
]


class CrmIdsMismatchError(ValueError):
    """The CRM ids given do not line up with the population's CRM records (fix the caller)."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"expected {expected} CRM ids, got {actual}")
        self.expected = expected
        self.actual = actual


# A second CRM contact of a person exists because someone typed another address, or none.
_CRM_SPARE_EMAIL = 0.6


class _Role(IntEnum):
    CRM_ONLY = 0
    MA_ONLY = 1
    BOTH = 2


@dataclass(frozen=True, slots=True)
class Truth:
    """Who is who: aligned by index with ``Population.crm`` and ``Population.ma``.

    ``ma_crm_ref[i]`` is the index of the CRM record whose id MA record ``i`` keeps in its
    ``crm_ref`` field (``None``: it keeps none). ``crm_duplicate_of[i]`` is the index of the
    first CRM record of the same person when CRM record ``i`` is a CRM-internal duplicate.
    """

    crm_person: list[int]
    ma_person: list[int]
    ma_crm_ref: list[int | None]
    crm_duplicate_of: list[int | None]
    crm_noise: list[tuple[NoiseKind, ...]]
    ma_noise: list[tuple[NoiseKind, ...]]

    def cross_pairs(self) -> set[tuple[int, int]]:
        """Every (CRM index, MA index) pair that is the same person."""
        crm_by_person: dict[int, list[int]] = {}
        for index, person_id in enumerate(self.crm_person):
            crm_by_person.setdefault(person_id, []).append(index)
        return {
            (crm_index, ma_index)
            for ma_index, person_id in enumerate(self.ma_person)
            for crm_index in crm_by_person.get(person_id, ())
        }

    def crm_duplicate_pairs(self) -> set[tuple[int, int]]:
        """(first CRM index, duplicate CRM index) for every CRM-internal duplicate."""
        return {
            (first, dup) for dup, first in enumerate(self.crm_duplicate_of) if first is not None
        }


@dataclass(frozen=True, slots=True)
class Population:
    crm: list[SeedPerson]
    ma: list[SeedPerson]
    truth: Truth


@dataclass(frozen=True, slots=True)
class _Plan:
    shared: int
    crm_only: int
    ma_only: int
    crm_duplicates: int

    @classmethod
    def of(cls, crm: int, ma: int, overlap: float, duplicate_rate: float) -> _Plan:
        if crm < 0 or ma < 0 or not 0.0 <= overlap <= 1.0:
            raise ValueError("sizes must be >= 0 and overlap within [0, 1]")
        duplicates = min(round(crm * duplicate_rate), crm // 2)
        shared = round(overlap * min(crm - duplicates, ma))
        return cls(shared, crm - duplicates - shared, ma - shared, duplicates)


class _Builder:
    """Collects both systems' records person by person, keeping e-mails unique per system."""

    def __init__(self, seed: int, noise: NoiseProfile, as_of: datetime, ref_share: float) -> None:
        self.render = random.Random(f"{seed}/render")
        self.noisy = random.Random(f"{seed}/noise")
        # Its own stream, so noise-free and noisy populations of one seed stay record twins.
        self.spare = random.Random(f"{seed}/spare-emails")
        self.noise, self.as_of, self.ref_share = noise, as_of, ref_share
        self.crm: list[SeedPerson] = []
        self.ma: list[SeedPerson] = []
        self.crm_person: list[int] = []
        self.ma_person: list[int] = []
        self.ma_ref: list[int | None] = []
        self.crm_dup_of: list[int | None] = []
        self.crm_noise: list[tuple[NoiseKind, ...]] = []
        self.ma_noise: list[tuple[NoiseKind, ...]] = []
        self._crm_emails: set[str] = set()
        self._ma_emails: set[str] = set()

    def add(self, person: Person, role: _Role, has_duplicate: bool) -> None:
        base = base_record(self.render, person)
        crm_index = None
        if role is not _Role.MA_ONLY:
            crm_index = self._add_crm(person, view(self.render, base, CRM_SHAPE, self.as_of))
            if has_duplicate:
                copy = view(self.render, base, CRM_SHAPE, self.as_of)
                self._add_crm(person, copy, duplicate_of=crm_index, noisy=True)
        if role is not _Role.CRM_ONLY:
            record = view(self.render, base, MA_SHAPE, self.as_of)
            kinds: tuple[NoiseKind, ...] = ()
            if role is _Role.BOTH:
                record, kinds = apply_noise(self.noisy, record, person, self.noise)
            record, kinds = self._claim(record, kinds, person, self._ma_emails, spare_share=1.0)
            keeps_ref = crm_index is not None and self.render.random() < self.ref_share
            self.ma.append(record)
            self.ma_person.append(person.person_id)
            self.ma_ref.append(crm_index if keeps_ref else None)
            self.ma_noise.append(kinds)

    def _add_crm(
        self,
        person: Person,
        record: SeedPerson,
        *,
        duplicate_of: int | None = None,
        noisy: bool = False,
    ) -> int:
        kinds: tuple[NoiseKind, ...] = ()
        if noisy:
            record, kinds = apply_noise(self.noisy, record, person, self.noise)
        record, kinds = self._claim(
            record, kinds, person, self._crm_emails, spare_share=_CRM_SPARE_EMAIL
        )
        self.crm.append(record)
        self.crm_person.append(person.person_id)
        self.crm_dup_of.append(duplicate_of)
        self.crm_noise.append(kinds)
        return len(self.crm) - 1

    def _claim(
        self,
        record: SeedPerson,
        kinds: tuple[NoiseKind, ...],
        person: Person,
        taken: set[str],
        *,
        spare_share: float,
    ) -> tuple[SeedPerson, tuple[NoiseKind, ...]]:
        """Both vendors key contacts by e-mail: a taken address becomes another one, or none."""
        if record.email is None:
            return record, kinds
        key = _key(record.email)
        if key not in taken:
            taken.add(key)
            return record, kinds
        email = self._free_email(person, taken, spare_share)
        if email is not None:
            taken.add(_key(email))
        marked = kinds if NoiseKind.OTHER_EMAIL in kinds else (*kinds, NoiseKind.OTHER_EMAIL)
        return replace(record, email=email), marked

    def _free_email(self, person: Person, taken: set[str], spare_share: float) -> str | None:
        """Another address of the person; failing that, a new one (``spare_share``) or none."""
        for candidate in (person.private_email, person.work_email):
            if candidate and _key(candidate) not in taken:
                return candidate
        if self.spare.random() >= spare_share:
            return None
        local, country = person.private_email.split("@")[0], person.address.country
        while True:
            candidate = f"{local}{below(self.spare, 9000) + 10}@{provider(self.spare, country)}"
            if _key(candidate) not in taken:
                return candidate

    def finish(self, seed: int) -> Population:
        order = random.Random(f"{seed}/order")
        crm_perm, ma_perm = _permutation(order, len(self.crm)), _permutation(order, len(self.ma))
        crm_pos = _inverse(crm_perm)
        truth = Truth(
            crm_person=[self.crm_person[i] for i in crm_perm],
            ma_person=[self.ma_person[i] for i in ma_perm],
            ma_crm_ref=[_moved(self.ma_ref[i], crm_pos) for i in ma_perm],
            crm_duplicate_of=[_moved(self.crm_dup_of[i], crm_pos) for i in crm_perm],
            crm_noise=[self.crm_noise[i] for i in crm_perm],
            ma_noise=[self.ma_noise[i] for i in ma_perm],
        )
        crm = [self.crm[i] for i in crm_perm]
        return Population(crm=crm, ma=[self.ma[i] for i in ma_perm], truth=truth)


def _key(email: str) -> str:
    return email.strip().lower()


def _permutation(rng: random.Random, n: int) -> list[int]:
    order = list(range(n))
    rng.shuffle(order)
    return order


def _inverse(permutation: list[int]) -> list[int]:
    position = [0] * len(permutation)
    for new, old in enumerate(permutation):
        position[old] = new
    return position


def _moved(index: int | None, position: list[int]) -> int | None:
    return None if index is None else position[index]


def _roles(seed: int, plan: _Plan) -> tuple[list[_Role], set[int]]:
    """Each person's systems in random order, and which CRM people the CRM holds twice."""
    rng = random.Random(f"{seed}/roles")
    roles = [_Role.BOTH] * plan.shared + [_Role.CRM_ONLY] * plan.crm_only
    roles += [_Role.MA_ONLY] * plan.ma_only
    rng.shuffle(roles)
    in_crm = [i for i, role in enumerate(roles) if role is not _Role.MA_ONLY]
    return roles, set(rng.sample(in_crm, plan.crm_duplicates))


def build_population(
    seed: int,
    *,
    crm: int,
    ma: int,
    overlap: float,
    noise: NoiseProfile,
    crm_ref_share: float = 0.5,
    as_of: datetime = DEFAULT_AS_OF,
) -> Population:
    """``crm`` CRM records and ``ma`` MA records; the same arguments give the same population.

    ``overlap`` is the share of the smaller system's people also present in the other (0.6 with
    100k each: 60k people in both, 40k only in each). The CRM count includes
    ``noise.crm_duplicate`` internal duplicates; MA records of people not in the CRM are new
    subscribers. ``crm_ref_share`` of the MA records of shared people keep the CRM id.
    ``modified_at`` values spread over the 180 days before ``as_of``, most of them recent.
    """
    plan = _Plan.of(crm, ma, overlap, noise.crm_duplicate)
    roles, duplicated = _roles(seed, plan)
    builder = _Builder(seed, noise, as_of, crm_ref_share)
    for person in iter_people(seed, len(roles)):
        builder.add(person, roles[person.person_id], person.person_id in duplicated)
    return builder.finish(seed)


def with_crm_refs(population: Population, crm_ids: Sequence[str]) -> list[SeedPerson]:
    """The MA records with ``crm_ref`` set to the seeded CRM ids (``crm_ids`` in CRM order).

    Raises :class:`CrmIdsMismatchError` when ``crm_ids`` does not match ``population.crm``.
    """
    if len(crm_ids) != len(population.crm):
        raise CrmIdsMismatchError(len(population.crm), len(crm_ids))
    refs = population.truth.ma_crm_ref
    return [
        record if ref is None else replace(record, crm_ref=crm_ids[ref])
        for record, ref in zip(population.ma, refs, strict=True)
    ]
