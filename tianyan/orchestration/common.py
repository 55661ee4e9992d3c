"""Settings shared by every generated DAG. Nothing here touches a database or the network."""

from __future__ import annotations

import datetime as dt
import os

import pendulum

from tianyan.registry import FeedSpec

TIMEZONE = "Asia/Shanghai"
START_DATE = pendulum.datetime(2026, 1, 1, tz=TIMEZONE)
CRON_BY_CADENCE = {"daily": "0 2 * * *", "weekly": "0 2 * * 1", "monthly": "0 2 1 * *"}
CADENCE_ORDER = ("daily", "weekly", "monthly")
WAREHOUSE_POOL = "warehouse"


def default_args(owner: str) -> dict:
    return {
        "owner": owner,
        "retries": int(os.environ.get("TIANYAN_TASK_RETRIES", "2")),
        "retry_delay": dt.timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": dt.timedelta(minutes=30),
    }


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
