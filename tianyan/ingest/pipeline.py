"""One delivery of one feed, end to end: land -> archive -> read -> normalise -> collapse exact
duplicates -> validate -> quarantine / load, with accounting (delivered = loaded + quarantined +
collapsed).

Every attempt (land or load) leaves one row in ``meta.feed_attempts``, and ``meta.feed_runs`` the
date's effective outcome, which a lower-ranked attempt never replaces (see ``_record_run``). What
retrying cannot fix raises ``DeliveryRejected`` (status REJECTED for the data, FAILED otherwise);
what may pass (a source or the warehouse away) is recorded and re-raised for the task's retries.
A delivery byte-identical to the previous loaded date's is recorded as such (UNCHANGED) and adds
nothing. Working copies are removed after each step; archive and working files are private.

Logs and reasons carry counts, files, pages, row numbers and rule names, never the values (they hold
personal data); raw values of refused rows go to ``meta.quarantine`` only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import re
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
from tianyan.ingest import load, readers, referential
from tianyan.ingest.normalise import normalise
from tianyan.registry import FeedSpec
from tianyan.warehouse.conn import psycopg_dsn

log = logging.getLogger(__name__)


class DeliveryRejected(Exception):
    """A delivery attempt that retrying cannot fix: the delivered data was refused (``status``
    REJECTED) or the attempt broke for a lasting reason (FAILED: credentials refused, a connection
    not configured, a bug on these bytes). The attempt is recorded in meta.feed_attempts, the
    warehouse is untouched, and an Airflow task fails at once instead of retrying."""

    def __init__(self, message: str, status: str = "REJECTED") -> None:
        super().__init__(message)
        self.status = status


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
    same_as: str | None = None  # an identical redelivery: the earlier date whose files it repeats

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
    return os.environ.get("TIANYAN_ARCHIVE") or str(paths.STATE_DIR / "archive")


# Deliveries hold personal data: local copies (archive and work folders) are readable by the pipeline's
# user only. Object stores (s3://, gs://, ...) have no modes; their bucket policy is the control there.
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.stat().st_uid == os.getuid():  # never fight over a folder someone else owns
            path.chmod(mode)
    except OSError:
        pass


def _private_tree(base: Path, leaf: Path) -> Path:
    """Create ``leaf`` (under ``base``) and make it and every folder up to ``base`` private."""
    for _ in range(5):  # a parallel load may remove an empty parent between our mkdirs (see _drop_work)
        try:
            leaf.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
            break
        except FileNotFoundError:
            continue
    p = leaf
    while True:
        _chmod(p, PRIVATE_DIR)
        if p == base or p.parent == p or base not in p.parents:
            break
        p = p.parent
    return leaf


def _work_dir(work_root: Path | None, feed: FeedSpec, d: dt.date, kind: str) -> Path:
    root = Path(work_root or paths.STATE_DIR / "work")
    return _private_tree(root, root / feed.id / d.isoformat() / kind)


def _drop_work(work: Path) -> None:
    """Remove a working copy and the folders it leaves empty (<work>/<feed>/<date>)."""
    shutil.rmtree(work, ignore_errors=True)
    for parent in (work.parent, work.parent.parent):
        try:
            parent.rmdir()
        except OSError:  # not empty (another date or stage at work), or gone already
            break


def _is_local(fs) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return bool({"file", "local"} & set(protocols))


def _archive(feed: FeedSpec, d: dt.date, batch_id: str, files) -> list[dict]:
    """Copy each landed file to <archive>/<feed>/<date>/<batch>/; never overwrite (immutable)."""
    fs, root = fsspec.core.url_to_fs(archive_root())
    local = _is_local(fs)
    out = []
    for f in files:
        folder = f"{root.rstrip('/')}/{feed.id}/{d.isoformat()}/{batch_id}"
        target = f"{folder}/{f.name}"
        if not fs.exists(target):
            if local:
                _private_tree(Path(root), Path(folder))
            else:
                fs.makedirs(folder, exist_ok=True)
            part = f"{target}.part" if local else target
            with open(f.path, "rb") as src, fs.open(part, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            if local:
                _chmod(Path(part), PRIVATE_FILE)
                os.replace(part, target)  # a crash mid-copy never leaves a short file under the final name
        elif local:
            _chmod(Path(target), PRIVATE_FILE)
        out.append({"name": f.name, "source_uri": f.source_uri, "archive_uri": fs.unstrip_protocol(target),
                    "sha256": f.sha256, "bytes": f.bytes, **f.meta})
    return out


def archive_retention_days() -> int | None:
    """Days an archived file is kept after its delivery date (pipeline.yaml); None = for ever."""
    value = _policy().get("archive_retention_days")
    return None if value in (None, "") else int(value)


def prune_archive(feed: FeedSpec, as_of: dt.date, *, url: str | None = None) -> int:
    """Delete the feed's archived files whose delivery date is more than ``archive_retention_days``
    before ``as_of``; meta.archive keeps their record (pruned_at). Returns the files deleted."""
    days = archive_retention_days()
    if days is None:
        return 0
    cutoff = as_of - dt.timedelta(days=days)
    with _connect(url) as conn:
        rows = conn.execute(
            "select batch_id, name, archive_uri from meta.archive where feed_id = %s and delivery_date < %s"
            " and pruned_at is null", (feed.id, cutoff)).fetchall()
        for batch_id, name, uri in rows:
            fs, path = fsspec.core.url_to_fs(uri)
            if fs.exists(path):
                fs.rm(path)
            folder = path.rsplit("/", 1)[0]
            with contextlib.suppress(OSError):
                if not fs.ls(folder):
                    fs.rmdir(folder)
            conn.execute("update meta.archive set pruned_at = now() where batch_id = %s and name = %s",
                         (batch_id, name))
            conn.commit()
    if rows:
        log.info("%s: %d archived file(s) delivered before %s pruned (retention %d days)", feed.id, len(rows),
                 cutoff, days)
    return len(rows)


def _run_id() -> str | None:
    """The Airflow run and try making this attempt (the task runner exports them), else None."""
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
    attempt loaded too, so a failed or rejected redelivery never hides what the warehouse holds.
    An UNCHANGED attempt (identical redelivery) records the date as LOADED with ``same_as``."""
    run_status = "LOADED" if r.status == "UNCHANGED" else r.status
    params = {**asdict(r), "files": Jsonb(r.files), "stage": stage, "run_id": _run_id(), "ranks": _RANKS,
              "run_status": run_status}
    cur.execute(
        "insert into meta.feed_attempts (feed_id, delivery_date, stage, status, batch_id, delivered, loaded,"
        " quarantined, collapsed, reason, files, run_id) values (%(feed_id)s, %(delivery_date)s, %(stage)s,"
        " %(status)s, %(batch_id)s, %(delivered)s, %(loaded)s, %(quarantined)s, %(collapsed)s, %(reason)s,"
        " %(files)s, %(run_id)s)",
        params,
    )
    cur.execute(
        "insert into meta.feed_runs as f (feed_id, delivery_date, batch_id, status, delivered, loaded, quarantined,"
        " collapsed, reason, files, same_as, started_at, finished_at) values (%(feed_id)s, %(delivery_date)s,"
        " %(batch_id)s, %(run_status)s, %(delivered)s, %(loaded)s, %(quarantined)s, %(collapsed)s, %(reason)s,"
        " %(files)s, %(same_as)s, now(), now())"
        " on conflict (feed_id, delivery_date) do update set batch_id = excluded.batch_id, status = excluded.status,"
        " delivered = excluded.delivered, loaded = excluded.loaded, quarantined = excluded.quarantined,"
        " collapsed = excluded.collapsed, reason = excluded.reason, files = excluded.files,"
        " same_as = excluded.same_as, finished_at = excluded.finished_at"
        " where array_position(%(ranks)s, excluded.status) >= array_position(%(ranks)s, f.status)",
        params,
    )


