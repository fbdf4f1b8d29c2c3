"""What every command needs: the configuration option, loading it, and opening a runtime,
with bad configuration reported as every problem found and exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import typer
from alembic.util.exc import CommandError
from rich.console import Console
from sqlalchemy import Connection
from sqlalchemy.exc import ArgumentError, DBAPIError

from connectors.base import ConfigurationError, ConnectorDeps
from sync.config import ConfigError, LoadedConfig, load_config
from sync.config.loader import ConfigCheck
from sync.config.secrets import SecretNotFoundError, resolve_url
from sync.config.storeurl import store_url_problem
from sync.registry import UnknownConnectorError, available_kinds
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


def load(
    path: Path,
    *,
    check_secrets: bool = True,
    check_kinds: bool = True,
    checks: Sequence[ConfigCheck] = (),
) -> LoadedConfig:
    """Load the configuration; every problem is printed with file and line, then exit 2.

    Commands that only read the store pass ``check_secrets=False, check_kinds=False``.
    """
    kinds = available_kinds() if check_kinds else None
    try:
        return load_config(path, check_secrets=check_secrets, kinds=kinds, checks=checks)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None


@contextmanager
def store(path: Path) -> Iterator[Store]:
    """Only the store, for commands that read it: no connector is built, no vendor secret
    is needed (so the demo's store can be explored after the demo has ended)."""
    loaded = load(path, check_secrets=False, check_kinds=False)
    url = _store_url(loaded)
    with _store_opening(loaded):
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
    with opened_runtime(load(path), dry_run=dry_run, deps=deps) as rt:
        yield rt


@contextmanager
def opened_runtime(
    loaded: LoadedConfig, *, dry_run: bool = False, deps: dict[str, ConnectorDeps] | None = None
) -> Iterator[Runtime]:
    """:func:`runtime` for a configuration the command has loaded (and checked) itself."""
    _store_url(loaded)
    try:
        with _store_opening(loaded):
            rt = open_runtime(loaded, deps=deps, dry_run=dry_run)
    except (ConfigurationError, UnknownConnectorError, SecretNotFoundError) as exc:
        typer.echo(f"{loaded.path}: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        yield rt
    finally:
        rt.close()


def preflight_store(loaded: LoadedConfig) -> None:
    """Open (and migrate) the store once, so that a long-running command whose store cannot
    be opened says so in one line before it starts."""
    url = _store_url(loaded)
    with _store_opening(loaded):
        open_store(url).dispose()


def _store_url(loaded: LoadedConfig) -> str:
    """The store's URL with a reference resolved; one that cannot be used exits 2."""
    try:
        url = resolve_url(loaded.config.store.url, base_dir=loaded.base_dir)
    except SecretNotFoundError as exc:
        typer.echo(f"{loaded.path}: store.url: {exc}", err=True)
        raise typer.Exit(2) from None
    problem = store_url_problem(url)
    if problem:
        typer.echo(f"{loaded.path}: store.url: {problem}", err=True)
        raise typer.Exit(2)
    return url


@contextmanager
def _store_opening(loaded: LoadedConfig) -> Iterator[None]:
    """A store that cannot be opened is one line naming the cause (never the URL, which may
    carry a password): exit 2 for a driver that is not there, 1 for a database that fails."""
    where = f"{loaded.path}: store.url"
    try:
        yield
    except (ArgumentError, ImportError) as exc:
        typer.echo(f"{where}: no database driver for it: {exc}", err=True)
        raise typer.Exit(2) from None
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "failed"
        typer.echo(f"{where}: the store cannot be opened: {reason}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"{where}: the store cannot be opened: {exc.strerror}: {exc.filename}", err=True)
        raise typer.Exit(1) from None
    except CommandError as exc:
        typer.echo(f"{where}: the store's schema is not one this crmsync knows: {exc}", err=True)
        raise typer.Exit(1) from None


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
