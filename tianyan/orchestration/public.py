"""The public_site DAG: after the daily loads, publish the 碼上監督 site (tianyan.public.site).

Scheduled on the Assets of the feeds the site reads (derived from include/sql/public/*.sql with
sqlglot, as model inputs are), so it runs when the day's loads have updated any of them. Like
scoring, an Asset-triggered run first waits (reschedule-mode sensor, no worker slot held) until no
department run is loading, so the site is built once from the day's loads. The publication date is
the run's business date (conf ``as_of`` wins); the site folder is replaced whole.
"""

from __future__ import annotations

import logging
from functools import cache

from tianyan.orchestration.common import (
    PUBLIC_SITE_DAG_ID,
    default_args,
    local_date,
)

log = logging.getLogger(__name__)
DAG_ID = PUBLIC_SITE_DAG_ID


@cache
def input_feeds() -> tuple[str, ...]:
    """The feeds the site's queries read (directly or through core views)."""
    from tianyan.public.data import sql_files
    from tianyan.registry.models import feeds_read, parse_sql

    out: set[str] = set()
    for path in sql_files():
        out |= set(feeds_read(parse_sql(path.read_text(encoding="utf-8"), str(path)), str(path)))
    return tuple(sorted(out))


def doc_md() -> str:
    feeds = ", ".join(f"`{f}`" for f in input_feeds())
    return (
        "# Public site (码上监督)\n\nPublishes the static disclosure site: a page, QR code and poster per village "
        "and per public unit (`tianyan.public`, docs/public.md). Runs when the Asset of any feed it reads is "
        f"updated ({feeds}), after the department runs in flight have finished. Trigger with "
        "`{\"as_of\": \"YYYY-MM-DD\"}` to publish a date. Settings: `include/config/public.yaml`."
    )


def build_public_dag():
    from airflow.sdk import DAG, AssetAny, Param, task

    from tianyan.orchestration.common import feed_asset
    from tianyan.orchestration.scoring import wait_for_loads_sensor
    from tianyan.registry import load_feeds

    feeds = load_feeds()
    with DAG(
        dag_id=DAG_ID,
        description="Publish the public disclosure site (pages, QR codes, posters)",
        schedule=AssetAny(*[feed_asset(feeds[f]) for f in input_feeds()]),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(owner="public-disclosure"),
        tags=["public", "disclosure"],
        doc_md=doc_md(),
        params={"as_of": Param(None, type=["null", "string"], format="date", description="Publish as of this date")},
    ) as dag:
        @task
        def publish(**context) -> dict:
            from tianyan.public.site import publish as build

            events = context.get("triggering_asset_events") or {}
            dates = [ev.extra["delivery_date"] for evs in events.values() for ev in evs
                     if (ev.extra or {}).get("delivery_date")]
            conf = context["dag_run"].conf or {}
            if conf.get("as_of") or context["params"].get("as_of") or not dates:
                as_of = local_date(context)
            else:
                import datetime as dt

                as_of = dt.date.fromisoformat(max(dates))
            pub = build(as_of)
            return {"as_of": as_of.isoformat(), "site": str(pub.site), "villages": pub.villages, "units": pub.units}

        wait_for_loads_sensor("publishing") >> publish()
    return dag
