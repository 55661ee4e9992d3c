"""One delivery of one feed, end to end: land -> archive -> read -> normalise -> collapse exact
duplicates -> validate -> quarantine / load, with accounting (delivered = loaded + quarantined +
collapsed). The row rules, the reject policy and the writer into meta.quarantine are
``tianyan.ingest.quarantine``; ``_load`` is the list of steps.

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

import atexit
import contextlib
import datetime as dt
import hashlib
import logging
import os
import re
import shutil
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import fsspec
import pandas as pd
import psycopg
import psycopg.sql
from psycopg.types.json import Jsonb

from tianyan import paths
from tianyan.ingest import load, quarantine, readers, referential

# Row rules, the reject policy and the quarantine writer live in tianyan.ingest.quarantine; these
# names stay importable from here.
from tianyan.ingest.quarantine import (  # noqa: F401
    duplicate_failures,
    exact_duplicates,
    max_bad_share,
    should_reject,
)
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


_policy = quarantine.settings  # include/config/pipeline.yaml (reject policy and archive retention)
_check_rows = quarantine.check_rows


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


# The bookkeeping look-ups of a delivery (previous and next loaded date, the extract window, the archive
# record, whether to analyze) run on one connection per process and warehouse, kept between deliveries:
# a new connection costs 10-20 ms on the project machine against ~0.3 ms for the query itself, and a
# delivery made five of them (bench/bench_small_delivery.py). The load itself keeps a connection of its
# own (one transaction, temp tables, advisory lock).
_lookup_local = threading.local()
_inherited: list = []  # a forked child's copies of its parent's connections: never used nor closed here


def _lookup_connections() -> dict:
    got = getattr(_lookup_local, "conns", None)
    if got is None or got[0] != os.getpid():
        if got is not None:  # closing (or collecting) them would end the parent's sessions
            _inherited.extend(got[1].values())
        got = _lookup_local.conns = (os.getpid(), {})
    return got[1]


def _lookup(url: str | None, fn):
    """``fn(conn)`` in one transaction on this process's look-up connection to the warehouse at ``url``.
    A kept connection found broken (server restarted, session ended, database recreated) is replaced
    and ``fn`` run once more on a new one; ``fn`` must be safe to repeat (reads, idempotent writes).
    Errors on a new connection propagate as a fresh ``_connect`` would raise them."""
    dsn = psycopg_dsn(url)
    conns = _lookup_connections()
    conn = conns.get(dsn)
    if conn is not None and not conn.closed:
        try:
            with conn.transaction():
                return fn(conn)
        except (psycopg.OperationalError, psycopg.InterfaceError):
            if not (conn.broken or conn.closed):
                raise
            with contextlib.suppress(Exception):
                conn.close()
    conns.pop(dsn, None)
    conn = psycopg.connect(dsn, autocommit=True)
    conns[dsn] = conn
    with conn.transaction():
        return fn(conn)


@atexit.register
def _close_lookups() -> None:
    for conn in _lookup_connections().values():
        with contextlib.suppress(Exception):
            conn.close()


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
    prev = _lookup(url, lambda conn: conn.execute(
        "select max(delivery_date) from meta.feed_runs where feed_id = %s and status = 'LOADED'"
        " and delivery_date < %s", (feed.id, d)).fetchone()[0])
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
            _lookup(url, lambda conn: conn.cursor().executemany(
                "insert into meta.archive (batch_id, feed_id, delivery_date, name, source_uri, archive_uri,"
                " sha256, bytes) values (%s, %s, %s, %s, %s, %s, %s, %s) on conflict do nothing",
                [(batch_id, feed.id, d, a["name"], a["source_uri"], a["archive_uri"], a["sha256"], a["bytes"])
                 for a in archived],
            ))
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
    return _lookup(url, lambda conn: conn.execute(_NEIGHBOUR[later], (feed.id, d)).fetchone())


def _empty_delivery(feed: FeedSpec) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in [*feed.column_names, readers.SOURCE_FILE]})
    frame[readers.ROW_NO] = pd.Series(dtype="int64")
    return frame


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


class _GiveUp(Exception):
    """A step of ``_load`` ends the attempt: record it as ``status`` with ``reason``, then raise (see
    ``_load``)."""

    def __init__(self, status: str, reason: str, cause: BaseException | None = None, *, may_retry: bool = False):
        super().__init__(reason)
        self.status, self.reason, self.cause, self.may_retry = status, reason, cause, may_retry


def _step(status: str, where: str, feed: FeedSpec, fn, *, may_retry: bool = False):
    """``fn()``; whatever it raises ends the attempt as ``status`` with a reason saying ``where``."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - a crash on these bytes is recorded, never lost
        raise _GiveUp(status, _reason_from(exc, where, feed), exc, may_retry=may_retry) from exc


