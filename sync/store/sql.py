"""Portable SQL building blocks: upserts, chunked IN lists and the store's transactions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")
CHUNK = 900
"""Ids per IN list: far below SQLite's bound-parameter limit, cheap on PostgreSQL."""


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Iterable[str] | None = None,
) -> None:
    """Insert ``rows``, or update the ``update`` columns where the ``keys`` already exist
    (all non-key columns when ``update`` is None; none, i.e. insert-or-ignore, when empty)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    columns = list(update) if update is not None else [c for c in rows[0] if c not in keys]
    if columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(stmt, list(rows))


class Store:
    """The master store's engine and transactions.

    With ``dry_run`` every transaction is a savepoint inside one outer transaction that is
    rolled back by :meth:`close`, so a whole cycle can run and leave nothing behind.
    """

    def __init__(self, engine: Engine, *, dry_run: bool = False) -> None:
        self.engine = engine
        self.dry_run = dry_run
        self._held: Connection | None = None
        if dry_run:
            self._held = engine.connect()
            self._held.begin()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        if self._held is not None:
            with self._held.begin_nested():
                yield self._held
            return
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        """Roll back a dry run and release every pooled connection."""
        if self._held is not None:
            self._held.rollback()
            self._held.close()
            self._held = None
        self.engine.dispose()
