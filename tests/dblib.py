"""Database helpers for the fixtures of a test package: a migrated warehouse of its own and a connection
whose work is rolled back after each test (the server and ``make_database`` come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import sqlalchemy as sa


def own_warehouse(make_database: Callable[[str], str], prefix: str) -> Iterator[str]:
    """For a session fixture: a new database named after ``prefix``, migrated; its engine disposed at the end."""
    from tianyan.warehouse.conn import engine
    from tianyan.warehouse.migrate import migrate

    url = make_database(prefix)
    migrate(url)
    yield url
    engine(url).dispose()


def rolled_back(url: str) -> Iterator[sa.Connection]:
    """For a ``db`` fixture: a connection inside a transaction that is rolled back when the test ends."""
    eng = sa.create_engine(url)
    with eng.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()
    eng.dispose()
