"""One delivery of one feed, end to end: land -> archive -> read -> normalise -> validate ->
quarantine / load, with accounting (delivered = loaded + quarantined + collapsed).

Logs carry counts, files, row numbers and rule names, never the values (they hold personal data);
raw values of refused rows go to ``meta.quarantine`` only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import fsspec
import pandas as pd
import psycopg
import psycopg.sql
import yaml
from psycopg.types.json import Jsonb

from tianyan import paths
from tianyan.ingest import load, readers
from tianyan.ingest.normalise import normalise
from tianyan.registry import FeedSpec
from tianyan.warehouse.conn import psycopg_dsn

log = logging.getLogger(__name__)


class DeliveryRejected(Exception):
    """The whole delivery was refused (batch-level failure); the warehouse is untouched."""


@dataclass
class DeliveryResult:
    feed_id: str
    delivery_date: str
    status: str
    batch_id: str | None = None
    delivered: int = 0
    loaded: int = 0
    quarantined: int = 0
    collapsed: int = 0
    reason: str | None = None
    files: list[dict] = field(default_factory=list)
    failures_by_rule: dict[str, int] = field(default_factory=dict)

    def asset_extra(self) -> dict:
        keep = ("feed_id", "delivery_date", "status", "batch_id", "delivered", "loaded", "quarantined", "collapsed")
        return {k: v for k, v in asdict(self).items() if k in keep}


@cache
def _policy() -> dict:
    path = paths.CONFIG_DIR / "pipeline.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def max_bad_share(feed_id: str) -> float:
    pol = _policy()
    return float(((pol.get("feeds") or {}).get(feed_id) or {}).get("max_bad_share", pol.get("max_bad_share", 0.2)))


def should_reject(feed_id: str, bad: int, delivered: int) -> bool:
    """Batch-level quality gate: too large a share of bad rows, or nothing usable at all."""
    if delivered and bad == delivered:
        return True
    min_rows = int(_policy().get("min_rows_for_share", 50))
    return delivered >= min_rows and bad / delivered > max_bad_share(feed_id)


def archive_root() -> str:
    import os

    return os.environ.get("TIANYAN_ARCHIVE") or str(paths.STATE_DIR / "archive")


def _archive(feed: FeedSpec, d: dt.date, batch_id: str, files) -> list[dict]:
    """Copy each landed file to <archive>/<feed>/<date>/<batch>/; never overwrite (immutable)."""
    fs, root = fsspec.core.url_to_fs(archive_root())
    out = []
    for f in files:
        target = f"{root.rstrip('/')}/{feed.id}/{d.isoformat()}/{batch_id}/{f.name}"
        if not fs.exists(target):
            fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            with open(f.path, "rb") as src, fs.open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        out.append({"name": f.name, "source_uri": f.source_uri, "archive_uri": fs.unstrip_protocol(target),
                    "sha256": f.sha256, "bytes": f.bytes})
    return out


def _run_id() -> str | None:
    """The Airflow run and try making this attempt (the task runner exports them), else None."""
    import os

    run = os.environ.get("AIRFLOW_CTX_DAG_RUN_ID")
    if not run:
        return None
    return f"{os.environ.get('AIRFLOW_CTX_DAG_ID', '')}/{run}/{os.environ.get('AIRFLOW_CTX_TASK_ID', '')}" \
        f"#{os.environ.get('AIRFLOW_CTX_TRY_NUMBER', '')}"


_RANKS = ["NO_DELIVERY", "MISSING", "FAILED", "REJECTED", "LOADED"]


def _record_run(cur, r: DeliveryResult, stage: str = "load") -> None:
    """Record one attempt in meta.feed_attempts and the date's effective outcome in meta.feed_runs.

    An attempt replaces the date's record only when its outcome ranks at least as high
    (NO_DELIVERY < MISSING < FAILED < REJECTED < LOADED): a LOADED date keeps its record unless this
    attempt loaded too, so a failed or rejected redelivery never hides what the warehouse holds."""
    params = {**asdict(r), "files": Jsonb(r.files), "stage": stage, "run_id": _run_id(), "ranks": _RANKS}
    cur.execute(
        "insert into meta.feed_attempts (feed_id, delivery_date, stage, status, batch_id, delivered, loaded,"
        " quarantined, collapsed, reason, files, run_id) values (%(feed_id)s, %(delivery_date)s, %(stage)s,"
        " %(status)s, %(batch_id)s, %(delivered)s, %(loaded)s, %(quarantined)s, %(collapsed)s, %(reason)s,"
        " %(files)s, %(run_id)s)",
        params,
    )
    if r.status == "UNCHANGED":  # an identical redelivery: the date's record stands as it is
        return
    cur.execute(
        "insert into meta.feed_runs as f (feed_id, delivery_date, batch_id, status, delivered, loaded, quarantined,"
        " collapsed, reason, files, started_at, finished_at) values (%(feed_id)s, %(delivery_date)s, %(batch_id)s,"
        " %(status)s, %(delivered)s, %(loaded)s, %(quarantined)s, %(collapsed)s, %(reason)s, %(files)s, now(), now())"
        " on conflict (feed_id, delivery_date) do update set batch_id = excluded.batch_id, status = excluded.status,"
        " delivered = excluded.delivered, loaded = excluded.loaded, quarantined = excluded.quarantined,"
        " collapsed = excluded.collapsed, reason = excluded.reason, files = excluded.files,"
        " finished_at = excluded.finished_at"
        " where array_position(%(ranks)s, excluded.status) >= array_position(%(ranks)s, f.status)",
        params,
    )


def record_missing(feed: FeedSpec, delivery_date: dt.date, reason: str, *, url: str | None = None) -> None:
    """The delivery window of a date passed without a delivery: status MISSING (a loaded date keeps
    its record)."""
    result = DeliveryResult(feed.id, delivery_date.isoformat(), "MISSING", reason=reason)
    with _connect(url) as conn, conn.cursor() as cur:
        _record_run(cur, result, stage="wait")
    log.warning("%s %s MISSING: %s", feed.id, delivery_date, reason)


def _connect(url: str | None):
    return psycopg.connect(psycopg_dsn(url))


def _raw_json(raw: pd.DataFrame, rows) -> list[str]:
    """The refused rows' delivered values as JSON; a NUL character (which jsonb cannot hold) is kept
    visible as U+2400 SYMBOL FOR NULL."""
    sub = raw.loc[list(rows)].drop(columns=[c for c in readers.ORIGIN_COLUMNS if c in raw.columns])
    lines = raw[readers.MALFORMED] if readers.MALFORMED in raw.columns else None
    out = []
    for label, rec in zip(sub.index, sub.to_dict("records"), strict=True):
        if lines is not None and isinstance(lines.at[label], str):
            rec = {"line": lines.at[label]}  # a malformed line has no fields to name
        out.append(json.dumps({k: v.replace("\x00", "\u2400") if isinstance(v, str) else v
                               for k, v in rec.items() if v is not None and v == v}, ensure_ascii=False))
    return out


def malformed_failures(raw: pd.DataFrame, width: int) -> pd.DataFrame:
    """One `malformed` failure per CSV line with the wrong number of fields."""
    if readers.MALFORMED not in raw.columns:
        return pd.DataFrame(columns=["row", "rule", "column", "message"])
    rows = raw.index[raw[readers.MALFORMED].notna()]
    return pd.DataFrame({"row": rows, "rule": "malformed", "column": "",
                         "message": f"line does not have the {width} fields of the header"})


def duplicate_failures(feed: FeedSpec, good: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index]:
    """Exact duplicate rows collapse to one; rows sharing a version key with different values are refused."""
    vkey = [*feed.key, "changed_at"] if load.versions_at_changed_at(feed) else list(feed.key)
    # Only rows whose version key occurs twice can be either: find them by a vectorised hash of the key
    # columns (a hash collision only adds candidates), then compare whole rows on that subset alone.
    # On a 3M-row delivery without duplicates this is ~3x faster than two full-frame duplicated().
    cand = pd.util.hash_pandas_object(good[vkey], index=False).duplicated(keep=False).to_numpy()
    sub = good[cand]
    exact = sub.duplicated(keep="first")
    rest = sub[~exact]
    clash = rest.duplicated(subset=vkey, keep=False)
    fails = pd.DataFrame(
        {"row": rest.index[clash], "rule": "unique", "column": ",".join(vkey),
         "message": f"key ({', '.join(vkey)}) delivered more than once with different values"}
    )
    return fails, sub.index[exact.to_numpy()]


def land_delivery(
    feed: FeedSpec,
    delivery_date: dt.date,
    *,
    landing: str,
    url: str | None = None,
    work_root: Path | None = None,
) -> dict | None:
    """Fetch one delivery through its transport and archive it; None when nothing was delivered."""
    from tianyan.ingest.transports import land

    d = delivery_date
    # Kept across task retries so an interrupted paged download resumes; cleared once archived.
    work = (work_root or paths.STATE_DIR / "work") / feed.id / d.isoformat() / "landed"
    work.mkdir(parents=True, exist_ok=True)
    since: dt.date | None = d
    if feed.delivery.transport == "database":
        with _connect(url) as conn:
            loaded_before = conn.execute(
                "select 1 from meta.feed_runs where feed_id = %s and status = 'LOADED' and delivery_date <> %s limit 1",
                (feed.id, d)).fetchone()
        since = d if loaded_before else None
    files = land(feed, d, landing, work, since=since)
    if not files:
        result = DeliveryResult(feed.id, d.isoformat(), "NO_DELIVERY", reason="nothing delivered for this date")
        with _connect(url) as conn, conn.cursor() as cur:
            # A date that was loaded before keeps its record (see _record_run); the attempt is kept.
            _record_run(cur, result, stage="land")
        log.info("%s %s: no delivery", feed.id, d)
        return None
    digest = hashlib.sha256("".join(sorted(f.sha256 for f in files)).encode()).hexdigest()[:16]
    batch_id = f"{feed.id}-{d:%Y%m%d}-{digest}"  # safe as a file name and a GX store key
    archived = _archive(feed, d, batch_id, files)
    with _connect(url) as conn, conn.cursor() as cur:
        cur.executemany(
            "insert into meta.archive (batch_id, feed_id, delivery_date, name, source_uri, archive_uri, sha256, bytes)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s) on conflict do nothing",
            [(batch_id, feed.id, d, a["name"], a["source_uri"], a["archive_uri"], a["sha256"], a["bytes"])
             for a in archived],
        )
    shutil.rmtree(work, ignore_errors=True)
    log.info("%s %s: landed %d file(s), batch %s", feed.id, d, len(archived), batch_id)
    return {"feed_id": feed.id, "delivery_date": d.isoformat(), "batch_id": batch_id, "files": archived}


def _fetch_archived(landed: dict, work: Path) -> list[Path]:
    """Local copies of the archived files (the archive may be remote: s3://, gs://, ...)."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    out = []
    for a in landed["files"]:
        fs, path = fsspec.core.url_to_fs(a["archive_uri"])
        target = work / a["name"]
        fs.get(path, str(target))
        got = hashlib.sha256(target.read_bytes()).hexdigest()
        if got != a["sha256"]:
            raise DeliveryRejected(f"feed {landed['feed_id']}: archived file {a['name']} changed (checksum)")
        out.append(target)
    return out


def load_delivery(
    feed: FeedSpec,
    landed: dict,
    *,
    url: str | None = None,
    work_root: Path | None = None,
    data_docs: bool = True,
) -> DeliveryResult:
    """Read, normalise, validate, quarantine and load one archived delivery."""
    from tianyan.ingest.validate import batch_checks, validate

    d = dt.date.fromisoformat(landed["delivery_date"])
    batch_id = landed["batch_id"]
    result = DeliveryResult(feed.id, d.isoformat(), "LOADED", batch_id=batch_id, files=landed["files"])
    paths_ = _fetch_archived(landed, (work_root or paths.STATE_DIR / "work") / feed.id / d.isoformat() / "read")
    names = ", ".join(p.name for p in paths_)

    def reject(reason: str) -> None:
        result.status, result.reason, result.loaded = "REJECTED", reason, 0
        with _connect(url) as conn, conn.cursor() as cur:
            _record_run(cur, result)
        log.error("%s %s REJECTED: %s", feed.id, d, reason)
        raise DeliveryRejected(f"feed {feed.id}, delivery {d}: {reason}")

    try:
        raw = readers.read_delivery(feed, paths_)
    except readers.UnreadableDelivery as exc:
        reject(f"unreadable file {exc}")
    result.delivered = len(raw)
    delivered_columns = [c for c in raw.columns if c not in readers.ORIGIN_COLUMNS]
    problems = batch_checks(feed, delivered_columns)
    if problems:
        reject(f"files {names}: " + "; ".join(problems))
    if result.delivered == 0 and feed.mode == "snapshot":
        reject(f"files {names}: empty snapshot (would delete the whole register)")

    norm, type_fails = normalise(feed, raw)
    outcome = validate(feed, norm, batch_id=batch_id, data_docs=data_docs, delivery_date=d)
    failures = pd.concat([type_fails, outcome.failures], ignore_index=True)
    malformed = malformed_failures(raw, len(delivered_columns))
    if len(malformed):  # their empty values fail other rules too: report the one real reason only
        failures = pd.concat([failures[~failures["row"].isin(malformed["row"])], malformed], ignore_index=True)
    bad_rows = set(failures["row"].tolist())
    good = norm.drop(index=list(bad_rows))
    dup_fails, collapsed_idx = duplicate_failures(feed, good)
    failures = pd.concat([failures, dup_fails], ignore_index=True)
    bad_rows |= set(dup_fails["row"].tolist())
    good = good.drop(index=list(set(dup_fails["row"].tolist()) | set(collapsed_idx.tolist())))
    result.quarantined = len(bad_rows)
    result.collapsed = len(collapsed_idx)
    result.loaded = len(good)
    result.failures_by_rule = {str(k): int(v) for k, v in failures.groupby("rule").size().items()} if len(failures) else {}
    assert result.delivered == result.loaded + result.quarantined + result.collapsed
    share = result.quarantined / result.delivered if result.delivered else 0.0
    if should_reject(feed.id, result.quarantined, result.delivered):
        reject(f"files {names}: {result.quarantined} of {result.delivered} rows ({share:.0%}) fail validation, "
               f"over the {max_bad_share(feed.id):.0%} limit; rules: {result.failures_by_rule}")

    with _connect(url) as conn, conn.cursor() as cur:
        # Serialise loads of one feed (parallel reruns of the same feed would race on history).
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (feed.id,))
        cur.execute("delete from meta.quarantine where feed_id = %s and delivery_date = %s", (feed.id, d))
        if len(failures):
            rows = failures.sort_values(["row", "rule", "column"])
            raw_json = dict(zip(sorted(bad_rows), _raw_json(raw, sorted(bad_rows)), strict=True))
            with cur.copy("copy meta.quarantine (feed_id, delivery_date, batch_id, source_file, row_no, rule,"
                          " column_name, message, raw) from stdin") as cp:
                for rec in rows.itertuples(index=False):
                    cp.write_row((feed.id, d, batch_id, raw.at[rec.row, readers.SOURCE_FILE],
                                  int(raw.at[rec.row, readers.ROW_NO]), rec.rule, rec.column, rec.message,
                                  raw_json[rec.row]))
        load.stage(cur, feed, good, d)
        load.merge(cur, feed, d, batch_id)
        _record_run(cur, result)
    with _connect(url) as conn:
        # Fresh statistics right away: models run minutes later, before autovacuum would analyze,
        # and plans made on empty-table estimates turn seconds into minutes.
        conn.execute(psycopg.sql.SQL("analyze {}").format(psycopg.sql.Identifier(*feed.history_table)))
    if result.quarantined:
        where = "; ".join(
            f"file {raw.at[r.row, readers.SOURCE_FILE]} row {int(raw.at[r.row, readers.ROW_NO])}: {r.rule} on {r.column}"
            for r in failures.head(5).itertuples()
        )
        log.warning("%s %s: %d rows quarantined (%s), e.g. %s", feed.id, d, result.quarantined,
                    result.failures_by_rule, where)
    log.info("%s %s: delivered %d, loaded %d, quarantined %d, collapsed %d", feed.id, d, result.delivered,
             result.loaded, result.quarantined, result.collapsed)
    return result


def process_delivery(
    feed: FeedSpec,
    delivery_date: dt.date,
    *,
    landing: str,
    url: str | None = None,
    work_root: Path | None = None,
    data_docs: bool = True,
) -> DeliveryResult:
    """Land and load one delivery (what the two Airflow tasks of a feed do, in one call)."""
    landed = land_delivery(feed, delivery_date, landing=landing, url=url, work_root=work_root)
    if landed is None:
        return DeliveryResult(feed.id, delivery_date.isoformat(), "NO_DELIVERY",
                              reason="nothing delivered for this date")
    return load_delivery(feed, landed, url=url, work_root=work_root, data_docs=data_docs)
