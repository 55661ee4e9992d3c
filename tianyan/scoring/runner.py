"""Run one supervision model as of a date and hand its hits to the alert lifecycle.

The model's rows go into a temp table ``_hits``; ``tianyan.alerts.lifecycle.record_scoring`` merges them
into ``alerts.alert`` (alert_id = md5(model | subject kind | subject | evidence key), so a re-run
updates, never duplicates; alerts no longer produced are RESOLVED by data, never deleted; a hit on a
resolved alert reopens it), writing every status change's event. Every run is recorded in
``alerts.scoring_runs``. All of it happens in one transaction, set-based. A run is SKIPPED when
nothing it depends on changed (``input_fingerprint``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from tianyan import paths
from tianyan.alerts import lifecycle
from tianyan.registry.feeds import history_relation
from tianyan.registry.models import OUTPUT_COLUMNS, ModelSpec
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


def _core_sql_version() -> str:
    h = hashlib.sha256()
    for f in sorted(paths.CORE_SQL_DIR.glob("*.sql")):
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def input_fingerprint(conn, model: ModelSpec, as_of: dt.date) -> str:
    """Everything a model's result depends on: its SQL and parameters, the shared definitions, and
    the batches loaded for its input feeds up to the as-of date."""
    batches = conn.execute(sa.text(
        "select coalesce(string_agg(feed_id || '@' || delivery_date || '=' || batch_id, ',' "
        "order by feed_id, delivery_date), '') from meta.feed_runs "
        "where feed_id = any(:feeds) and status = 'LOADED' and delivery_date <= :d"),
        {"feeds": list(model.inputs), "d": as_of}).scalar()
    doc = f"{model.version}|{_core_sql_version()}|{as_of}|{batches}"
    return hashlib.sha256(doc.encode()).hexdigest()[:16]


def last_fingerprint(conn, model: ModelSpec) -> str | None:
    """Input fingerprint of the model's latest run. The alerts reflect that run (whatever its date),
    so a model whose fingerprint equals it has nothing to do."""
    return conn.execute(sa.text(
        "select input_fingerprint from alerts.scoring_runs where model_id = :m "
        "and status in ('SUCCESS', 'SKIPPED') order by run_id desc limit 1"), {"m": model.id}).scalar()


def run_model(model: ModelSpec, as_of: dt.date, url: str | None = None, *, force: bool = False) -> ModelRun:
    """Score one model as of a date; skipped (recorded as SKIPPED) when nothing it depends on changed."""
    eng = get_engine(url)
    started = time.monotonic()
    params = {**model.params, "as_of": as_of}
    run = ModelRun(model.id, as_of.isoformat(), "SUCCESS")
    with eng.begin() as conn:
        fp = input_fingerprint(conn, model, as_of)
        if last_fingerprint(conn, model) == fp and not force:
            run.status = "SKIPPED"
            run.duration_ms = int((time.monotonic() - started) * 1000)
            _record(conn, model, as_of, run, fp)
            log.info("model %s as of %s: inputs unchanged since the last run, skipped", model.id, as_of)
            return run
    try:
        with eng.begin() as conn:
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
            _record(conn, model, as_of, run, fp)
    except Exception as exc:  # noqa: BLE001 - recorded, then re-raised so the task fails visibly
        run.status, run.error = "FAILED", f"{type(exc).__name__}: {exc}"[:2000]
        run.duration_ms = int((time.monotonic() - started) * 1000)
        with eng.begin() as conn:
            _record(conn, model, as_of, run, fp)
        log.error("model %s as of %s failed: %s", model.id, as_of, run.error)
        raise ModelFailed(f"model {model.id} as of {as_of}: {run.error}") from exc
    log.info("model %s as of %s: %d hits, %d new, %d updated, %d resolved in %d ms", model.id, as_of,
             run.hits, run.alerts_new, run.alerts_updated, run.alerts_resolved, run.duration_ms)
    return run


def _record(conn, model: ModelSpec, as_of: dt.date, run: ModelRun, fingerprint: str) -> None:
    conn.execute(sa.text(
        "insert into alerts.scoring_runs (model_id, as_of, model_version, params, status, rows_scanned, hits, "
        "alerts_new, alerts_updated, alerts_resolved, duration_ms, error, input_fingerprint) values (:model_id, "
        ":as_of, :ver, cast(:params as jsonb), :status, :rows_scanned, :hits, :alerts_new, :alerts_updated, "
        ":alerts_resolved, :duration_ms, :error, :fp)"),
        {**asdict(run), "as_of": as_of, "ver": model.version, "params": json.dumps(model.params, default=str),
         "fp": fingerprint})
