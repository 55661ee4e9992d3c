"""The scoring DAG: scheduled on the feed Assets (any of them) with a daily fallback.

An Asset-triggered run first waits until no department run is queued or running (``wait_for_loads``,
a reschedule-mode sensor: no worker slot between looks; at most ``scoring_settle_max`` of
include/config/orchestration.yaml), so the models score the day's loads once rather than once per
arriving feed. It then runs the models whose input feeds received new data and whose inputs changed
since their last run, as mapped tasks (one per model, so a failing model fails visibly without
blocking the others); the clock fallback and manual runs score all enabled models. A model whose
inputs did not change since its last run and whose rule does not depend on the date (or only
compares a column with it and no row lies between the dates) is carried forward to the new date
instead (one ``carry_forward`` task for all of them); conf
``{"full_rescore": true}`` runs every enabled model. The as-of date is the run's business date (conf
``as_of`` wins).
"""

from __future__ import annotations

import datetime as dt
import logging

from tianyan.orchestration.common import (
    NEVER_IMMEDIATELY,
    SCORING_DAG_ID,
    TIMEZONE,
    default_args,
    department_dag_ids,
    feed_asset,
    local_date,
    scoring_settle,
    waits_enabled,
)
from tianyan.registry import load_feeds
from tianyan.registry.models import load_models
from tianyan.scoring.settings import load_settings

log = logging.getLogger(__name__)


def models_for(triggering_feeds: set[str] | None) -> list[str]:
    models = [m for m in load_models().values() if m.enabled]
    if triggering_feeds:
        models = [m for m in models if triggering_feeds & set(m.inputs)]
    return [m.id for m in models]


# Task states of work in progress; a deferred land task waits for a delivery that may take hours.
_ACTIVE_TI_STATES = ["scheduled", "queued", "running", "up_for_retry", "up_for_reschedule", "restarting"]


def loads_settled(context, settle_max: float, before: str) -> bool:
    """The ``wait_for_loads`` sensor of the scoring and publishing DAGs: True when the run was not triggered
    by an asset, when no department run is loading, or once it has waited ``settle_max`` seconds (with a
    warning); ``before`` says what waits, for the log."""
    import pendulum

    run = context["dag_run"]
    if not waits_enabled() or run.run_type != "asset_triggered":
        return True
    busy = loads_in_flight(context["ti"])
    if not busy:
        return True
    waited = (pendulum.now("UTC") - pendulum.instance(run.start_date or run.queued_at)).total_seconds()
    if waited >= settle_max:
        log.warning("%s now although %d department run(s) are still loading (waited %.0fs): %s",
                    before, len(busy), waited, ", ".join(busy))
        return True
    log.info("waiting for %d department run(s) to finish loading before %s: %s", len(busy), before, ", ".join(busy))
    return False


def wait_for_loads_sensor(before: str):
    """The ``wait_for_loads`` task of the scoring and publishing DAGs (``loads_settled``): a
    reschedule-mode sensor, so it holds no worker slot between looks; it gives up an hour after
    ``scoring_settle_max`` (when it would have proceeded anyway)."""
    from airflow.sdk import task

    settle_max, settle_poke = scoring_settle()

    @task.sensor(task_id="wait_for_loads", mode="reschedule", poke_interval=settle_poke,
                 timeout=settle_max + 3600, retries=2)
    def wait_for_loads(**context) -> bool:
        return loads_settled(context, settle_max, before)

    return wait_for_loads()


def loads_in_flight(ti) -> list[str]:
    """Department DAGs with a run that is queued or still loading (a run whose only unfinished work is
    a land task waiting for a late delivery does not count: scoring does not wait for deliveries)."""
    def loading(dag_id: str) -> bool:
        if ti.get_dr_count(dag_id=dag_id, states=["queued"]):
            return True
        if not ti.get_dr_count(dag_id=dag_id, states=["running"]):
            return False
        # Between two scheduler steps a running run has neither active nor deferred tasks.
        return bool(ti.get_ti_count(dag_id=dag_id, states=_ACTIVE_TI_STATES)
                    or not ti.get_ti_count(dag_id=dag_id, states=["deferred"]))

    return [d for d in department_dag_ids() if loading(d)]


def changed_models(model_ids: list[str], as_of) -> list[str]:
    """The models whose inputs changed since their last run (run_model would skip the others)."""
    p = scoring_plan(model_ids, as_of)
    return [m for m in model_ids if m not in p.skip]


def scoring_plan(model_ids: list[str], as_of, *, full: bool = False):
    """Which models run, carry their last result forward, or are skipped (tianyan.scoring.proportional).

    Each model is fingerprinted with the parameters it runs with (the files' values plus the rule
    settings in force, alerts.rule_settings), as run_model does: planned with the files' values, a
    model under an override would never match its last run (an extra task that then skips) and one
    whose override was just applied or rolled back could look unchanged."""
    from tianyan.scoring.proportional import plan
    from tianyan.scoring.rulesettings import effective_all
    from tianyan.warehouse.conn import engine

    models = load_models()
    with engine().connect() as conn:
        effective, _ = effective_all(conn, [models[m] for m in model_ids])
        return plan(conn, effective, as_of, full=full)


