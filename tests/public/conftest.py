"""Fixtures of the public site tests: a migrated warehouse of their own with rows written in the test
(``put``), settings pointing at temporary folders, and the intake app on it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tianyan.public.settings import load_settings
from tianyan.registry import load_feeds

AS_OF = dt.date(2026, 11, 27)


def put(conn: sa.Connection, feed_id: str, rows: list[dict], valid_from: dt.date = dt.date(2026, 1, 1)) -> None:
    """Current rows into ``<feed>__history`` as the loader leaves them (columns not given are null)."""
    feed = load_feeds()[feed_id]
    schema, table = feed.history_table
    for row in rows:
        assert set(row) <= {c.name for c in feed.data_columns}, f"{feed_id}: {sorted(row)}"
        values = {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in row.items()}
        values.update(_valid_from=dt.datetime.combine(valid_from, dt.time()), _valid_to=None, _deleted=False,
                      _row_hash=hashlib.md5(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest(),
                      _batch_id="test", _delivery_date=valid_from)
        cols = ", ".join(f'"{k}"' for k in values)
        conn.execute(sa.text(f'insert into "{schema}"."{table}" ({cols}) values ({", ".join(":" + k for k in values)})'),
                     values)


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
