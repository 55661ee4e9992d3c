"""Fixtures of the screening tests: a migrated warehouse of their own and a connection whose work is
rolled back after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa


@pytest.fixture(scope="session")
def screen_url(make_database) -> Iterator[str]:
    from tianyan.warehouse.conn import engine
    from tianyan.warehouse.migrate import migrate

    url = make_database("screen")
    migrate(url)
    yield url
    engine(url).dispose()


@pytest.fixture
def db(screen_url: str) -> Iterator[sa.Connection]:
    eng = sa.create_engine(screen_url)
    with eng.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()
    eng.dispose()
