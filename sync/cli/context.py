"""What every command needs: the configuration option, loading it, and opening a runtime,
with bad configuration reported as every problem found and exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy import Connection

from connectors.base import ConfigurationError, ConnectorDeps
from sync.config import ConfigError, LoadedConfig, load_config
from sync.config.secrets import SecretNotFoundError, resolve_url
from sync.registry import UnknownConnectorError
from sync.relink import RepairError, pushes_paused
from sync.runtime import Runtime, open_runtime
from sync.store.db import open_store
from sync.store.sql import Store

# Piped output (CI logs, files) gets a width wide enough for the summary tables.
console = Console(width=None if sys.stdout.isatty() else 132)
errors = Console(stderr=True)

ConfigOption = typer.Option(
    Path("crmsync.yaml"),
    "--config",
    "-c",
    envvar="CRMSYNC_CONFIG",
    help="The configuration file.",
)


def load(path: Path, *, check_secrets: bool = True) -> LoadedConfig:
    try:
        return load_config(path, check_secrets=check_secrets)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None


@contextmanager
def store(path: Path) -> Iterator[Store]:
    """Only the store, for commands that read it: no connector is built, no vendor secret
    is needed (so the demo's store can be explored after the demo has ended)."""
    loaded = load(path, check_secrets=False)
    try:
        url = resolve_url(loaded.config.store.url, base_dir=loaded.base_dir)
    except SecretNotFoundError as exc:
        typer.echo(f"{loaded.path}: store.url: {exc}", err=True)
        raise typer.Exit(2) from None
    opened = Store(open_store(url))
    try:
        yield opened
    finally:
        opened.close()


@contextmanager
def runtime(
    path: Path, *, dry_run: bool = False, deps: dict[str, ConnectorDeps] | None = None
) -> Iterator[Runtime]:
    """Open the runtime for a command; configuration faults exit 2, the runtime is closed."""
    loaded = load(path)
    try:
        rt = open_runtime(loaded, deps=deps, dry_run=dry_run)
    except (ConfigurationError, UnknownConnectorError, SecretNotFoundError) as exc:
        typer.echo(f"{loaded.path}: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        yield rt
    finally:
        rt.close()


@contextmanager
def refusals_exit() -> Iterator[None]:
    """An operator's repair that cannot be carried out is printed and exits 1; nothing changed."""
    try:
        yield
    except RepairError as exc:
        errors.print(str(exc), highlight=False)
        raise typer.Exit(1) from None


@contextmanager
def repair(path: Path) -> Iterator[tuple[Runtime, Connection]]:
    """One repair of the store (accept, split): one transaction with every push paused."""
    with runtime(path) as rt, refusals_exit(), pushes_paused(rt), rt.store.transaction() as conn:
        yield rt, conn
