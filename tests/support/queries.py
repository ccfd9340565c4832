"""Counting the SQL statements a block sends to the database, for query-count guards on hot paths."""
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event

from app.core.database import db


@dataclass
class Queries:
    """The statements sent while a ``count_queries()`` block ran, in order."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(f"  {number}. {statement}" for number, statement in enumerate(self.statements, 1))


@contextmanager
def counting_queries(engine):
    """Record every statement ``engine`` sends to the database while the block runs."""
    queries = Queries()

    def record(connection, cursor, statement, parameters, context, executemany):
        # On SQLite our connection recipe (app/core/database.py) sends BEGIN itself; PostgreSQL's driver
        # begins implicitly. Leaving it out counts the same statements on both.
        if statement != "BEGIN":
            queries.statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield queries
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as queries: ...``, then ``queries.count`` and ``queries.statements``."""
    return lambda: counting_queries(db.engine)
