"""Marts for downstream tools, refreshed after scoring (see include/sql/marts and docs/marts.md).

``refresh(as_of)``:
1. copies the model catalogue (domain, title, severity) and each feed's cadence into the warehouse,
   because the marts need them in SQL;
2. runs the alert lifecycle (``tianyan.alerts.lifecycle.apply``): routing, outcomes, history, overdue;
3. runs include/sql/marts/*.sql in name order in one transaction. Each file replaces the rows of
   ``as_of`` in its mart (delete + insert), so a refresh can be repeated and days can be replayed.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from tianyan import paths
from tianyan.alerts import lifecycle
from tianyan.registry import RegistryError, load_feeds
from tianyan.registry import models as models_registry
from tianyan.scoring.settings import ScoringSettings, load_settings
from tianyan.warehouse.conn import engine as get_engine
from tianyan.warehouse.sqlfiles import run_file

log = logging.getLogger(__name__)
MARTS_SQL_DIR = paths.SQL_DIR / "marts"


def model_catalog() -> list[dict]:
    """id, domain, titles, severity and effective ``enabled`` of every model (configuration applied).

    Read file by file: one broken model is left out with a warning rather than failing the marts."""
    overrides = models_registry.config_overrides()
    rows = []
    for path in models_registry.model_files():
        try:
            m = models_registry.load_model(path, overrides)
        except RegistryError as exc:
            log.warning("model catalogue: %s", exc)
            continue
        rows.append({"model_id": m.id, "domain": m.domain, "title_en": m.title_en, "title_zh": m.title_zh,
                     "severity": m.severity, "enabled": m.enabled})
    return rows


def sync_catalogs(conn: sa.Connection, settings: ScoringSettings) -> None:
    models = model_catalog()
    expected_days = settings.feed_health.expected_days
    if models:
        conn.execute(sa.text(
            "insert into alerts.model_catalog as m (model_id, domain, title_en, title_zh, severity, enabled) "
            "values (:model_id, :domain, :title_en, :title_zh, :severity, :enabled) "
            "on conflict (model_id) do update set domain = excluded.domain, title_en = excluded.title_en, "
            "title_zh = excluded.title_zh, severity = excluded.severity, enabled = excluded.enabled"), models)
    feeds = [
        {"feed_id": f.id, "department": f.department, "title": f.title, "cadence": f.delivery.cadence,
         "expected_days": expected_days[f.delivery.cadence]}
        for f in load_feeds().values()
    ]
    conn.execute(sa.text(
        "insert into meta.feed_cadence as c (feed_id, department, title, cadence, expected_days) "
        "values (:feed_id, :department, :title, :cadence, :expected_days) "
        "on conflict (feed_id) do update set department = excluded.department, title = excluded.title, "
        "cadence = excluded.cadence, expected_days = excluded.expected_days"), feeds)
    conn.execute(sa.text("delete from meta.feed_cadence where not (feed_id = any(:ids))"),
                 {"ids": [f["feed_id"] for f in feeds]})


def refresh(as_of: dt.date, url: str | None = None, *, overdue_days: int | None = None) -> list[str]:
    """Catalogues, lifecycle, then include/sql/marts/*.sql for the date; returns the mart files run."""
    eng = get_engine(url)
    settings = load_settings()
    with eng.begin() as conn:
        sync_catalogs(conn, settings)
        counts = lifecycle.apply(as_of, overdue_days=overdue_days, conn=conn)
    params = {
        "as_of": as_of,
        "min_confirmed_share": settings.lifecycle.min_confirmed_share,
        "min_decided": settings.lifecycle.min_decided,
        **settings.risk_index.binds(),
    }
    files = sorted(MARTS_SQL_DIR.glob("*.sql"))
    with eng.begin() as conn:
        conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('tianyan.marts'))"))
        for f in files:
            run_file(conn, f, params)
    done = [f.name for f in files]
    log.info("marts refreshed as of %s (lifecycle %s): %s", as_of, counts, done or "none defined")
    return done