def _record_safely(url: str | None, r: DeliveryResult, stage: str) -> None:
    """Record a failed attempt on a connection of its own; a warehouse that cannot take even that is logged
    (the task's log then holds the only record) and the original error goes on."""
    try:
        with _connect(url) as conn, conn.cursor() as cur:
            _record_run(cur, r, stage=stage)
    except Exception as exc:  # noqa: BLE001 - the original failure matters more than this one
        log.error("%s %s: could not record the %s attempt (%s: %s)", r.feed_id, r.delivery_date, r.status,
                  type(exc).__name__, _safe_text(exc))


# Quoted text in a foreign exception's message may be a delivered value (personal data): only the
# feed's column names and codec names stay, so the reason remains readable.
_QUOTED = re.compile(r"""(?P<q>['"])(?P<body>.*?)(?P=q)""")


def _harmless(word: str, keep: frozenset[str]) -> bool:
    import codecs

    if word in keep:
        return True
    try:
        return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{1,20}", word)) and codecs.lookup(word) is not None
    except LookupError:
        return False


def _safe_text(exc: BaseException, keep: frozenset[str] = frozenset(), limit: int = 300) -> str:
    """The first line of an exception's message without anything that could be row text."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = re.sub(r"(Expected \d+ columns, got \d+):.*", r"\1", text)  # Arrow quotes the offending line
    text = _QUOTED.sub(lambda m: m.group(0) if _harmless(m.group("body"), keep) else f"{m.group('q')}…{m.group('q')}",
                       text)
    return text[:limit] + ("…" if len(text) > limit else "")


def _reason_from(exc: BaseException, where: str, feed: FeedSpec | None = None) -> str:
    """A readable reason: our own errors say it themselves (they never quote values); a foreign one is
    named by its type with a message stripped of anything that could be row text."""
    from tianyan.ingest.transports import TransportError

    if isinstance(exc, TransportError | readers.UnreadableDelivery | DeliveryRejected):
        return f"{where}: {str(exc)[:500]}"
    keep = frozenset(feed.column_names) if feed is not None else frozenset()
    return f"{where}: {type(exc).__name__}: {_safe_text(exc, keep)}"


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


def _transient(exc: BaseException) -> bool:
    """Errors a later try may well not meet: the warehouse or network away, a lock or serialisation
    conflict, a full disk, memory. Everything else on the same archived bytes fails the same way again."""
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError | MemoryError | ConnectionError
                      | TimeoutError) or (isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError))


def _window_start(feed: FeedSpec, d: dt.date, url: str | None) -> dt.date | None:
    """First day of a database feed's extract for ``d``: the day after the feed's latest LOADED date
    before ``d``, or None (from the beginning) when no earlier date is loaded.

    So in date order each date extracts the rows changed on it, a first load takes the history up to
    its date, and whatever order dates are run in, every changed_at up to the latest loaded date falls
    in the window of some loaded date: a skipped or failed day is carried by the next loaded one,
    never lost. Where windows overlap, a version belongs to the earliest date (see ``load``)."""
    with _connect(url) as conn:
        prev = conn.execute(
            "select max(delivery_date) from meta.feed_runs where feed_id = %s and status = 'LOADED'"
            " and delivery_date < %s", (feed.id, d)).fetchone()[0]
    return prev + dt.timedelta(days=1) if prev is not None else None


def land_delivery(
    feed: FeedSpec,
    delivery_date: dt.date,
    *,
    landing: str,
    url: str | None = None,
    work_root: Path | None = None,
) -> dict | None:
    """Fetch one delivery through its transport and archive it; None when nothing was delivered.

    Every outcome but success leaves its attempt (stage ``land``): NO_DELIVERY; REJECTED when the
    source answered with something the contract forbids; FAILED otherwise. Failures retrying cannot
    fix raise DeliveryRejected; others (a source or network that may come back) re-raise for the
    task's retries, keeping the pages landed so far so the next try resumes."""
    from tianyan.ingest.transports import BadDelivery, PermanentTransportError, TransportError, land

    d = delivery_date
    # Kept across task retries so an interrupted paged download resumes; cleared once archived.
    work = _work_dir(work_root, feed, d, "landed")
    try:
        since = _window_start(feed, d, url) if feed.delivery.transport == "database" else d
        files = land(feed, d, landing, work, since=since)
        for f in files:
            _chmod(f.path, PRIVATE_FILE)
        if files:
            digest = hashlib.sha256("".join(sorted(f.sha256 for f in files)).encode()).hexdigest()[:16]
            batch_id = f"{feed.id}-{d:%Y%m%d}-{digest}"  # safe as a file name and a GX store key
            archived = _archive(feed, d, batch_id, files)
            with _connect(url) as conn, conn.cursor() as cur:
                cur.executemany(
                    "insert into meta.archive (batch_id, feed_id, delivery_date, name, source_uri, archive_uri,"
                    " sha256, bytes) values (%s, %s, %s, %s, %s, %s, %s, %s) on conflict do nothing",
                    [(batch_id, feed.id, d, a["name"], a["source_uri"], a["archive_uri"], a["sha256"], a["bytes"])
                     for a in archived],
                )
    except Exception as exc:
        status = "REJECTED" if isinstance(exc, BadDelivery) else "FAILED"
        permanent = isinstance(exc, PermanentTransportError)
        reason = str(exc)[:500] if isinstance(exc, TransportError) else \
            _reason_from(exc, f"{feed.id} {d}: landing failed", feed)
        _record_safely(url, DeliveryResult(feed.id, d.isoformat(), status, reason=reason), "land")
        log.error("%s %s %s (land%s): %s", feed.id, d, status, "" if permanent else ", may be retried", reason)
        if permanent:
            _drop_work(work)
            raise DeliveryRejected(reason, status) from exc
        raise
    _drop_work(work)
    if not files:
        result = DeliveryResult(feed.id, d.isoformat(), "NO_DELIVERY", reason="nothing delivered for this date")
        with _connect(url) as conn, conn.cursor() as cur:
            # A date that was loaded before keeps its record (see _record_run); the attempt is kept.
            _record_run(cur, result, stage="land")
        log.info("%s %s: no delivery", feed.id, d)
        return None
    try:
        prune_archive(feed, d, url=url)
    except Exception as exc:  # noqa: BLE001 - housekeeping must never fail a delivery
        log.warning("%s: archive retention not applied (%s: %s)", feed.id, type(exc).__name__, _safe_text(exc))
    log.info("%s %s: landed %d file(s), batch %s", feed.id, d, len(archived), batch_id)
    return {"feed_id": feed.id, "delivery_date": d.isoformat(), "batch_id": batch_id, "files": archived}