def doc_md() -> str:
    return (
        "# Scoring\n\nRuns the supervision models (`include/sql/models/<domain>/<ID>.sql`) when any input "
        f"feed's Asset is updated, and on the clock (`{load_settings().schedule}` China time, `schedule` in "
        "`include/config/scoring.yaml`) as a fallback. An Asset-triggered run first "
        "waits for the department runs in flight to finish (`scoring_settle_max` in "
        "`include/config/orchestration.yaml`), then runs the models whose inputs changed; a model whose inputs "
        "did not change and whose rule does not depend on the date carries its last result forward to the new "
        "date (task `carry_forward`), unless the run's conf has `{\"full_rescore\": true}`. Each model run is a "
        "mapped task; results merge into `alerts.alert` (deterministic ids; missing evidence -> RESOLVED) and "
        "every run is logged in `alerts.scoring_runs`. Trigger with `{\"as_of\": \"YYYY-MM-DD\"}` to score "
        "a date. Tune or disable models in `include/config/models.yaml`."
    )


def build_scoring_dag():
    from airflow.sdk import DAG, AssetAny, AssetOrTimeSchedule, CronTriggerTimetable, Param, task

    assets = [feed_asset(f) for f in load_feeds().values()]
    with DAG(
        dag_id=SCORING_DAG_ID,
        description="Run the supervision models and write alerts",
        schedule=AssetOrTimeSchedule(
            timetable=CronTriggerTimetable(load_settings().schedule, timezone=TIMEZONE,
                                           run_immediately=NEVER_IMMEDIATELY),
            assets=AssetAny(*assets),
        ),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(owner="supervision-models"),
        tags=["scoring", "alerts"],
        doc_md=doc_md(),
        params={"as_of": Param(None, type=["null", "string"], format="date", description="Score as of this date"),
                "full_rescore": Param(False, type="boolean",
                                      description="Run every enabled model (no carry-forward, no skip)")},
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
            full = bool(conf.get("full_rescore") or context["params"].get("full_rescore"))
            enabled = models_for(None)
            # Every enabled model is planned, whatever triggered the run: after the wait, loads that
            # arrived since this run was created are in the warehouse too (their events queue the next
            # run), so everything with new inputs scores now and the next run finds nothing left to do.
            p = scoring_plan(enabled, dt.date.fromisoformat(as_of), full=full)
            all_ids = sorted(load_models())
            log.info("scoring as of %s%s: %d model(s) to run%s: %s", as_of, " (full re-score)" if full else "",
                     len(p.run), f" (triggered by updates of: {', '.join(sorted(feeds))})" if feeds else "",
                     ", ".join(p.run) or "none")
            if p.carry:
                log.info("carried forward (inputs unchanged, the rule independent of the date or no row between the "
                         "dates): %s", ", ".join(p.carry))
            if p.skip:
                log.info("skipped, inputs unchanged since their last run: %s", ", ".join(p.skip))
            disabled = [m for m in all_ids if m not in enabled]
            if disabled:
                log.info("disabled in include/config/models.yaml: %s", ", ".join(disabled))
            return {"as_of": as_of, "models": p.run, "carry": p.carry, "full": full}

        @task
        def model_ids(p: dict) -> list[dict]:
            return [{"model_id": m, "as_of": p["as_of"], "force": p.get("full", False)} for m in p["models"]]

        @task
        def carry_forward(p: dict) -> list[dict]:
            from dataclasses import asdict

            from tianyan.scoring.runner import carry_forward as carry

            models = load_models()
            return [asdict(r) for r in carry([models[m] for m in p.get("carry", [])], dt.date.fromisoformat(p["as_of"]))]

        @task(map_index_template="{{ model_id }}")
        def score(job: dict) -> dict:
            from dataclasses import asdict

            from airflow.sdk import get_current_context

            from tianyan.scoring.runner import run_model

            get_current_context()["model_id"] = job["model_id"]  # names the mapped instance in the UI

            run = run_model(load_models()[job["model_id"]], dt.date.fromisoformat(job["as_of"]),
                            force=job.get("force", False))
            if run.status in ("SKIPPED", "CARRIED"):
                log.info("%s as of %s: %s, inputs unchanged since its last run", run.model_id, run.as_of,
                         run.status.lower())
            else:
                log.info("%s as of %s: %s, %d hit(s): %d new, %d updated, %d resolved alert(s); %d rows scanned, "
                         "%d ms", run.model_id, run.as_of, run.status, run.hits, run.alerts_new, run.alerts_updated,
                         run.alerts_resolved, run.rows_scanned, run.duration_ms)
            return asdict(run)

        @task(trigger_rule="all_done")
        def refresh_marts(p: dict) -> None:

            from tianyan.scoring.marts import refresh

            refresh(dt.date.fromisoformat(p["as_of"]))

        @task
        def daily_report(p: dict) -> str:

            from tianyan.alerts.report import write_report

            return str(write_report(dt.date.fromisoformat(p["as_of"])))

        @task
        def announce_high_alerts(p: dict) -> int:

            from tianyan.orchestration.notifier import notify_new_high_alerts

            return notify_new_high_alerts(dt.date.fromisoformat(p["as_of"]))

        p = plan()
        wait_for_loads_sensor("scoring") >> p
        scores = score.expand(job=model_ids(p))
        marts = refresh_marts(p)
        [carry_forward(p), scores] >> marts >> [daily_report(p), announce_high_alerts(p)]
    return dag
