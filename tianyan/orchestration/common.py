"""Settings shared by every generated DAG. Nothing here touches a database or the network."""

from __future__ import annotations

import datetime as dt
import os
import re
from functools import cache

import pendulum
import yaml

from tianyan.orchestration import connections as airflow_connections
from tianyan.registry import FeedSpec
from tianyan.warehouse.conn import TIME_ZONE

# Tasks read connections through tianyan.connections; inside a task Airflow's own store answers too.
airflow_connections.register()

TIMEZONE = TIME_ZONE  # business dates are Shanghai dates (tianyan.warehouse.conn.TIME_ZONE)
# The DAGs have no start_date: a business date is any date (historical backfills are normal work,
# and Airflow creates no task instances for a logical date before a DAG's start_date).
CRON_BY_CADENCE = {"daily": "0 2 * * *", "weekly": "0 2 * * 1", "monthly": "0 2 1 * *"}
DELIVERY_HOUR = 2  # China time; a date's deliveries are due by this hour of the date + the window
CADENCE_ORDER = ("daily", "weekly", "monthly")
# Unpausing (or a first parse) must not start a run for the latest past schedule point: that run has
# no data yet and would go ahead of the run someone triggered. run_immediately=False does not mean
# "never" in Airflow 3.3 (it runs the past point when it is within 10% of the period, e.g. a monthly
# DAG up to 3 days after the 1st); a zero buffer does.
NEVER_IMMEDIATELY = dt.timedelta(0)
WAREHOUSE_POOL = "warehouse"
# Several runs of one department may be active: a scheduled run waiting for a late delivery (deferred,
# no worker slot) must not hold back a date someone triggered. Loads of one feed are serialised in the
# warehouse (advisory lock), and the merge does not depend on the order of dates.
DEPARTMENT_MAX_ACTIVE_RUNS = 3


def _seconds(value: object) -> float:
    """'6h', '30m', '90s', '1d' or a number of seconds."""
    if isinstance(value, int | float):
        return float(value)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(value))
    if not m:
        raise ValueError(f"not a duration: {value!r} (use e.g. 90s, 30m, 6h, 1d)")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


@cache
def timing() -> dict:
    """include/config/orchestration.yaml (delivery windows, scoring settle time)."""
    from tianyan import paths

    path = paths.CONFIG_DIR / "orchestration.yaml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or {}


def delivery_window(feed_id: str) -> dt.timedelta:
    """How long after a date's delivery hour a missing daily delivery is waited for
    (``delivery_window``, per feed under ``feeds:``; $TIANYAN_DELIVERY_WINDOW wins)."""
    env = os.environ.get("TIANYAN_DELIVERY_WINDOW")
    pol = timing()
    value = env or ((pol.get("feeds") or {}).get(feed_id) or {}).get("delivery_window") or pol.get(
        "delivery_window", "6h")
    return dt.timedelta(seconds=_seconds(value))


def delivery_poke_interval() -> float:
    return _seconds(os.environ.get("TIANYAN_DELIVERY_POKE") or timing().get("delivery_poke_interval", "60s"))


def scoring_settle() -> tuple[float, float]:
    """(most seconds scoring waits for the department runs in flight, seconds between looks)."""
    pol = timing()
    return (_seconds(os.environ.get("TIANYAN_SCORING_SETTLE_MAX") or pol.get("scoring_settle_max", "30m")),
            _seconds(os.environ.get("TIANYAN_SCORING_SETTLE_POKE") or pol.get("scoring_settle_poke", "10s")))


def delivery_deadline(feed_id: str, day: dt.date) -> pendulum.DateTime:
    """Until when a delivery of ``day`` is waited for: the date's delivery hour (China time) + the window."""
    due = pendulum.datetime(day.year, day.month, day.day, DELIVERY_HOUR, tz=TIMEZONE)
    return due + delivery_window(feed_id)


def waits_enabled() -> bool:
    """False in ``tianyan run``: in-process runs neither wait for late deliveries (a missing one is
    reported at once) nor let scoring wait for department runs (they ran before it)."""
    return os.environ.get("TIANYAN_NO_WAIT", "") in ("", "0", "false", "False")


def default_args(owner: str) -> dict:
    return {
        "owner": owner,
        "retries": int(os.environ.get("TIANYAN_TASK_RETRIES", "2")),
        # tianyan run sets a short delay: an in-process run must fail fast, not sit in backoff.
        "retry_delay": dt.timedelta(seconds=float(os.environ.get("TIANYAN_RETRY_DELAY", "120"))),
        "retry_exponential_backoff": True,
        "max_retry_delay": dt.timedelta(minutes=30),
    }


SCORING_DAG_ID = "scoring"
PUBLIC_SITE_DAG_ID = "public_site"
RULES_WHATIF_DAG_ID = "rules_whatif"


def department_dag_ids() -> list[str]:
    from tianyan.registry import load_departments

    return [f"dept_{d}" for d in sorted(load_departments())]


def dag_ids() -> list[str]:
    """Every DAG the files under dags/ define: what a started Airflow must list before it is ready."""
    return sorted([*department_dag_ids(), SCORING_DAG_ID, PUBLIC_SITE_DAG_ID, RULES_WHATIF_DAG_ID])


def department_pool(department: str) -> str:
    return f"dept_{department}"


def feed_asset_uri(feed: FeedSpec) -> str:
    schema, table = feed.history_table
    return f"postgres://warehouse:5432/tianyan/{schema}/{table}"


def feed_asset(feed: FeedSpec):
    from airflow.sdk import Asset

    return Asset(name=f"tianyan.{feed.id}", uri=feed_asset_uri(feed), group="tianyan-feeds")


def landing_url() -> str:
    """The exchange landing area for file feeds (any fsspec URL); read at run time, not parse time."""
    from tianyan import paths

    return os.environ.get("TIANYAN_LANDING") or str(paths.STATE_DIR / "landing")


def local_date(context) -> dt.date:
    """The business date of a run: an explicit conf/param, else the logical (or run-after) date in China time."""
    conf = (context.get("dag_run").conf or {}) if context.get("dag_run") else {}
    params = context.get("params") or {}
    for key in ("delivery_date", "as_of"):
        value = conf.get(key) or params.get(key)
        if value:
            return dt.date.fromisoformat(str(value))
    when = context.get("logical_date") or context["dag_run"].run_after
    return pendulum.instance(when).in_timezone(TIMEZONE).date()
