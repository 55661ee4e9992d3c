"""Alert lifecycle: the one owner of alert status. Every status change is made here, by a statement of
include/sql/lifecycle/ that writes the change's event into ``alerts.alert_event`` in the same statement.

States and who moves them:
- scoring (``record_scoring``, called by the scoring runner for each model run, files in
  include/sql/lifecycle/scoring/; ``record_carried`` for models carried forward to a new date,
  include/sql/lifecycle/carry/, which changes no status): a new hit is born NEW (event ``created``); an open alert whose
  evidence is no longer produced becomes RESOLVED, a RESOLVED alert whose evidence returns is NEW
  again (events ``observed``);
- the daily lifecycle (``apply``, files include/sql/lifecycle/NN_*.sql): NEW -> ASSIGNED (routed to
  the office of its region, event ``assigned``) -> CONFIRMED / PARTLY_CONFIRMED / NO_ISSUE /
  DUPLICATE (from the ``discipline.alert_dispositions`` feed, events ``disposition``); ASSIGNED for
  more than ``overdue_days`` without an outcome is flagged (``overdue_since``, event ``overdue``).

Each event has a key derived from what caused it, so a step can run any number of times for a date
and adds nothing the second time. Dispositions for alert ids the warehouse does not know are
quarantined (rule ``unknown_alert``) and stay in the feed's history: if the alert appears later they
are applied then. Both entry points take one advisory lock, so status changes never interleave.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from tianyan import paths
from tianyan.scoring.settings import load_settings
from tianyan.warehouse.conn import engine as get_engine
from tianyan.warehouse.sqlfiles import run_folder

log = logging.getLogger(__name__)

FEED_ID = "discipline.alert_dispositions"
ACTOR = "tianyan.lifecycle"
LIFECYCLE_SQL_DIR = paths.SQL_DIR / "lifecycle"
SCORING_SQL_DIR = LIFECYCLE_SQL_DIR / "scoring"
CARRY_SQL_DIR = LIFECYCLE_SQL_DIR / "carry"


def lock(conn: sa.Connection) -> None:
    """The lifecycle's advisory lock, held to the end of the transaction."""
    conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('tianyan.lifecycle'))"))


_lock = lock


def record_scoring(conn: sa.Connection, model_id: str, severity: str, model_version: str,
                   as_of: dt.date) -> dict[str, int]:
    """Merge a model run's hits (temp table ``_hits`` in the model output shape) into alerts.alert.

    Returns ``hits``, ``alerts_new``, ``alerts_updated`` and ``alerts_resolved``."""
    _lock(conn)
    conn.execute(sa.text("drop table if exists _alerts"))
    counts = run_folder(conn, SCORING_SQL_DIR, {"model_id": model_id, "severity": severity,
                                                "model_version": model_version, "as_of": as_of})
    return {"hits": counts["alerts_new"] + counts["alerts_updated"], **{
        k: counts[k] for k in ("alerts_new", "alerts_updated", "alerts_resolved")}}


def record_carried(conn: sa.Connection, model_ids: list[str], as_of: dt.date) -> dict[str, int]:
    """Models carried forward to ``as_of`` produce their last run's hits (``alerts.model_hits``) again:
    their alerts take in the date as the merge would (include/sql/lifecycle/carry/). Returns the hits
    per model."""
    _lock(conn)
    run_folder(conn, CARRY_SQL_DIR, {"model_ids": list(model_ids), "as_of": as_of})
    rows = conn.execute(sa.text("select model_id, count(*) from alerts.model_hits where model_id = any(:m) "
                                "group by model_id"), {"m": list(model_ids)}).all()
    return {m: int(n) for m, n in rows}


def apply(as_of: dt.date, url: str | None = None, *, overdue_days: int | None = None,
          conn: sa.Connection | None = None) -> dict[str, int]:
    """Move alerts through their lifecycle as of a date; returns rows touched per step."""
    cfg = load_settings().lifecycle
    params = {
        "as_of": as_of,
        "overdue_days": cfg.overdue_days if overdue_days is None else int(overdue_days),
        "actor": ACTOR,
        "feed_id": FEED_ID,
    }
    if conn is None:
        with get_engine(url).begin() as own:
            return _apply(own, params)
    return _apply(conn, params)


def _apply(conn: sa.Connection, params: dict) -> dict[str, int]:
    _lock(conn)
    counts = run_folder(conn, LIFECYCLE_SQL_DIR, params)
    log.info("lifecycle as of %s: %s", params["as_of"], counts)
    return counts