class _ArchiveChanged(DeliveryRejected):
    """An archived file no longer has the checksum it was archived with (retrying cannot fix that)."""


def _fetch_archived(landed: dict, work: Path) -> list[Path]:
    """Local copies of the archived files (the archive may be remote: s3://, gs://, ...)."""
    for old in work.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()
    out = []
    for a in landed["files"]:
        fs, path = fsspec.core.url_to_fs(a["archive_uri"])
        target = work / a["name"]
        fs.get(path, str(target))
        _chmod(target, PRIVATE_FILE)
        got = hashlib.sha256(target.read_bytes()).hexdigest()
        if got != a["sha256"]:
            raise _ArchiveChanged(f"archived file {a['name']} changed (checksum)", "FAILED")
        out.append(target)
    return out


def _sha_set(files) -> list[str]:
    return sorted(str(f.get("sha256")) for f in files or [])


_NEIGHBOUR = {
    False: "select delivery_date, batch_id, files, delivered, same_as from meta.feed_runs where feed_id = %s"
           " and status = 'LOADED' and delivery_date < %s order by delivery_date desc limit 1",
    True: "select delivery_date, batch_id, files, delivered, same_as from meta.feed_runs where feed_id = %s"
          " and status = 'LOADED' and delivery_date > %s order by delivery_date limit 1",
}


