"""Which CSV column is which canonical field: the mapping of ``crmsync dedupe``, from flags or YAML.

YAML form::

    systems:
      crm: {file: crm.csv, role: crm, id: Id, columns: {"E-Mail": email, Vorname: first_name}}
      shop: {file: shop.csv, role: shop, columns: {mail: email, crm_ref: "id:crm"}}
    extras: {soc_sec_id: id}

A column whose name is already a canonical field maps to it without being listed. ``id:NS``
fields carry ids shared across systems; ``extras`` declares further fields and their
comparator kind (name, text, date, id, number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sync.identity.profile import CANONICAL_FIELDS, EXTERNAL_ID_PREFIX
from sync.identity.settings import ExtraKind

KNOWN_FIELDS = (*CANONICAL_FIELDS, "house_number")


class MappingError(ValueError):
    """The mapping (flags or file) is unusable; the user must fix it. Exit code 2."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One CSV export: its system, role, path, id column and column → field mapping."""

    system: str
    role: str
    path: Path
    id_column: str | None
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FileJob:
    sources: tuple[SourceFile, ...]
    extras: tuple[tuple[str, ExtraKind], ...]


class _SystemModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str | None = None
    role: str = "other"
    id: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)


class _MappingModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    systems: dict[str, _SystemModel] = Field(default_factory=dict)
    extras: dict[str, ExtraKind] = Field(default_factory=dict)


def _pairs(options: Sequence[str], what: str) -> list[tuple[str, str]]:
    found = []
    for option in options:
        left, sep, right = option.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise MappingError(f"{what} must look like LEFT=RIGHT, got {option!r}")
        found.append((left.strip(), right.strip()))
    return found


def _load(path: Path) -> _MappingModel:
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
        return _MappingModel.model_validate(data)
    except (OSError, YAMLError) as error:
        raise MappingError(f"cannot read mapping file {path}: {type(error).__name__}") from None
    except ValidationError as error:
        problems = "; ".join(".".join(map(str, e["loc"])) + ": " + e["msg"] for e in error.errors())
        raise MappingError(f"mapping file {path}: {problems}") from None


def job_from_options(
    inputs: Sequence[str],
    crm_systems: Sequence[str] = (),
    column_maps: Sequence[str] = (),
    id_column: str | None = None,
    extras: Sequence[str] = (),
    mapping_file: Path | None = None,
) -> FileJob:
    """Combine ``--input NAME=PATH``, ``--crm NAME``, ``--map COLUMN=FIELD``, ``--id COLUMN``,
    ``--extra NAME=KIND`` and an optional YAML mapping (flags win) into a :class:`FileJob`."""
    loaded = _load(mapping_file) if mapping_file else _MappingModel()
    base = mapping_file.parent if mapping_file else Path()
    try:
        extra_kinds = dict(loaded.extras) | {n: ExtraKind(k) for n, k in _pairs(extras, "--extra")}
    except ValueError as error:
        raise MappingError(f"--extra kind must be one of {[k.value for k in ExtraKind]}") from error
    paths = {name: Path(p) for name, p in _pairs(inputs, "--input")}
    paths |= {n: base / s.file for n, s in loaded.systems.items() if s.file and n not in paths}
    if not paths:
        raise MappingError("no input: give --input NAME=PATH or systems with a file")
    flag_columns = dict(_pairs(column_maps, "--map"))
    sources = tuple(
        _source(name, path, loaded.systems.get(name), crm_systems, flag_columns, id_column)
        for name, path in paths.items()
    )
    job = FileJob(sources, tuple(sorted(extra_kinds.items())))
    _check_fields(job)
    return job


def _source(
    name: str,
    path: Path,
    system: _SystemModel | None,
    crm_systems: Sequence[str],
    flag_columns: dict[str, str],
    id_column: str | None,
) -> SourceFile:
    declared = system or _SystemModel()
    role = "crm" if name in crm_systems else declared.role
    columns = declared.columns | flag_columns
    return SourceFile(name, role, path, id_column or declared.id, tuple(columns.items()))


def _check_fields(job: FileJob) -> None:
    allowed = {*KNOWN_FIELDS, *(name for name, _ in job.extras)}
    for source in job.sources:
        for column, field in source.columns:
            if field not in allowed and not field.startswith(EXTERNAL_ID_PREFIX):
                raise MappingError(
                    f"system {source.system}: column {column!r} maps to unknown field {field!r}"
                    " (declare it with --extra NAME=KIND)"
                )
