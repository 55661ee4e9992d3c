"""One DAG per department, generated from the feed registry in sorted order.

Each feed is a task group of two tasks: ``land`` (transport -> immutable archive, in the
department's pool so its API or front-end database is not overrun) and ``validate_load``
(read -> normalise -> Great Expectations -> quarantine / COPY + merge, in the warehouse pool),
which updates the feed's Asset with the batch id and row counts.
"""

from __future__ import annotations

from collections import defaultdict

from tianyan.orchestration.common import (
    CADENCE_ORDER,
    CRON_BY_CADENCE,
    START_DATE,
    TIMEZONE,
    WAREHOUSE_POOL,
    default_args,
    department_pool,
    feed_asset,
    landing_url,
    local_date,
)
from tianyan.registry import FeedSpec, load_departments, load_feeds


def feeds_by_department() -> dict[str, list[FeedSpec]]:
    out: dict[str, list[FeedSpec]] = defaultdict(list)
    for feed in load_feeds().values():
        out[feed.department].append(feed)
    return dict(sorted(out.items()))


def department_cadence(feeds: list[FeedSpec]) -> str:
    """A department DAG runs as often as its most frequent feed."""
    return min((f.delivery.cadence for f in feeds), key=CADENCE_ORDER.index)


def doc_md(department: str, feeds: list[FeedSpec]) -> str:
    names = load_departments()[department]
    lines = [
        f"# {names['zh']} {names['en']}",
        "",
        f"Ingests {len(feeds)} feed(s) of `{department}`: each is landed through its transport, archived "
        "with a checksum, validated with its Great Expectations suite (`expectations/<feed_id>.json`), "
        "bad rows quarantined in `meta.quarantine`, and good rows merged with history into the warehouse. "
        "Counts per delivery are in `meta.feed_runs` (`tianyan feeds`).",
        "",
        f"Department page: [/tianyan/departments/{department}](/tianyan/departments/{department}) · "
        "[feed health](/tianyan/feed-health) · [Data Docs](/tianyan/data-docs/)",
        "",
        "Trigger with config `{\"delivery_date\": \"YYYY-MM-DD\"}` to (re)load one date.",
    ]
    for f in feeds:
        d = f.delivery
        lines += [
            "",
            f"## `{f.id}`: {f.title}",
            "",
            f"transport **{d.transport}**"
            + (f", format **{d.format}**" if d.format else "")
            + (f", table `{d.table}`" if d.table else "")
            + (f", encoding {d.encoding}" if d.format == "csv" and d.encoding != "utf-8" else "")
            + f"; mode **{d.mode}**; cadence **{d.cadence}**; key `({', '.join(f.key)})`; "
            f"warehouse `{f.department}.{f.name}` (history `{f.department}.{f.name}__history`)",
            "",
            "| column | contract |",
            "|---|---|",
            *[f"| `{c.name}` | `{c.notation}` |" for c in f.columns],
        ]
    return "\n".join(lines)


def build_department_dag(department: str, feeds: list[FeedSpec]):
    from airflow.sdk import DAG, CronTriggerTimetable, Param, TaskGroup, task
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    from tianyan.notify import TianyanNotifier

    cadence = department_cadence(feeds)
    tags = sorted({department, f"cadence:{cadence}"} | {f"transport:{f.delivery.transport}" for f in feeds})
    with DAG(
        dag_id=f"dept_{department}",
        description=f"{load_departments()[department]['en']}: {len(feeds)} feed(s)",
        schedule=CronTriggerTimetable(CRON_BY_CADENCE[cadence], timezone=TIMEZONE),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(owner=f"{department}-data"),
        tags=tags,
        doc_md=doc_md(department, feeds),
        params={"delivery_date": Param(None, type=["null", "string"], format="date",
                                       description="Business date to (re)load; default: the run's date")},
    ) as dag:
        for feed in feeds:
            asset = feed_asset(feed)
            with TaskGroup(group_id=feed.name, tooltip=feed.title):

                @task(task_id="land", pool=department_pool(department), doc_md=f"Land and archive `{feed.id}`.")
                def land(feed_id: str, **context) -> dict:
                    from tianyan.ingest.pipeline import land_delivery

                    landed = land_delivery(load_feeds()[feed_id], local_date(context), landing=landing_url())
                    # Always return a value: a task returning None pushes no XCom for its downstream.
                    return landed or {"feed_id": feed_id, "files": []}

                @task(task_id="validate_load", pool=WAREHOUSE_POOL, outlets=[asset],
                      doc_md=f"Validate `{feed.id}` with Great Expectations, quarantine bad rows, merge good rows.",
                      # A fresh notifier per task: rendering its templates mutates it.
                      on_failure_callback=TianyanNotifier(
                          subject="[tianyan] {{ ti.dag_id }}.{{ ti.task_id }}: delivery rejected or failed"))
                def validate_load(feed_id: str, landed: dict, **context) -> dict:
                    from tianyan.ingest.pipeline import DeliveryRejected, load_delivery

                    if not landed.get("files"):
                        raise AirflowSkipException(f"{feed_id}: nothing delivered for this date")
                    try:
                        result = load_delivery(load_feeds()[feed_id], landed)
                    except DeliveryRejected as exc:
                        # A rejected delivery fails the same way on every retry: fail now, visibly.
                        raise AirflowFailException(str(exc)) from exc
                    context["outlet_events"][feed_asset(load_feeds()[feed_id])].extra = result.asset_extra()
                    return result.asset_extra()

                validate_load(feed.id, land(feed.id))
    return dag


def build_all() -> dict:
    return {f"dept_{d}": build_department_dag(d, feeds) for d, feeds in feeds_by_department().items()}
