"""Run one supervision model as of a date and merge its hits into ``alerts.alert``.

alert_id = md5(model | subject kind | subject | evidence key): a re-run updates, never duplicates.
Alerts of the model that are no longer produced are marked RESOLVED (resolved by data), never
deleted; a hit on a resolved alert reopens it. Every run is recorded in ``alerts.scoring_runs``.
All of it happens in one transaction, set-based.
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
from tianyan.registry.models import OUTPUT_COLUMNS, ModelSpec
from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)
OPEN_STATUSES = ("NEW", "ASSIGNED")


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
    names = [f"{f.split('.')[0]}.{f.split('.')[1]}__history" for f in model.inputs]
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
            p = {"model": model.id, "sev": model.severity, "d": as_of, "ver": model.version}
            conn.execute(sa.text(
                "create temp table _alerts on commit drop as "
                "select distinct on (alert_id) * from (select md5(:model || '|' || subject_kind || '|' || "
                "subject_id || '|' || coalesce(evidence_key, '')) as alert_id, h.* from _hits h) x "
                "order by alert_id, amount desc nulls last"), p)
            run.hits = conn.execute(sa.text("select count(*) from _alerts")).scalar()
            run.alerts_new = conn.execute(sa.text(
                "select count(*) from _alerts a where not exists "
                "(select 1 from alerts.alert t where t.alert_id = a.alert_id)")).scalar()
            run.alerts_updated = run.hits - run.alerts_new
            conn.execute(sa.text(
                "insert into alerts.alert as t (alert_id, model_id, subject_kind, subject_id, evidence_key, "
                "region_code, unit_code, severity, amount, first_seen, last_seen, status, evidence, model_version) "
                "select alert_id, :model, subject_kind, subject_id, coalesce(evidence_key, ''), region_code, "
                "unit_code, :sev, amount, :d, :d, 'NEW', coalesce(evidence, '[]'::jsonb), :ver from _alerts "
                "on conflict (alert_id) do update set region_code = excluded.region_code, "
                "unit_code = excluded.unit_code, severity = excluded.severity, amount = excluded.amount, "
                "evidence = excluded.evidence, model_version = excluded.model_version, "
                "first_seen = least(t.first_seen, excluded.first_seen), "
                "last_seen = greatest(t.last_seen, excluded.last_seen), "
                "status = case when t.status = 'RESOLVED' then 'NEW' else t.status end, "
                "resolved_on = case when t.status = 'RESOLVED' then null else t.resolved_on end"), p)
            run.alerts_resolved = conn.execute(sa.text(
                "update alerts.alert t set status = 'RESOLVED', resolved_on = :d where t.model_id = :model "
                "and t.status in :open and not exists (select 1 from _alerts a where a.alert_id = t.alert_id)"
            ).bindparams(sa.bindparam("open", expanding=True)), {**p, "open": list(OPEN_STATUSES)}).rowcount
            conn.execute(sa.text(
                "delete from alerts.alert_evidence e using _alerts a where e.alert_id = a.alert_id"))
            conn.execute(sa.text(
                "insert into alerts.alert_evidence (alert_id, seq, source_feed, source_key, matched) "
                "select a.alert_id, x.ord::int, x.item ->> 'feed', x.item ->> 'key', x.item -> 'values' "
                "from _alerts a cross join lateral jsonb_array_elements("
                "case when jsonb_typeof(a.evidence) = 'array' then a.evidence else '[]'::jsonb end) "
                "with ordinality as x(item, ord)"))
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