def _load(feed: FeedSpec, landed: dict, d: dt.date, work: Path, *, url: str | None, data_docs: bool) -> DeliveryResult:
    """The steps of one load attempt; a step that ends it raises _GiveUp, recorded here."""
    batch_id = landed["batch_id"]
    result = DeliveryResult(feed.id, d.isoformat(), "LOADED", batch_id=batch_id, files=landed["files"])
    names = "files " + ", ".join(str(f.get("name")) for f in landed["files"])
    try:
        prev = _step("FAILED", f"{names}: warehouse not reachable", feed,
                     lambda: _neighbour(feed, d, url, later=False), may_retry=True)
        files = _step("FAILED", f"{names}: archived copy not usable", feed,
                      lambda: _fetch_archived(landed, work), may_retry=True)
        raw, width = _read(feed, landed, files, result, names)
        verdict = _step("FAILED", f"{names}: validation broke", feed,
                        lambda: _check_rows(feed, raw, width, batch_id, data_docs, d))
        _account(feed, result, verdict, names)
        if _identical_redelivery(prev, landed, result, names) and not load.versions_at_changed_at(feed) \
                and feed.mode != "snapshot":
            # Versions of this feed are valid from their delivery date: the repeat would add one per row. An
            # empty merge also withdraws what an earlier, different delivery of this date wrote.
            verdict.good = verdict.good.iloc[:0]
        _step("FAILED", f"{names}: warehouse load failed", feed,
              lambda: _write(feed, d, raw, verdict, result, url), may_retry=True)
    except _GiveUp as stop:
        _give_up(feed, d, result, stop, url)
    _analyze(feed, d, url, result.delivered)
    if result.quarantined:
        log.warning("%s %s: %d rows quarantined (%s), e.g. %s", feed.id, d, result.quarantined,
                    result.failures_by_rule, quarantine.examples(raw, verdict))
    log.info("%s %s %s: delivered %d, loaded %d, quarantined %d, collapsed %d", feed.id, d, result.status,
             result.delivered, result.loaded, result.quarantined, result.collapsed)
    return result


def _give_up(feed: FeedSpec, d: dt.date, result: DeliveryResult, stop: _GiveUp, url: str | None) -> None:
    """Record the attempt, then raise DeliveryRejected, or (``may_retry``) the original error when it is
    one a later try may not meet (see _transient)."""
    result.status, result.reason, result.loaded = stop.status, f"{feed.id}: {stop.reason}", 0
    result.same_as = None
    _record_safely(url, result, "load")
    again = stop.may_retry and stop.cause is not None and _transient(stop.cause)
    log.error("%s %s %s%s: %s", feed.id, d, stop.status, " (may be retried)" if again else "", stop.reason)
    if again:
        raise stop.cause
    raise DeliveryRejected(f"feed {feed.id}, delivery {d}: {stop.reason}", stop.status) from stop.cause


def _read(feed: FeedSpec, landed: dict, files: list[Path], result: DeliveryResult, names: str):
    """Read the delivery and judge it by its header: (raw frame, delivered width)."""
    from tianyan.ingest.validate import batch_checks

    try:
        raw = readers.read_delivery(feed, files)
    except Exception as exc:  # noqa: BLE001 - whatever a reader raises, the delivery is refused cleanly
        raise _GiveUp("REJECTED", _unreadable(feed, files, exc), exc) from exc
    result.delivered = len(raw)
    delivered_columns = [c for c in raw.columns if c not in readers.ORIGIN_COLUMNS]
    if result.delivered == 0 and not delivered_columns:
        # A format without a header row (JSON pages, an empty sheet) delivering no rows: a quiet day.
        raw, delivered_columns = _empty_delivery(feed), list(feed.column_names)
    counted = [f.get("rows") for f in landed["files"]]
    if all(isinstance(c, int) for c in counted) and sum(counted) != result.delivered:
        raise _GiveUp("FAILED", f"{names}: {result.delivered} rows read, but the source counted {sum(counted)} "
                                "for this extract")
    problems = batch_checks(feed, delivered_columns)
    if problems:
        raise _GiveUp("REJECTED", f"{names}: " + "; ".join(problems))
    if result.delivered == 0 and feed.mode == "snapshot":
        raise _GiveUp("REJECTED", f"{names}: empty snapshot (would delete the whole register)")
    return raw, len(delivered_columns)


