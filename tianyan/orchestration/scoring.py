"""The scoring DAG: scheduled on the feed Assets (any of them) with a daily fallback.

Models whose input feeds received new data run as mapped tasks (one per model, so a failing
model fails visibly without blocking the others); the clock fallback and manual runs score all
enabled models. The as-of date is the run's business date (conf ``as_of`` wins).
"""

from __future__ import annotations

from tianyan.orchestration.common import START_DATE, TIMEZONE, default_args, feed_asset, local_date
from tianyan.registry import load_feeds
from tianyan.registry.models import load_models


def models_for(triggering_feeds: set[str] | None) -> list[str]:
    models = [m for m in load_models().values() if m.enabled]
    if triggering_feeds:
        models = [m for m in models if triggering_feeds & set(m.inputs)]
    return [m.id for m in models]


def doc_md() -> str:
    return (
        "# Scoring\n\nRuns the supervision models (`include/sql/models/<domain>/<ID>.sql`) when any input "
        "feed's Asset is updated, and daily at 06:00 China time as a fallback. Each model is a mapped "
        "task; results merge into `alerts.alert` (deterministic ids; missing evidence -> RESOLVED) and "
        "every run is logged in `alerts.scoring_runs`. Trigger with `{\"as_of\": \"YYYY-MM-DD\"}` to score "
        "a date. Tune or disable models in `include/config/models.yaml`."
    )


def build_scoring_dag():
    from airflow.sdk import DAG, AssetAny, AssetOrTimeSchedule, CronTriggerTimetable, Param, task

    assets = [feed_asset(f) for f in load_feeds().values()]
    with DAG(
        dag_id="scoring",
        description="Run the supervision models and write alerts",
        schedule=AssetOrTimeSchedule(
            timetable=CronTriggerTimetable("0 6 * * *", timezone=TIMEZONE), assets=AssetAny(*assets)
        ),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(owner="supervision-models"),
        tags=["scoring", "alerts"],
        doc_md=doc_md(),
        params={"as_of": Param(None, type=["null", "string"], format="date", description="Score as of this date")},
    ) as dag:

        @task
        def plan(**context) -> dict:
            events = context.get("triggering_asset_events") or {}
            feeds: set[str] = set()
            dates: list[str] = []
            for asset_events in events.values():
                for ev in asset_events:
                    extra = ev.extra or {}
                    if extra.get("feed_id"):
                        feeds.add(extra["feed_id"])
                    if extra.get("delivery_date"):
                        dates.append(extra["delivery_date"])
            conf = context["dag_run"].conf or {}
            if conf.get("as_of") or context["params"].get("as_of") or not dates:
                as_of = local_date(context).isoformat()
            else:
                as_of = max(dates)
            return {"as_of": as_of, "models": models_for(feeds or None)}

        @task
        def model_ids(p: dict) -> list[dict]:
            return [{"model_id": m, "as_of": p["as_of"]} for m in p["models"]]

        @task(map_index_template="{{ model_id }}")
        def score(job: dict) -> dict:
            import datetime as dt
            from dataclasses import asdict

            from airflow.sdk import get_current_context

            from tianyan.scoring.runner import run_model

            get_current_context()["model_id"] = job["model_id"]  # names the mapped instance in the UI

            run = run_model(load_models()[job["model_id"]], dt.date.fromisoformat(job["as_of"]))
            return asdict(run)

        @task(trigger_rule="all_done")
        def refresh_marts(p: dict) -> None:
            import datetime as dt

            from tianyan.scoring.marts import refresh

            refresh(dt.date.fromisoformat(p["as_of"]))

        @task
        def daily_report(p: dict) -> str:
            import datetime as dt

            from tianyan.report import write_report

            return str(write_report(dt.date.fromisoformat(p["as_of"])))

        @task
        def announce_high_alerts(p: dict) -> int:
            import datetime as dt

            from tianyan.notify import notify_new_high_alerts

            return notify_new_high_alerts(dt.date.fromisoformat(p["as_of"]))

        p = plan()
        scores = score.expand(job=model_ids(p))
        marts = refresh_marts(p)
        scores >> marts >> [daily_report(p), announce_high_alerts(p)]
    return dag
