"""Marts for downstream tools, refreshed after scoring (see include/sql/marts and docs/marts.md).

``refresh(as_of)``:
1. copies the model catalogue (domain, title, severity) and each feed's cadence into the warehouse,
   because the marts need them in SQL;
2. runs the alert lifecycle (``tianyan.lifecycle.apply``): routing, outcomes, history, overdue;
3. runs include/sql/marts/*.sql in name order in one transaction. Each file replaces the rows of
   ``as_of`` in its mart (delete + insert), so a refresh can be repeated and days can be replayed.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import sqlalchemy as sa

from tianyan import lifecycle, paths
from tianyan.registry import RegistryError, load_feeds
from tianyan.registry import models as models_registry
from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)

EXPECTED_DAYS = {"daily": 1, "weekly": 7, "monthly": 31}
# Risk index weights (documented in docs/marts.md); bound into the mart SQL as parameters.
RISK_WEIGHTS = {"w_high": 5, "w_medium": 3, "w_low": 1, "w_complaint": 1, "w_finding": 2}


def mart_files() -> list[Path]:
    folder = paths.SQL_DIR / "marts"
    return sorted(folder.glob("*.sql")) if folder.exists() else []


def statements(sql: str) -> list[str]:
    """Split a mart file into statements: comments dropped, ';' at a line end ends a statement.

    Needed because statements with bind parameters go one at a time (extended query protocol).
    Mart files keep semicolons out of string literals and use no dollar quoting.
    """
    body = re.sub(r"--[^\n]*", "", sql)
    return [s.strip() for s in re.split(r";[ \t]*(?:\n|$)", body) if s.strip()]


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


def sync_catalogs(conn: sa.Connection) -> None:
    models = model_catalog()
    if models:
        conn.execute(sa.text(
            "insert into alerts.model_catalog as m (model_id, domain, title_en, title_zh, severity, enabled) "
            "values (:model_id, :domain, :title_en, :title_zh, :severity, :enabled) "
            "on conflict (model_id) do update set domain = excluded.domain, title_en = excluded.title_en, "
            "title_zh = excluded.title_zh, severity = excluded.severity, enabled = excluded.enabled"), models)
    feeds = [
        {"feed_id": f.id, "department": f.department, "title": f.title, "cadence": f.delivery.cadence,
         "expected_days": EXPECTED_DAYS[f.delivery.cadence]}
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
    cfg = lifecycle.load_config()
    with eng.begin() as conn:
        sync_catalogs(conn)
        counts = lifecycle.apply(as_of, overdue_days=overdue_days, conn=conn)
    params = {
        "as_of": as_of,
        "min_confirmed_share": cfg.min_confirmed_share,
        "min_decided": cfg.min_decided,
        **RISK_WEIGHTS,
    }
    done = []
    with eng.begin() as conn:
        conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('tianyan.marts'))"))
        for f in mart_files():
            for sql in statements(f.read_text(encoding="utf-8")):
                stmt = sa.text(sql)
                conn.execute(stmt, {k: v for k, v in params.items() if k in stmt.compile().params})
            done.append(f.name)
    log.info("marts refreshed as of %s (lifecycle %s): %s", as_of, counts, done or "none defined")
    return done
