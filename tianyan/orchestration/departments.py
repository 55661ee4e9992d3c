"""One DAG per department, generated from the feed registry in sorted order.

Each feed is a task group of two tasks: ``land`` (transport -> immutable archive, in the
department's pool so its API or front-end database is not overrun; a daily feed waits there for a
late delivery, deferred, see ``tianyan.orchestration.delivery``) and ``validate_load``
(read -> normalise -> Great Expectations -> quarantine / COPY + merge, in the warehouse pool),
which updates the feed's Asset with the batch id and row counts.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from tianyan.orchestration.common import (
    CADENCE_ORDER,
    CRON_BY_CADENCE,
    DEPARTMENT_MAX_ACTIVE_RUNS,
    NEVER_IMMEDIATELY,
    TIMEZONE,
    WAREHOUSE_POOL,
    default_args,
    department_pool,
    feed_asset,
)
from tianyan.registry import FeedSpec, load_departments, load_feeds

log = logging.getLogger(__name__)


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
        "[feed health](/tianyan/feeds) · [Data Docs](/tianyan/data_docs/)",
        "",
        "Trigger with config `{\"delivery_date\": \"YYYY-MM-DD\"}` to (re)load one date (any date: "
        "historical backfills load like today). A daily feed whose delivery has not arrived waits for it "
        "(deferred, `delivery_window` in `include/config/orchestration.yaml`), then fails as MISSING.",
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
            f"warehouse `{f.department}.{f.name}` (history `{'.'.join(f.history_table)}`)",
            "",
            "| column | contract |",
            "|---|---|",
            *[f"| `{c.name}` | `{c.notation}` |" for c in f.columns],
        ]
    return "\n".join(lines)


def _log_result(feed_id: str, result) -> None:
    """What a data engineer looks for in the task log: counts, batch, rules; never row values."""
    log.info("%s %s: batch %s: delivered %d = loaded %d + quarantined %d + collapsed %d", feed_id,
             result.delivery_date, result.batch_id, result.delivered, result.loaded, result.quarantined,
             result.collapsed)
    if result.failures_by_rule:
        log.info("%s %s: quarantined rows by rule: %s (rows and raw values in meta.quarantine)", feed_id,
                 result.delivery_date, ", ".join(f"{k} {v}" for k, v in sorted(result.failures_by_rule.items())))


def build_department_dag(department: str, feeds: list[FeedSpec]):
    from airflow.sdk import DAG, CronTriggerTimetable, Param, TaskGroup, task, teardown
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    from tianyan.orchestration.delivery import LandOperator
    from tianyan.orchestration.notifier import TianyanNotifier

    cadence = department_cadence(feeds)
    tags = sorted({department, f"cadence:{cadence}"} | {f"transport:{f.delivery.transport}" for f in feeds})
    with DAG(
        dag_id=f"dept_{department}",
        description=f"{load_departments()[department]['en']}: {len(feeds)} feed(s)",
        schedule=CronTriggerTimetable(CRON_BY_CADENCE[cadence], timezone=TIMEZONE, run_immediately=NEVER_IMMEDIATELY),
        catchup=False,
        max_active_runs=DEPARTMENT_MAX_ACTIVE_RUNS,
        default_args=default_args(owner=f"{department}-data"),
        tags=tags,
        doc_md=doc_md(department, feeds),
        params={"delivery_date": Param(None, type=["null", "string"], format="date",
                                       description="Business date to (re)load; default: the run's date")},
    ) as dag:
        loads = []
        for feed in feeds:
            asset = feed_asset(feed)
            with TaskGroup(group_id=feed.name, tooltip=feed.title):
                land = LandOperator(
                    task_id="land", feed_id=feed.id, pool=department_pool(department),
                    doc_md=f"Land and archive `{feed.id}`" + (
                        "; waits (deferred) for a late delivery, then fails as MISSING." if feed.delivery.cadence
                        == "daily" else "; skipped on a date without a delivery."),
                    # A fresh notifier per task: rendering its templates mutates it.
                    on_failure_callback=TianyanNotifier(
                        subject="[tianyan] {{ ti.dag_id }}.{{ ti.task_id }}: delivery missing, refused or not landed"),
                )

                @task(task_id="validate_load", pool=WAREHOUSE_POOL, outlets=[asset],
                      doc_md=f"Validate `{feed.id}` with Great Expectations, quarantine bad rows, merge good rows.",
                      on_failure_callback=TianyanNotifier(
                          subject="[tianyan] {{ ti.dag_id }}.{{ ti.task_id }}: delivery rejected or failed"))
                def validate_load(feed_id: str, landed: dict, **context) -> dict:
                    from tianyan.ingest.pipeline import DeliveryRejected, load_delivery

                    if not landed or not landed.get("files"):
                        raise AirflowSkipException(f"{feed_id}: nothing delivered for this date")
                    try:
                        result = load_delivery(load_feeds()[feed_id], landed)
                    except DeliveryRejected as exc:
                        # A rejected delivery fails the same way on every retry: fail now, visibly.
                        log.error("%s batch %s REJECTED: %s", feed_id, landed.get("batch_id"), exc)
                        raise AirflowFailException(str(exc)) from exc
                    _log_result(feed_id, result)
                    context["outlet_events"][feed_asset(load_feeds()[feed_id])].extra = result.asset_extra()
                    return result.asset_extra()

                loads.append(validate_load(feed.id, land.output))

        # Data Docs pages are rendered once per run, for every delivery this run validated (rendering
        # costs seconds whatever a delivery's size). A teardown: it runs whatever the loads' outcome and
        # never decides the run's state.
        @teardown
        @task(task_id="data_docs", doc_md="Render the Data Docs pages of this run's validations.")
        def data_docs() -> str | None:
            from tianyan.ingest.validate import build_data_docs

            index = build_data_docs()
            return str(index) if index else None

        loads >> data_docs()
    return dag


def build_all(only: str | None = None) -> dict:
    """Every department DAG; ``only`` (a dag id) builds just that one (a task process needs no other)."""
    depts = feeds_by_department()
    if only and only.startswith("dept_") and only.removeprefix("dept_") in depts:
        d = only.removeprefix("dept_")
        return {only: build_department_dag(d, depts[d])}
    return {f"dept_{d}": build_department_dag(d, feeds) for d, feeds in depts.items()}
