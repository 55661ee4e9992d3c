"""Fixtures for the model tests (include/sql/models/<domain>/<ID>.cases.yaml, run by test_model_cases.py).

- ``warehouse_url``: a migrated warehouse of the model tests' own (one per session), so rows other
  test modules leave in the session's shared warehouse cannot reach a model.
- ``db``: a connection inside a transaction that is rolled back after the test: every case starts
  from empty feed tables.

The server and the database factory come from tests/conftest.py (``make_database``), the two
fixtures' bodies from tests/dblib.py (shared with tests/screen).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from dblib import own_warehouse, rolled_back


@pytest.fixture(scope="session")
def warehouse_url(make_database) -> Iterator[str]:
    yield from own_warehouse(make_database, "models")


@pytest.fixture
def db(warehouse_url: str) -> Iterator[sa.Connection]:
    yield from rolled_back(warehouse_url)
