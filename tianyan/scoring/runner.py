"""Run one supervision model as of a date and hand its hits to the alert lifecycle.

The model's rows go into a temp table ``_hits``; ``tianyan.alerts.lifecycle.record_scoring`` merges them
into ``alerts.alert`` (alert_id = md5(model | subject kind | subject | evidence key), so a re-run
updates, never duplicates; alerts no longer produced are RESOLVED by data, never deleted; a hit on a
resolved alert reopens it), writing every status change's event. Every run is recorded in
``alerts.scoring_runs``. All of it happens in one transaction, set-based. A run is SKIPPED when
nothing it depends on changed (``input_fingerprint``); on a new date, a model whose inputs did not
change and whose rule does not depend on the date is CARRIED: its last run's result is carried
forward (``tianyan.scoring.proportional``, ``carry_forward``). ``force`` runs the model regardless.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from tianyan.alerts import lifecycle
from tianyan.registry.feeds import history_relation
from tianyan.registry.models import OUTPUT_COLUMNS, ModelSpec
from tianyan.scoring import proportional, rulesettings
from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)


@dataclass
class ModelRun:
    model_id: str
    as_of: str
    status: str
    hits: int = 0
    alerts_new: int = 0
    alerts_updated: int = 0
    alerts_resolved: int = 0
    rows_scanned: int = 0
    duration_ms: int = 0
    error: str | None = None
    settings_version: int = 0


class ModelFailed(Exception):
    pass


def _rows_scanned(conn, model: ModelSpec) -> int:
    names = [history_relation(f) for f in model.inputs]
    got = conn.execute(
        sa.text("select coalesce(sum(greatest(c.reltuples, 0)), 0) from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace where n.nspname || '.' || c.relname = any(:names)"),
        {"names": names},
    ).scalar()
    return int(got or 0)


def input_fingerprint(conn, model: ModelSpec, as_of: dt.date) -> str:
    """Everything a model's result depends on: its SQL, parameters and severity, the shared
    definitions, every batch loaded for its input feeds, and the as-of date."""
    return proportional.input_fingerprint(_data_fingerprint(conn, model), as_of)


def _data_fingerprint(conn, model: ModelSpec) -> str:
    return proportional.data_fingerprint(model, proportional.loaded_batches(conn, list(model.inputs)))


def last_fingerprint(conn, model: ModelSpec) -> str | None:
    """Input fingerprint of the model's latest run. The alerts reflect that run (whatever its date),
    so a model whose fingerprint equals it has nothing to do."""
    last = proportional.last_runs(conn, [model.id]).get(model.id)
    return last.input_fingerprint if last else None


def run_model(model: ModelSpec, as_of: dt.date, url: str | None = None, *, force: bool = False) -> ModelRun:
    """Score one model as of a date: SKIPPED when nothing it depends on changed since its last run,
    CARRIED to a new date when its inputs did not change and its rule does not depend on the date
    (``tianyan.scoring.proportional``), else run; ``force`` always runs it."""
    eng = get_engine(url)
    started = time.monotonic()
    run = ModelRun(model.id, as_of.isoformat(), "SUCCESS")
    with eng.begin() as conn:
        # Parameters in force: the files' defaults overridden by the latest rule settings version
        # (the model's version, hence its fingerprint, follows them).
        model, run.settings_version = rulesettings.effective(conn, model)
        last = proportional.last_runs(conn, [model.id]).get(model.id)
        decision = proportional.decide(model, as_of, proportional.loaded_batches(conn, list(model.inputs)), last,
                                       full=force, conn=conn)
        fp, dfp = decision.input_fingerprint, decision.data_fingerprint
        if decision.action == "skip":
            run.status = "SKIPPED"
            run.duration_ms = int((time.monotonic() - started) * 1000)
            _record(conn, model, as_of, run, fp, dfp)
            log.info("model %s as of %s: inputs unchanged since the last run, skipped", model.id, as_of)
            return run
        if decision.action == "carry":
            return _carry(conn, [model], as_of, started, {model.id: decision}, run.settings_version)[0]
    params = model.bind_params(as_of)
    try:
        with eng.begin() as conn:
            # JIT compilation never pays off for these queries (1.6-2.3 s of compile time on each heavy
            # model, docs/performance.md) and does not change a result.
            conn.execute(sa.text("set local jit = off"))
            conn.execute(sa.text("drop table if exists _hits"))
            conn.execute(sa.text(f"create temp table _hits on commit drop as {model.sql.rstrip().rstrip(';')}"),
                         params)
            cols = [r[0] for r in conn.execute(sa.text(
                "select attname from pg_attribute where attrelid = '_hits'::regclass and attnum > 0 "
                "and not attisdropped order by attnum"))]
            if tuple(cols) != OUTPUT_COLUMNS:
                raise ModelFailed(f"{model.id} returns columns {cols}, expected {list(OUTPUT_COLUMNS)}")
            counts = lifecycle.record_scoring(conn, model.id, model.severity, model.version, as_of)
            run.hits, run.alerts_new = counts["hits"], counts["alerts_new"]
            run.alerts_updated, run.alerts_resolved = counts["alerts_updated"], counts["alerts_resolved"]
            run.rows_scanned = _rows_scanned(conn, model)
            run.duration_ms = int((time.monotonic() - started) * 1000)
            _record(conn, model, as_of, run, fp, dfp)
    except Exception as exc:  # noqa: BLE001 - recorded, then re-raised so the task fails visibly
        run.status, run.error = "FAILED", f"{type(exc).__name__}: {exc}"[:2000]
        run.duration_ms = int((time.monotonic() - started) * 1000)
        with eng.begin() as conn:
            _record(conn, model, as_of, run, fp, dfp)
        log.error("model %s as of %s failed: %s", model.id, as_of, run.error)
        raise ModelFailed(f"model {model.id} as of {as_of}: {run.error}") from exc
    log.info("model %s as of %s: %d hits, %d new, %d updated, %d resolved in %d ms", model.id, as_of,
             run.hits, run.alerts_new, run.alerts_updated, run.alerts_resolved, run.duration_ms)
    return run


def carry_forward(models: list[ModelSpec], as_of: dt.date, url: str | None = None) -> list[ModelRun]:
    """Carry the last result of ``models`` forward to ``as_of`` in one transaction (set-based, one
    statement for all of them). Each is checked again first: one whose inputs changed since it was
    planned runs (``run_model``), one with nothing to do is SKIPPED."""
    eng = get_engine(url)
    started = time.monotonic()
    with eng.begin() as conn:
        lifecycle.lock(conn)  # the check and the carry see the same alerts and runs
        models, version = rulesettings.effective_all(conn, models)
        batches = proportional.loaded_batches(conn)
        last = proportional.last_runs(conn, [m.id for m in models])
        decided = {m.id: proportional.decide(m, as_of, batches, last.get(m.id), conn=conn) for m in models}
        carried = _carry(conn, [m for m in models if decided[m.id].action == "carry"], as_of, started, decided,
                         version)
    others = [run_model(m, as_of, url) for m in models if decided[m.id].action != "carry"]
    return carried + others


def _carry(conn, models: list[ModelSpec], as_of: dt.date, started: float,
           decided: dict[str, proportional.Decision], settings_version: int) -> list[ModelRun]:
    if not models:
        return []
    hits = lifecycle.record_carried(conn, [m.id for m in models], as_of)
    runs = []
    ms = int((time.monotonic() - started) * 1000)
    for m in models:
        run = ModelRun(m.id, as_of.isoformat(), "CARRIED", hits=hits.get(m.id, 0), alerts_updated=hits.get(m.id, 0),
                       rows_scanned=_rows_scanned(conn, m), duration_ms=ms, settings_version=settings_version)
        _record(conn, m, as_of, run, decided[m.id].input_fingerprint, decided[m.id].data_fingerprint)
        runs.append(run)
    log.info("as of %s: %d model(s) carried forward, inputs unchanged and rule independent of the date: %s",
             as_of, len(runs), ", ".join(f"{r.model_id} ({r.hits} hits)" for r in runs))
    return runs


def _record(conn, model: ModelSpec, as_of: dt.date, run: ModelRun, fingerprint: str, data_fp: str) -> None:
    conn.execute(sa.text(
        "insert into alerts.scoring_runs (model_id, as_of, model_version, params, status, rows_scanned, hits, "
        "alerts_new, alerts_updated, alerts_resolved, duration_ms, error, input_fingerprint, data_fingerprint, "
        "settings_version) values (:model_id, :as_of, :ver, cast(:params as jsonb), :status, :rows_scanned, :hits, "
        ":alerts_new, :alerts_updated, :alerts_resolved, :duration_ms, :error, :fp, :dfp, :settings_version)"),
        {**asdict(run), "as_of": as_of, "ver": model.version, "params": json.dumps(model.params, default=str),
         "fp": fingerprint, "dfp": data_fp})
