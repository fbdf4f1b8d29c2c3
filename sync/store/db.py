"""Opening the store: the SQLAlchemy engine for a URL, and migrating it to the latest schema."""

from __future__ import annotations

from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).parent / "migrations"
_PG_MIGRATION_LOCK = 7_426_001


def create_store_engine(url: str) -> Engine:
    """An engine with the settings the store relies on (SQLite: WAL, foreign keys, no
    cross-thread check since the daemon runs streams in worker threads)."""
    if url.startswith("sqlite"):
        _ensure_parent(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 60},
            hide_parameters=True,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # hide_parameters: SQL errors would otherwise quote values, which can be personal data.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        hide_parameters=True,
        connect_args={"connect_timeout": 10},
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )


def _json_dumps(value: object) -> str:
    """JSON columns through orjson: the store reads and writes JSON on every record."""
    return orjson.dumps(value, default=str).decode()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe when several replicas start at once."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        config = alembic_config(conn)
        command.upgrade(config, "head")


def schema_revision(engine: Engine) -> tuple[str | None, str]:
    """(current revision in the database, newest revision shipped)."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
    return current, head or ""


def open_store(url: str) -> Engine:
    engine = create_store_engine(url)
    migrate(engine)
    return engine


def alembic_config(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN instead.
    dbapi_conn.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front: two writers wait for each other instead of
    # failing when a read transaction tries to become a write transaction.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _ensure_parent(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