def _neighbour(feed: FeedSpec, d: dt.date, url: str | None, *, later: bool):
    """The closest LOADED date before (or after) ``d``: (date, batch_id, files, delivered, same_as) or None."""
    with _connect(url) as conn:
        return conn.execute(_NEIGHBOUR[later], (feed.id, d)).fetchone()


def exact_duplicates(feed: FeedSpec, raw: pd.DataFrame, norm: pd.DataFrame, type_rows, malformed_rows) -> pd.Index:
    """Labels of the later copies of exact duplicate rows (the first copy stays).

    Rows that normalised cleanly are compared on their canonical values (a lower-case x in an id is the
    same row), rows with a type failure on their delivered text; a malformed line is never collapsed.
    Done before row validation, so a suite's uniqueness check sees one copy, not two offenders."""
    empty = pd.Index([], dtype=norm.index.dtype)
    if len(norm) < 2:
        return empty
    # Only rows whose key occurs twice can be duplicates: hash the key columns (cheap), then compare
    # whole rows on that subset alone (equal delivered text always normalises to equal keys).
    key = [k for k in feed.key if k in norm.columns] or list(norm.columns)
    cand = pd.util.hash_pandas_object(norm[key], index=False).duplicated(keep=False).to_numpy()
    if not cand.any():
        return empty
    labels = norm.index[cand]
    typed = labels.isin(list(type_rows))
    skip = labels.isin(list(malformed_rows))
    found = []
    for frame in (norm.loc[labels[~typed & ~skip]], raw.loc[labels[typed & ~skip], feed.column_names]):
        if len(frame) > 1:
            found.append(frame.index[frame.duplicated(keep="first").to_numpy()])
    return found[0].append(found[1:]) if found else empty


