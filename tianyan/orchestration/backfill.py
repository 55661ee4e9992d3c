"""A backfill without the orchestrator's per-task overhead (``tianyan backfill --direct``).

``tianyan run`` / ``tianyan backfill`` drive every date through the real DAGs (``dag.test()``): 24
department runs and a scoring run with one mapped task per model, each through Airflow's task
runner. For a synthetic city of a few thousand residents that overhead is nearly all of a date's
time (about 7 minutes a date on a shared 2-core machine, of which the models take under 10 s), so
a city over 90 days takes hours. The direct path calls the same steps the DAGs' tasks call, in
the same order, in this process: each feed's delivery (``process_delivery``, Data Docs off), then
the scoring plan (``tianyan.orchestration.scoring.scoring_plan``: run, carry forward or skip, with
the rule settings in force), the model runs, the carry-forward, and the marts (lifecycle first).
The daily HTML report is written for the last date only (``report_every`` for more).

It takes the checkout's run lock like ``tianyan run`` and serves the drop's http and database feeds
through the simulated exchange. Airflow itself records nothing of these dates.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class DayResult:
    day: dt.date
    loaded: int = 0
    not_loaded: dict[str, str] = field(default_factory=dict)
    ran: int = 0
    carried: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def backfill_direct(drop: str, dates: list[dt.date], *, report_every: bool = False,
                    on_day: Callable[[DayResult], None] | None = None) -> list[DayResult]:
    """Load, score and refresh the marts for each date in order (module doc)."""
    from tianyan import paths
    from tianyan.ingest.pipeline import DeliveryRejected, process_delivery
    from tianyan.orchestration.inprocess import (
        WarehouseUnreachable,
        exchange_for,
        one_writer,
        warehouse_problem,
    )
    from tianyan.orchestration.scoring import models_for, scoring_plan
    from tianyan.registry import load_feeds
    from tianyan.registry.models import load_models
    from tianyan.scoring.marts import refresh
    from tianyan.scoring.runner import ModelFailed, carry_forward, run_model
    from tianyan.warehouse.conn import redact, warehouse_url
    from tianyan.warehouse.migrate import migrate

    dates = sorted(dates)
    out: list[DayResult] = []
    with one_writer(f"tianyan backfill --direct {dates[0]}..{dates[-1]}"):
        url = warehouse_url()
        problem = warehouse_problem(url)
        if problem:
            raise WarehouseUnreachable(f"warehouse {redact(url)} cannot be reached: {problem}")
        migrate(url)
        feeds = sorted(load_feeds().values(), key=lambda f: f.id)
        work = Path(paths.STATE_DIR) / "work" / "backfill"
        with exchange_for(drop, dates):
            for day in dates:
                started = time.monotonic()
                r = DayResult(day)
                for feed in feeds:
                    try:
                        res = process_delivery(feed, day, landing=drop, url=url, work_root=work, data_docs=False)
                    except DeliveryRejected as exc:
                        r.not_loaded[feed.id] = f"rejected: {exc}"
                        continue
                    if res.status in ("LOADED", "UNCHANGED"):  # UNCHANGED: same files as the last delivery
                        r.loaded += 1
                    elif res.status != "NO_DELIVERY":
                        r.not_loaded[feed.id] = res.status
                models = load_models()
                plan = scoring_plan(models_for(None), day)
                r.skipped = len(plan.skip)
                for run in carry_forward([models[m] for m in plan.carry], day, url):
                    r.carried += run.status == "CARRIED"
                    r.ran += run.status == "SUCCESS"
                for m in plan.run:
                    try:
                        r.ran += run_model(models[m], day, url).status == "SUCCESS"
                    except ModelFailed as exc:
                        r.failed.append(str(exc))
                refresh(day, url)
                if report_every or day == dates[-1]:
                    from tianyan.alerts.report import write_report

                    write_report(day, url=url)
                r.seconds = round(time.monotonic() - started, 1)
                log.info("backfill %s: %s", day, r)
                out.append(r)
                if on_day:
                    on_day(r)
    return out
