"""Which database URLs the store accepts: SQLite or PostgreSQL, parsed as SQLAlchemy parses them."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

BACKENDS = ("sqlite", "postgresql")


def store_url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as the store's URL, or None; the message never quotes it
    (it may carry a password)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "not a database URL: write sqlite:///path or postgresql+psycopg://user@host/db"
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        return f"the store is SQLite or PostgreSQL, not '{backend}'"
    return None