def _empty_delivery(feed: FeedSpec) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in [*feed.column_names, readers.SOURCE_FILE]})
    frame[readers.ROW_NO] = pd.Series(dtype="int64")
    return frame


def _check_rows(feed: FeedSpec, raw: pd.DataFrame, width: int, batch_id: str, data_docs: bool, d: dt.date):
    """Normalise, collapse exact duplicates, validate: (norm, failures, bad rows, collapsed labels, good frame)."""
    from tianyan.ingest.validate import validate

    norm, type_fails = normalise(feed, raw)
    malformed = malformed_failures(raw, width)
    collapsed = exact_duplicates(feed, raw, norm, set(type_fails["row"].tolist()), set(malformed["row"].tolist()))
    kept = norm.drop(index=collapsed) if len(collapsed) else norm
    frames = [type_fails]
    if len(kept):
        outcome = validate(feed, kept, batch_id=batch_id, data_docs=data_docs, delivery_date=d)
        row_fails = outcome.failures
        if len(row_fails):  # validate reports positions in the frame it was given
            row_fails = row_fails.assign(row=kept.index[row_fails["row"].to_numpy(dtype="int64")])
        frames.append(row_fails)
    failures = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else type_fails.iloc[:0]
    if len(collapsed):
        failures = failures[~failures["row"].isin(collapsed)]
    if len(malformed):  # their empty values fail other rules too: report the one real reason only
        failures = pd.concat([failures[~failures["row"].isin(malformed["row"])], malformed], ignore_index=True)
    bad_rows = set(failures["row"].tolist())
    good = norm.drop(index=list(bad_rows | set(collapsed.tolist())))
    dup_fails, collapsed_idx = duplicate_failures(feed, good)
    failures = pd.concat([failures, dup_fails], ignore_index=True) if len(dup_fails) else failures
    bad_rows |= set(dup_fails["row"].tolist())
    good = good.drop(index=list(set(dup_fails["row"].tolist()) | set(collapsed_idx.tolist())))
    return norm, failures, bad_rows, collapsed.append(collapsed_idx), good


def load_delivery(
    feed: FeedSpec,
    landed: dict,
    *,
    url: str | None = None,
    work_root: Path | None = None,
    data_docs: bool = True,
) -> DeliveryResult:
    """Read, normalise, validate, quarantine and load one archived delivery.

    Every attempt leaves one record in meta.feed_attempts. A delivery refused for its data (unreadable,
    wrong columns, too many bad rows, an empty snapshot) is REJECTED; an attempt that broke otherwise is
    FAILED; both raise DeliveryRejected and leave the warehouse as it was, except failures a later try
    may not meet (the warehouse unreachable, a lock conflict), which are recorded and re-raised. The
    working copies are removed whatever the outcome."""
    d = dt.date.fromisoformat(landed["delivery_date"])
    work = _work_dir(work_root, feed, d, "read")
    try:
        result = _load(feed, landed, d, work, url=url, data_docs=data_docs)
    finally:
        _drop_work(work)
    referential.report_after_load(psycopg_dsn(url), feed, d, result.batch_id)
    _refresh_next(feed, d, landed, result, url=url, work_root=work_root, data_docs=data_docs)
    return result


