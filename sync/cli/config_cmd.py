"""``crmsync config``: validate a configuration file, print the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from sync.cli.context import console, load
from sync.config.schema import config_schema
from sync.registry import stream_problems

group = typer.Typer(
    help="Validate configuration files and show their schema.", no_args_is_help=True
)


@group.command("validate")
def validate(
    file: Path = typer.Argument(..., help="The YAML configuration to check."),
    secrets: bool = typer.Option(True, help="Also check that every secret reference resolves."),
) -> None:
    """Report every problem with file, line and path; exit 2 when there is one.

    Connector kinds are checked against the installed connectors; streams and connector
    options too, by building each connector offline, which needs the secrets.
    """
    loaded = load(file, check_secrets=secrets, checks=(stream_problems,) if secrets else ())
    systems = ", ".join(f"{n} ({s.kind})" for n, s in loaded.config.systems.items())
    unchecked = "" if secrets else " (streams not checked: they need the secrets)"
    console.print(f"{file}: valid — systems: {systems}{unchecked}", highlight=False)


@group.command("schema")
def schema(output: Path | None = typer.Option(None, help="Write to this file.")) -> None:
    """Print the JSON Schema of the configuration file."""
    text = json.dumps(config_schema(), indent=2, sort_keys=True) + "\n"
    if output:
        output.write_text(text)
    else:
        typer.echo(text, nl=False)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="config")
