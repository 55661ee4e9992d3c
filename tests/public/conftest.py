"""Fixtures of the public site tests: a migrated warehouse of their own with rows written in the test
(``publiclib.put``), settings pointing at temporary folders, and the intake app on it."""

from __future__ import annotations

import pytest

from tianyan.public.settings import load_settings


@pytest.fixture(scope="module")
def public_db(make_database) -> str:
    from tianyan.warehouse.migrate import migrate

    url = make_database("public")
    migrate(url)
    return url


@pytest.fixture
def cfg(tmp_path):
    """The shipped settings with the site, intake state and drop in temporary folders."""
    base = load_settings()
    intake = base.intake.model_copy(update={"drop": str(tmp_path / "drop"), "state_dir": str(tmp_path / "intake")})
    return base.model_copy(update={"site_dir": str(tmp_path / "site"), "intake": intake,
                                   "base_url": "https://jiandu.test", "intake_url": "https://jiandu.test/intake"})