def _refresh_next(feed: FeedSpec, d: dt.date, landed: dict, result: DeliveryResult, *, url, work_root,
                  data_docs) -> None:
    """Loading a date between two others can change whether the next loaded date repeats its
    predecessor byte for byte (identical redelivery). When it does, that date is loaded again from its
    archive, so the outcome is the same whatever order the dates came in."""
    try:
        nxt = _neighbour(feed, d, url, later=True)
    except Exception as exc:  # noqa: BLE001 - the load itself is committed; this only tidies the next date
        log.warning("%s %s: next loaded date not checked (%s)", feed.id, d, type(exc).__name__)
        return
    if nxt is None:
        return
    n_date, n_batch, n_files, n_delivered, n_same_as = nxt
    should = _sha_set(n_files) == _sha_set(landed["files"]) and result.delivered > 0
    if n_same_as == (d if should else None):
        return
    log.info("%s %s: the next loaded date %s %s repeat this delivery; loading it again from the archive",
             feed.id, d, n_date, "now does" if should else "no longer does")
    again = {"feed_id": feed.id, "delivery_date": n_date.isoformat(), "batch_id": n_batch, "files": n_files}
    try:
        load_delivery(feed, again, url=url, work_root=work_root, data_docs=data_docs)
    except Exception as exc:  # noqa: BLE001 - recorded as that date's attempt; this date's load stands
        log.warning("%s %s: reload of %s failed (%s)", feed.id, d, n_date, type(exc).__name__)