def _account(feed: FeedSpec, result: DeliveryResult, verdict: quarantine.RowVerdict, names: str) -> None:
    """Count the verdict into the result (delivered = loaded + quarantined + collapsed); refuse the whole
    delivery when the reject policy says so."""
    result.quarantined = len(verdict.bad_rows)
    result.collapsed = len(verdict.collapsed)
    result.loaded = len(verdict.good)
    result.failures_by_rule = verdict.by_rule()
    assert result.delivered == result.loaded + result.quarantined + result.collapsed
    too_bad = quarantine.reject_reason(feed, verdict, result.delivered)
    if too_bad:
        raise _GiveUp("REJECTED", f"{names}: {too_bad}")


def _identical_redelivery(prev, landed: dict, result: DeliveryResult, names: str) -> bool:
    """Whether the delivery repeats the previous loaded date's files byte for byte; if so it is
    UNCHANGED and its good rows count as collapsed (they are all in the warehouse already)."""
    if prev is None or prev[3] <= 0 or result.delivered <= 0 or _sha_set(prev[2]) != _sha_set(landed["files"]):
        return False
    result.status, result.same_as = "UNCHANGED", prev[0].isoformat()
    result.reason = (f"{names}: identical to the delivery of {prev[0]} (same files by sha256); "
                     f"nothing new loaded, its {result.loaded} good row(s) counted as collapsed")
    result.collapsed += result.loaded
    result.loaded = 0
    return True


def _write(feed: FeedSpec, d: dt.date, raw: pd.DataFrame, verdict: quarantine.RowVerdict, result: DeliveryResult,
           url: str | None) -> None:
    """One transaction: the quarantine of the date, the good rows merged into history, the attempt."""
    with _connect(url) as conn, conn.cursor() as cur:
        # Serialise loads of one feed (parallel reruns of the same feed would race on history).
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (feed.id,))
        quarantine.write(cur, feed, d, result.batch_id, raw, verdict)
        load.stage(cur, feed, verdict.good, d)
        load.merge(cur, feed, d, result.batch_id)
        _record_run(cur, result)


# Autovacuum's own rule (autovacuum_analyze_threshold + autovacuum_analyze_scale_factor, PostgreSQL's
# defaults): a table whose rows changed by less than this since its last analyze keeps its statistics.
ANALYZE_MIN_ROWS, ANALYZE_SHARE = 50, 0.1

# reltuples: the table's rows at its last analyze (or index build); n_mod_since_analyze: rows changed
# since, as far as the statistics collector has been told (this load's backend may not have reported yet).
_ANALYZE_STATE = ("select c.reltuples, coalesce(s.n_mod_since_analyze, 0),"
                  " s.last_analyze is not null or s.last_autoanalyze is not null"
                  " from pg_class as c left join pg_stat_user_tables as s on c.oid = s.relid"
                  " where c.oid = %s::regclass")


def needs_analyze(reltuples: float, modified: int, analyzed: bool, written: int) -> bool:
    """Whether a load that wrote ``written`` rows leaves statistics staler than autovacuum would allow:
    never analyzed, or more than ANALYZE_MIN_ROWS + ANALYZE_SHARE of the table changed since (this
    load's rows added in full, whether or not the collector has counted them yet)."""
    if not analyzed or reltuples <= 0:
        return True
    return modified + written > ANALYZE_MIN_ROWS + ANALYZE_SHARE * reltuples


def _analyze(feed: FeedSpec, d: dt.date, url: str | None, written: int | None = None) -> None:
    """Fresh statistics right away: models run minutes later, before autovacuum would analyze, and plans
    made on empty-table estimates turn seconds into minutes. A small increment into a big table is
    skipped (``needs_analyze``): its analyze samples the whole table again (tens of milliseconds to
    seconds) for statistics that move by less than autovacuum's threshold. ``written``: rows the load
    delivered (None: always analyze)."""
    table = psycopg.sql.Identifier(*feed.history_table)

    def run(conn) -> None:
        if written is not None:
            state = conn.execute(_ANALYZE_STATE, (table.as_string(conn),)).fetchone()
            if not needs_analyze(float(state[0]), int(state[1]), bool(state[2]), written):
                return
        conn.execute(psycopg.sql.SQL("analyze {}").format(table))

    try:
        _lookup(url, run)
    except psycopg.Error as exc:  # the load is committed; stale statistics only slow the models down
        log.warning("%s %s: analyze after the load failed (%s)", feed.id, d, type(exc).__name__)


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
