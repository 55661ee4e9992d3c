"""Marts for downstream tools, refreshed after scoring (see include/sql/marts)."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from tianyan import paths
from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)


def refresh(as_of: dt.date, url: str | None = None) -> list[str]:
    """Run include/sql/marts/*.sql in order (each idempotent for the date); returns the files run."""
    done = []
    folder = paths.SQL_DIR / "marts"
    files = sorted(folder.glob("*.sql")) if folder.exists() else []
    with get_engine(url).begin() as conn:
        for f in files:
            conn.execute(sa.text(f.read_text(encoding="utf-8")), {"as_of": as_of})
            done.append(f.name)
    log.info("marts refreshed as of %s: %s", as_of, done or "none defined")
    return done