def _load(feed: FeedSpec, landed: dict, d: dt.date, work: Path, *, url: str | None, data_docs: bool) -> DeliveryResult:
    from tianyan.ingest.validate import batch_checks

    batch_id = landed["batch_id"]
    result = DeliveryResult(feed.id, d.isoformat(), "LOADED", batch_id=batch_id, files=landed["files"])
    names = ", ".join(str(f.get("name")) for f in landed["files"])

    def give_up(status: str, reason: str, exc: BaseException | None = None, *, may_retry: bool = False) -> None:
        """Record the attempt, then raise DeliveryRejected, or (``may_retry``) the original error when it is
        one a later try may not meet (see _transient)."""
        result.status, result.reason, result.loaded = status, f"{feed.id}: {reason}", 0
        result.same_as = None
        _record_safely(url, result, "load")
        again = may_retry and exc is not None and _transient(exc)
        log.error("%s %s %s%s: %s", feed.id, d, status, " (may be retried)" if again else "", reason)
        if again:
            raise exc
        raise DeliveryRejected(f"feed {feed.id}, delivery {d}: {reason}", status) from exc

    try:
        prev = _neighbour(feed, d, url, later=False)
    except Exception as exc:  # noqa: BLE001
        give_up("FAILED", _reason_from(exc, f"files {names}: warehouse not reachable", feed), exc, may_retry=True)
    try:
        paths_ = _fetch_archived(landed, work)
    except Exception as exc:  # noqa: BLE001
        give_up("FAILED", _reason_from(exc, f"files {names}: archived copy not usable", feed), exc, may_retry=True)

    try:
        raw = readers.read_delivery(feed, paths_)
    except Exception as exc:  # noqa: BLE001 - whatever a reader raises, the delivery is refused cleanly
        give_up("REJECTED", _unreadable(feed, paths_, exc), exc)
    result.delivered = len(raw)
    delivered_columns = [c for c in raw.columns if c not in readers.ORIGIN_COLUMNS]
    if result.delivered == 0 and not delivered_columns:
        # A format without a header row (JSON pages, an empty sheet) delivering no rows: a quiet day.
        raw, delivered_columns = _empty_delivery(feed), list(feed.column_names)
    counted = [f.get("rows") for f in landed["files"]]
    if all(isinstance(c, int) for c in counted) and sum(counted) != result.delivered:
        give_up("FAILED", f"files {names}: {result.delivered} rows read, but the source counted {sum(counted)} "
                          "for this extract")
    problems = batch_checks(feed, delivered_columns)
    if problems:
        give_up("REJECTED", f"files {names}: " + "; ".join(problems))
    if result.delivered == 0 and feed.mode == "snapshot":
        give_up("REJECTED", f"files {names}: empty snapshot (would delete the whole register)")

    try:
        _, failures, bad_rows, collapsed_idx, good = _check_rows(feed, raw, len(delivered_columns), batch_id,
                                                                 data_docs, d)
    except Exception as exc:  # noqa: BLE001 - a crash on these bytes repeats on every try
        give_up("FAILED", _reason_from(exc, f"files {names}: validation broke", feed), exc)
    result.quarantined = len(bad_rows)
    result.collapsed = len(collapsed_idx)
    result.loaded = len(good)
    result.failures_by_rule = {str(k): int(v) for k, v in failures.groupby("rule").size().items()} if len(failures) else {}
    assert result.delivered == result.loaded + result.quarantined + result.collapsed
    share = result.quarantined / result.delivered if result.delivered else 0.0
    if should_reject(feed.id, result.quarantined, result.delivered):
        give_up("REJECTED", f"files {names}: {result.quarantined} of {result.delivered} rows ({share:.0%}) fail "
                            f"validation, over the {max_bad_share(feed.id):.0%} limit; rules: {result.failures_by_rule}")

    if prev is not None and prev[3] > 0 and result.delivered > 0 and _sha_set(prev[2]) == _sha_set(landed["files"]):
        # An identical redelivery: nothing new. Its good rows are all already in the warehouse.
        result.status, result.same_as = "UNCHANGED", prev[0].isoformat()
        result.reason = (f"files {names}: identical to the delivery of {prev[0]} (same files by sha256); "
                         f"nothing new loaded, its {result.loaded} good row(s) counted as collapsed")
        result.collapsed += result.loaded
        result.loaded = 0
        if not load.versions_at_changed_at(feed) and feed.mode != "snapshot":
            # Versions of this feed are valid from their delivery date: the repeat would add one per row. An
            # empty merge also withdraws what an earlier, different delivery of this date wrote.
            good = good.iloc[:0]

    try:
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
    except Exception as exc:  # noqa: BLE001 - the transaction rolled back: the warehouse is as it was
        give_up("FAILED", _reason_from(exc, f"files {names}: warehouse load failed", feed), exc, may_retry=True)
    try:
        with _connect(url) as conn:
            # Fresh statistics right away: models run minutes later, before autovacuum would analyze,
            # and plans made on empty-table estimates turn seconds into minutes.
            conn.execute(psycopg.sql.SQL("analyze {}").format(psycopg.sql.Identifier(*feed.history_table)))
    except psycopg.Error as exc:  # the load is committed; stale statistics only slow the models down
        log.warning("%s %s: analyze after the load failed (%s)", feed.id, d, type(exc).__name__)
    if result.quarantined:
        where = "; ".join(
            f"file {raw.at[r.row, readers.SOURCE_FILE]} row {int(raw.at[r.row, readers.ROW_NO])}: {r.rule} on {r.column}"
            for r in failures.head(5).itertuples()
        )
        log.warning("%s %s: %d rows quarantined (%s), e.g. %s", feed.id, d, result.quarantined,
                    result.failures_by_rule, where)
    log.info("%s %s %s: delivered %d, loaded %d, quarantined %d, collapsed %d", feed.id, d, result.status,
             result.delivered, result.loaded, result.quarantined, result.collapsed)
    return result


def _unreadable(feed: FeedSpec, files: list[Path], exc: BaseException) -> str:
    """Why a delivery could not be read, naming the file that failed (read alone to find it)."""
    culprit, error = (files[0], exc) if len(files) == 1 else (None, exc)
    if culprit is None:
        for path in files:
            try:
                readers.read_delivery(feed, [path])
            except Exception as one:  # noqa: BLE001
                culprit, error = path, one
                break
    where = f"file {culprit.name}" if culprit is not None else "files " + ", ".join(p.name for p in files)
    return _reason_from(error, f"{where}: unreadable", feed)


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
