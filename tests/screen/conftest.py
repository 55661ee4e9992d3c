"""Fixtures of the screening tests: a migrated warehouse of their own and a connection whose work is
rolled back after each test (tests/dblib.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from dblib import own_warehouse, rolled_back


@pytest.fixture(scope="session")
def screen_url(make_database) -> Iterator[str]:
    yield from own_warehouse(make_database, "screen")


@pytest.fixture
def db(screen_url: str) -> Iterator[sa.Connection]:
    yield from rolled_back(screen_url)
