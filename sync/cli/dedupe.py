"""The ``crmsync dedupe`` command: identity resolution over CSV exports (audits, benchmarks)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sync.identity.filemapping import MappingError, job_from_options
from sync.identity.filematch import run_dedupe
from sync.identity.settings import MatchSettings

Inputs = Annotated[list[str], typer.Option("--input", help="NAME=PATH of one system's CSV export.")]
Crm = Annotated[list[str], typer.Option("--crm", help="NAME of a system that is a CRM.")]
Maps = Annotated[list[str], typer.Option("--map", help="COLUMN=FIELD, e.g. Vorname=first_name.")]
IdColumn = Annotated[str | None, typer.Option("--id", help="Column holding the record id.")]
Extras = Annotated[list[str], typer.Option("--extra", help="NAME=KIND of an extra field.")]
MappingFile = Annotated[Path | None, typer.Option("--mapping", help="YAML column mapping.")]
OutDir = Annotated[Path, typer.Option("--out", help="Directory for clusters.csv, pairs.csv.")]
Country = Annotated[str, typer.Option("--country", help="Default country and phone region.")]
ModelIn = Annotated[Path | None, typer.Option("--model", help="Reuse a fitted model (JSON).")]
ModelOut = Annotated[Path | None, typer.Option("--save-model", help="Write the fitted model.")]
Workers = Annotated[int, typer.Option("--workers", help="Processes to normalise with (0: auto).")]


def dedupe(
    inputs: Inputs = [],  # noqa: B006 - typer reads the default, never mutates it
    crm: Crm = [],  # noqa: B006
    maps: Maps = [],  # noqa: B006
    id_column: IdColumn = None,
    extras: Extras = [],  # noqa: B006
    mapping: MappingFile = None,
    out: OutDir = Path("dedupe-out"),
    country: Country = "DE",
    model: ModelIn = None,
    save_model: ModelOut = None,
    workers: Workers = 0,
) -> None:
    """Find the same people across CSV exports; write clusters.csv and pairs.csv to --out."""
    settings = MatchSettings(default_country=country, default_region=country)
    try:
        job = job_from_options(inputs, crm, maps, id_column, extras, mapping)
        report = run_dedupe(job, out, settings, model, save_model, workers)
    except MappingError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo("\n".join(report.lines()))


def register(app: typer.Typer) -> None:
    """Add ``dedupe`` to the ``crmsync`` application."""
    app.command("dedupe")(dedupe)
