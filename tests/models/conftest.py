"""Fixtures for the model tests (include/sql/models/<domain>/<ID>.cases.yaml, run by test_model_cases.py).

- ``warehouse_url``: a migrated warehouse of the model tests' own (one per session), so rows other
  test modules leave in the session's shared warehouse cannot reach a model.
- ``db``: a connection inside a transaction that is rolled back after the test: every case starts
  from empty feed tables.

The server and the database factory come from tests/conftest.py (``make_database``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa


@pytest.fixture(scope="session")
def warehouse_url(make_database) -> Iterator[str]:
    from tianyan.warehouse.conn import engine
    from tianyan.warehouse.migrate import migrate

    url = make_database("models")
    migrate(url)
    yield url
    engine(url).dispose()


@pytest.fixture
def db(warehouse_url: str) -> Iterator[sa.Connection]:
    eng = sa.create_engine(warehouse_url)
    with eng.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()
    eng.dispose()
