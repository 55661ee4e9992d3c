"""The lifecycle and the marts follow include/config/scoring.yaml (its one home)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import sqlalchemy as sa
import yaml
from lifecycle_city import D0, build_city

from tianyan import paths
from tianyan.scoring.marts import refresh


@pytest.fixture
def tuned(tmp_path, monkeypatch, make_database):
    """A fresh city and a configuration copy: high alerts weigh 10, overdue after 2 days, daily feeds
    are late after 5 days."""
    from tianyan.warehouse.migrate import migrate

    config = tmp_path / "config"
    shutil.copytree(paths.CONFIG_DIR, config)
    doc = yaml.safe_load((config / "scoring.yaml").read_text(encoding="utf-8"))
    doc["risk_index"]["high"] = 10
    doc["lifecycle"]["overdue_days"] = 2
    doc["feed_health"]["expected_days"]["daily"] = 5
    (config / "scoring.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    monkeypatch.setattr(paths, "CONFIG_DIR", config)
    url = make_database("tuned")
    migrate(url)
    build_city(url)
    eng = sa.create_engine(url)
    with eng.begin() as c:
        c.execute(sa.text(
            "insert into meta.feed_runs (feed_id, delivery_date, batch_id, status, delivered, loaded) "
            "values ('discipline.complaints', :d, 'b', 'LOADED', 1, 1)"), {"d": D0})
    yield url, eng
    eng.dispose()


def test_settings_reach_the_lifecycle_and_the_marts(tuned):
    url, eng = tuned
    refresh(D0, url)
    day3 = D0 + dt.timedelta(days=3)
    refresh(day3, url)
    with eng.connect() as c:
        # 10 open high alerts of OF01 on the unit (10 each) + 4 complaints in 90 days (1 each)
        assert c.execute(sa.text("select risk_index from marts.risk_index_unit where as_of = :d "
                                 "and unit_code = 'U-A-CIVIL'"), {"d": D0}).scalar() == 104
        assert c.execute(sa.text("select count(*) from alerts.alert where overdue_since = :d"),
                         {"d": day3}).scalar() == 16  # assigned on D0, overdue after 2 days
        assert c.execute(sa.text("select expected_days, freshness from marts.feed_health where as_of = :d "
                                 "and feed_id = 'discipline.complaints'"), {"d": day3}).one() == (5, "OK")
