"""Fixtures for the lifecycle tests (the synthetic city itself is in lifecycle_city.py)."""

from __future__ import annotations

import pytest
from lifecycle_city import build_city


@pytest.fixture(scope="module")
def city_url(make_database):
    from tianyan.warehouse.migrate import migrate

    url = make_database("h6")
    migrate(url)
    ids = build_city(url)
    return url, ids
