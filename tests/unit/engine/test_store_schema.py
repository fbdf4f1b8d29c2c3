"""The migrations build exactly the schema the table models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

import sync.store.tables  # noqa: F401  (registers the tables)
from sync.store.db import migrate, schema_revision


def test_migrated_schema_matches_the_table_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


def test_migrating_twice_is_harmless_and_reaches_head(engine: Engine) -> None:
    migrate(engine)

    current, head = schema_revision(engine)

    assert current == head
