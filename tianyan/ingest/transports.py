"""Transports: bring one feed's delivery for one date into a local work folder.

``land(feed, date, landing, work_dir)`` returns the landed files (local copies with checksums);
an empty list means nothing was delivered for that date (the caller records NO_DELIVERY).

- file:      ``<landing>/<department>/<feed_name>/<YYYY-MM-DD>/*.<format>`` on any fsspec URL
             or local path; other files in the folder are ignored.
- http:      paged JSON ``GET {base}/{department}/{feed_name}?date=D&page=N`` with a bearer token
             from the ``<department>_api`` connection; each page saved raw as ``page-N.json``.
             Retries with exponential backoff on 5xx/429, timeouts, connection errors and
             truncated or invalid JSON; pages already saved (valid) are not fetched again.
             Every page must be a JSON object with an ``items`` list of objects and a
             ``next_page`` key (an integer above the page's own number, or null on the last
             page): a page without either, an HTML answer or a chain that repeats a page is
             refused at once (BadDelivery), since retrying cannot repair what the source sends.
- database:  ``COPY (select ... where changed_at in the window order by key) TO STDOUT`` from
             the ``<department>_db`` connection into ``rows.csv``, plus every row whose
             changed_at cannot be placed on a date (null, or text not starting YYYY-MM-DD), so
             that such rows are counted and quarantined instead of silently never extracted.
             The source's own count of those rows is taken in the same snapshot and
             reconciled with the rows copied (``LandedFile.meta``).

Errors: ``TransportError`` may succeed on a later try (the task's retries); its subclass
``PermanentTransportError`` cannot (credentials, configuration, a request the source refuses),
and ``BadDelivery`` is the source answering with something the contract does not allow.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import posixpath
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fsspec
import httpx
import psycopg
from psycopg import sql

from tianyan.connections import ConnectionNotFound, ConnectionSettings, get_connection
from tianyan.registry import FeedSpec
from tianyan.warehouse.conn import TIME_ZONE

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


class TransportError(RuntimeError):
    """A delivery could not be fetched (after retries where retrying makes sense); a later try may work."""


class PermanentTransportError(TransportError):
    """Retrying cannot help: configuration, credentials, or a request the source refuses."""


class TransportAuthError(PermanentTransportError):
    """The source refused our credentials (401/403); retrying cannot help."""


class BadDelivery(PermanentTransportError):
    """The source answered, but not with a delivery the contract allows (the delivery is refused)."""


@dataclass(frozen=True)
class LandedFile:
    path: Path  # local copy in the work folder
    source_uri: str  # where it came from (never carries credentials)
    sha256: str
    bytes: int
    name: str
    # What the source said about the file, kept with the delivery's record (database extracts: the
    # window and the source's own row counts, reconciled with what was read).
    meta: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class HttpPolicy:
    """Retry and timeout settings of the http transport (per page)."""

    attempts: int = 5
    backoff: float = 0.5  # first wait; doubled on each further retry
    max_backoff: float = 30.0
    timeout: float = 60.0  # read/write/pool timeout of one request
    connect_timeout: float = 10.0
    max_pages: int = 100_000  # guards against a server that never ends the chain

    @classmethod
    def from_extra(cls, extra: dict[str, Any], base: HttpPolicy | None = None) -> HttpPolicy:
        """Overrides from the connection's extra (``attempts``/``retries``, ``backoff``, ``timeout``)."""
        b = base or cls()
        try:
            return cls(
                attempts=max(1, int(extra.get("attempts") or extra.get("retries") or b.attempts)),
                backoff=float(extra.get("backoff", b.backoff)),
                max_backoff=float(extra.get("max_backoff", b.max_backoff)),
                timeout=float(extra.get("timeout", b.timeout)),
                connect_timeout=float(extra.get("connect_timeout", b.connect_timeout)),
                max_pages=b.max_pages,
            )
        except (TypeError, ValueError) as exc:
            raise PermanentTransportError(f"bad http retry settings in connection extra ({exc})") from None

    def delay(self, attempt: int) -> float:
        """Exponential backoff with a little jitter so parallel tasks do not retry in lockstep."""
        d = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        return d + random.uniform(0, d * 0.1)


def conn_id_for(feed: FeedSpec) -> str | None:
    """Airflow connection id a feed's transport needs (None for file feeds)."""
    transport = feed.delivery.transport
    if transport == "http":
        return f"{feed.department}_api"
    if transport == "database":
        return f"{feed.department}_db"
    return None


def land(
    feed: FeedSpec,
    delivery_date: dt.date,
    landing: str,
    work_dir: Path,
    *,
    http_policy: HttpPolicy | None = None,
    since: dt.date | None | bool = False,
) -> list[LandedFile]:
    """Fetch ``feed``'s delivery for ``delivery_date`` into ``work_dir``; [] when nothing was delivered.

    ``landing`` is the exchange landing area (file feeds only); http and database feeds find
    their source through their Airflow connection (see ``conn_id_for``). For database feeds the
    extract is the window of changed_at from the start of date ``since`` (default: the delivery
    date itself; None: from the beginning) to the end of the delivery date.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    transport = feed.delivery.transport
    if transport == "file":
        return _land_files(feed, delivery_date, landing, work_dir)
    if transport == "http":
        return _land_http(feed, delivery_date, work_dir, http_policy)
    if transport == "database":
        return _land_database(feed, delivery_date, work_dir, delivery_date if since is False else since)
    raise PermanentTransportError(f"{feed.id}: unknown transport {transport!r}")


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


# ---- file ----------------------------------------------------------------------------------


def _land_files(feed: FeedSpec, d: dt.date, landing: str, work_dir: Path) -> list[LandedFile]:
    fs, root = fsspec.core.url_to_fs(str(landing))
    folder = posixpath.join(root.rstrip("/") or "/", feed.department, feed.name, d.isoformat())
    # Object stores keep listing caches on the (shared) filesystem instance: a delivery that
    # arrived since the last look must be seen.
    fs.invalidate_cache(folder)
    try:
        entries = fs.ls(folder, detail=True)
    except (FileNotFoundError, NotADirectoryError):
        return []
    wanted = feed.delivery.suffixes
    picked: list[tuple[str, str]] = []
    for e in entries:
        if e.get("type") != "file":
            continue
        full = str(e["name"]).rstrip("/")
        name = full.rsplit("/", 1)[-1]
        # Dot files and Office lock files (~$x.xlsx) are uploads in progress, not deliveries.
        if name.startswith((".", "~$")) or not name.lower().endswith(wanted):
            continue
        picked.append((name, full))
    out = []
    for name, full in sorted(picked):
        target = work_dir / name
        h = hashlib.sha256()
        size = 0
        with fs.open(full, "rb") as src, open(target, "wb") as dst:
            for chunk in iter(lambda src=src: src.read(_CHUNK), b""):
                h.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        out.append(LandedFile(target, fs.unstrip_protocol(full), h.hexdigest(), size, name))
    log.info("%s %s: %d file(s) in %s", feed.id, d, len(out), fs.unstrip_protocol(folder))
    return out


# ---- http ----------------------------------------------------------------------------------


class _BadPage(ValueError):
    """A page body that is not valid JSON (perhaps cut short on the way): worth fetching again."""


class _BadShape(ValueError):
    """A page that is JSON, but not the document the contract promises: fetching it again cannot help."""


def _check_page(raw: bytes) -> int | None:
    """Validate a page body; returns its next_page."""
    if raw.lstrip()[:1] == b"<":
        raise _BadShape("answered HTML (or XML), not a JSON page")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _BadPage(f"invalid JSON ({type(exc).__name__} at {getattr(exc, 'pos', '?')})") from None
    if not isinstance(doc, dict):
        raise _BadShape("is not a JSON object with items and next_page")
    if not isinstance(doc.get("items"), list):
        raise _BadShape("has no items list")
    bad = next((i for i, it in enumerate(doc["items"], 1) if not isinstance(it, dict)), None)
    if bad is not None:
        raise _BadShape(f"item {bad} is not a JSON object")
    if "next_page" not in doc:
        # Silence would end the chain early: rows of later pages would vanish unnoticed.
        raise _BadShape("has no next_page (null on the last page is required)")
    nxt = doc["next_page"]
    if nxt is not None and (isinstance(nxt, bool) or not isinstance(nxt, int)):
        raise _BadShape(f"next_page is a {type(nxt).__name__}, not an integer or null")
    return nxt


def _connection(feed: FeedSpec) -> ConnectionSettings:
    """The feed's connection; a missing or unparsable one is a permanent error (retrying cannot fix it)."""
    try:
        return get_connection(conn_id_for(feed) or "")
    except (ConnectionNotFound, ValueError) as exc:
        raise PermanentTransportError(f"{feed.id}: {exc}") from None


@functools.cache
def _ssl_context(cert_file: str | None, cert_dir: str | None):
    """httpx's default TLS context (certifi's CA bundle, or SSL_CERT_FILE / SSL_CERT_DIR), built once per
    process: loading the bundle was ~80 ms of every http delivery (bench/bench_small_delivery.py), for a
    context that is the same each time. Keyed by the two variables httpx itself reads."""
    return httpx.create_ssl_context()


def _land_http(feed: FeedSpec, d: dt.date, work_dir: Path, policy: HttpPolicy | None) -> list[LandedFile]:
    conn = _connection(feed)
    # An explicit policy (tests, callers) wins; otherwise the department's connection extra may tune it.
    policy = policy or HttpPolicy.from_extra(conn.extra)
    url = f"{conn.http_base_url()}/{feed.department}/{feed.name}"
    headers = {"Accept": "application/json"}
    if conn.password:
        headers["Authorization"] = f"Bearer {conn.password}"
    timeout = httpx.Timeout(policy.timeout, connect=policy.connect_timeout)
    out: list[LandedFile] = []
    seen: set[int] = set()
    page: int | None = 1
    verify = _ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    with httpx.Client(headers=headers, timeout=timeout, follow_redirects=True, verify=verify) as client:
        while page is not None:
            if page in seen:
                raise BadDelivery(f"{feed.id} {d}: page {page} is asked for a second time (the page chain repeats)")
            if len(seen) >= policy.max_pages:
                raise BadDelivery(f"{feed.id} {d}: page chain exceeds {policy.max_pages} pages at page {page}")
            seen.add(page)
            target = work_dir / f"page-{page}.json"
            nxt = _saved_page(target)
            if nxt is _MISSING:
                fetched = _fetch_page(client, url, feed, d, page, target, policy, conn)
                if fetched is _MISSING:  # 404
                    if page == 1:
                        log.info("%s %s: no delivery (404)", feed.id, d)
                        return []
                    raise BadDelivery(f"{feed.id} {d}: page {page} not found, although the previous page pointed to it")
                nxt = fetched
            else:
                log.info("%s %s: page %d already landed, not fetched again", feed.id, d, page)
            size = target.stat().st_size
            out.append(LandedFile(target, f"{url}?date={d.isoformat()}&page={page}", _sha256_file(target), size, target.name))
            if nxt is not None and nxt <= page:
                raise BadDelivery(f"{feed.id} {d}: page {page} points back to page {nxt} (the page chain would repeat)")
            page = nxt  # type: ignore[assignment]
    log.info("%s %s: %d page(s) landed", feed.id, d, len(out))
    return out


_MISSING: Any = object()


def _saved_page(target: Path) -> Any:
    """next_page of a valid page left by an earlier attempt, else _MISSING (fetch it)."""
    if not target.exists():
        return _MISSING
    try:
        return _check_page(target.read_bytes())
    except (_BadPage, _BadShape):
        log.warning("%s is not a valid page (interrupted earlier?); fetching it again", target.name)
        return _MISSING


def _fetch_page(
    client: httpx.Client,
    url: str,
    feed: FeedSpec,
    d: dt.date,
    page: int,
    target: Path,
    policy: HttpPolicy,
    conn: ConnectionSettings,
) -> Any:
    """Fetch one page into ``target`` (atomically); its next_page, or _MISSING on 404."""
    params = {"date": d.isoformat(), "page": str(page)}
    part = target.with_name(target.name + ".part")
    problem = ""
    bad_body = False
    for attempt in range(1, policy.attempts + 1):
        retry_after = 0.0
        bad_body = False
        try:
            with client.stream("GET", url, params=params) as resp:
                status = resp.status_code
                if status == 404:
                    return _MISSING
                if status in (401, 403):
                    raise TransportAuthError(
                        f"{feed.id} {d}: page {page} refused with HTTP {status}; check the token "
                        f"(password) of connection {conn.conn_id!r}"
                    )
                if status == 429 or status >= 500:
                    problem = f"HTTP {status}"
                    retry_after = _retry_after(resp.headers.get("Retry-After"), policy)
                elif status >= 300:
                    raise PermanentTransportError(f"{feed.id} {d}: page {page} answered HTTP {status}; not retried")
                else:
                    if "html" in resp.headers.get("content-type", "").lower():
                        raise BadDelivery(f"{feed.id} {d}: page {page} answered HTML "
                                          f"({resp.headers.get('content-type')}), not a JSON page")
                    with open(part, "wb") as fh:
                        for chunk in resp.iter_bytes(_CHUNK):
                            fh.write(chunk)
                    try:
                        nxt = _check_page(part.read_bytes())
                    except _BadShape as exc:
                        part.unlink(missing_ok=True)
                        raise BadDelivery(f"{feed.id} {d}: page {page} {exc}") from None
                    os.replace(part, target)  # only a complete, valid page ever carries the final name
                    log.info("%s %s: page %d fetched (%d bytes)", feed.id, d, page, target.stat().st_size)
                    return nxt
        except httpx.TimeoutException as exc:
            problem = f"timeout ({type(exc).__name__})"
        except httpx.TransportError as exc:  # connection refused/reset, body cut short, ...
            problem = f"connection error ({type(exc).__name__}: {exc})"
        except _BadPage as exc:
            problem = f"bad page body: {exc}"
            bad_body = True
        part.unlink(missing_ok=True)
        if attempt < policy.attempts:
            wait = max(retry_after, policy.delay(attempt))
            log.warning(
                "%s %s: page %d attempt %d/%d failed (%s); retrying in %.1fs",
                feed.id, d, page, attempt, policy.attempts, problem, wait,
            )
            time.sleep(wait)
    if bad_body:  # the server itself keeps sending a broken page: the delivery is refused
        raise BadDelivery(f"{feed.id} {d}: page {page} is not valid JSON in {policy.attempts} attempts; "
                          f"last error: {problem}")
    raise TransportError(f"{feed.id} {d}: page {page} failed after {policy.attempts} attempts; last error: {problem}")


def _retry_after(value: str | None, policy: HttpPolicy) -> float:
    """Seconds from a Retry-After header (delta form only), capped by the policy."""
    try:
        return min(policy.max_backoff, max(0.0, float(value))) if value else 0.0
    except ValueError:
        return 0.0


# ---- database --------------------------------------------------------------------------------


def _split_table(qualified: str) -> tuple[str, str]:
    schema, _, table = qualified.rpartition(".")
    return (schema or "public"), table


_TIMESTAMP_TYPES = ("timestamp without time zone", "timestamp with time zone", "date")


def _window_sql(ts_type: str) -> tuple[sql.Composable, sql.Composable]:
    """(in the window, cannot be placed) conditions on changed_at for the front-end column's type.

    A timestamp column is compared as such (null: not placeable). Any other type (text as a legacy
    system keeps it) is placed by its leading YYYY-MM-DD, compared bytewise so no collation can
    reorder it; a value without that shape cannot be placed. A value with the shape but no such day
    (2024-02-30) is placed by its text and then refused by normalisation, so it is counted too."""
    ts = sql.Identifier("changed_at")
    if ts_type in _TIMESTAMP_TYPES:
        return (
            sql.SQL("({ts} >= %(lo)s::date or %(lo)s::date is null) and {ts} < %(hi)s::date").format(ts=ts),
            sql.SQL("{ts} is null").format(ts=ts),
        )
    shaped = sql.SQL("{ts}::text ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}'").format(ts=ts)
    day = sql.SQL('left({ts}::text, 10) collate "C"').format(ts=ts)
    return (
        sql.SQL("{shaped} and ({day} >= %(lo_text)s or %(lo_text)s is null) and {day} < %(hi_text)s").format(
            shaped=shaped, day=day),
        sql.SQL("{ts} is null or not ({shaped})").format(ts=ts, shaped=shaped),
    )


def _land_database(feed: FeedSpec, d: dt.date, work_dir: Path, since: dt.date | None) -> list[LandedFile]:
    """Rows with changed_at from the start of ``since`` (None: the beginning) to the end of ``d``, and
    every row whose changed_at cannot be placed on a date."""
    conn_id = conn_id_for(feed) or ""
    conn = _connection(feed)
    schema, table = _split_table(str(feed.delivery.table))
    target = work_dir / "rows.csv"
    part = target.with_name(target.name + ".part")
    dsn = conn.psycopg_conninfo(client_encoding="utf8", application_name="tianyan-ingest")
    hi = d + dt.timedelta(days=1)
    window = {"lo": since, "hi": hi, "lo_text": since.isoformat() if since else None, "hi_text": hi.isoformat()}
    try:
        with psycopg.connect(dsn) as pg:
            pg.read_only = True  # an extract must never write to a department's database
            # One snapshot for the counts and the COPY, so the reconciliation compares like with like.
            pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with pg.cursor() as cur:
                cur.execute(
                    "select column_name, data_type from information_schema.columns"
                    " where table_schema = %s and table_name = %s",
                    (schema, table),
                )
                present = dict(cur.fetchall())
                if not present:
                    raise PermanentTransportError(
                        f"{feed.id} {d}: table {schema}.{table} not found via connection {conn_id!r}")
                if "changed_at" not in present:
                    raise PermanentTransportError(f"{feed.id} {d}: table {schema}.{table} has no changed_at column")
                cols = [c for c in feed.column_names if c in present]
                missing = [c for c in feed.column_names if c not in present]
                if missing:
                    # Extract what is there: the reader's batch checks reject the delivery visibly.
                    log.warning("%s %s: front-end table lacks columns %s", feed.id, d, missing)
                in_window, unplaced = _window_sql(present["changed_at"])
                # Key first, then every column: duplicate keys still come out in a stable order,
                # so a re-extract of an unchanged date gives the same bytes (same batch id).
                order = [c for c in feed.key if c in present] + [c for c in cols if c not in feed.key]
                cur.execute("set local datestyle = 'ISO, YMD'")  # timestamps as 2024-06-01 09:30:00
                # Business days are Asia/Shanghai days (matters for a timestamptz column only).
                cur.execute(sql.SQL("set local timezone = {}").format(sql.Literal(TIME_ZONE)))
                cur.execute(
                    sql.SQL("select count(*) filter (where {w}), count(*) filter (where {u}) from {table}").format(
                        w=in_window, u=unplaced, table=sql.Identifier(schema, table)),
                    window,
                )
                n_window, n_unplaced = cur.fetchone()
                query = sql.SQL(
                    "copy (select {cols} from {table} where ({w}) or ({u}) order by {order})"
                    " to stdout with (format csv, header true)"
                ).format(
                    cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
                    table=sql.Identifier(schema, table),
                    w=in_window,
                    u=unplaced,
                    order=sql.SQL(", ").join(map(sql.Identifier, order)),
                )
                h = hashlib.sha256()
                size = 0
                with cur.copy(query, window) as copy, open(part, "wb") as fh:
                    for chunk in copy:
                        h.update(chunk)
                        fh.write(chunk)
                        size += len(chunk)
                rows = cur.rowcount
    except psycopg.Error as exc:
        part.unlink(missing_ok=True)
        # A server or network problem may pass; anything else (permissions, a broken table) will not.
        # Only the first line of a connection error is shown: other errors can quote row values.
        if isinstance(exc, psycopg.OperationalError):
            raise TransportError(f"{feed.id} {d}: extract via connection {conn_id!r} failed: "
                                 f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}") from exc
        raise PermanentTransportError(f"{feed.id} {d}: extract via connection {conn_id!r} failed: "
                                      f"{type(exc).__name__} (SQLSTATE {exc.sqlstate})") from exc
    if rows != n_window + n_unplaced:
        part.unlink(missing_ok=True)
        raise TransportError(f"{feed.id} {d}: extract copied {rows} rows but the source counts "
                             f"{n_window} in the window and {n_unplaced} without a placeable changed_at")
    if n_unplaced:
        log.warning("%s %s: %d row(s) of %s.%s have a changed_at that places them on no date; delivered "
                    "with every extract so they are quarantined, not lost", feed.id, d, n_unplaced, schema, table)
    if rows <= 0:
        part.unlink(missing_ok=True)
        log.info("%s %s: no rows with changed_at in the window", feed.id, d)
        return []
    os.replace(part, target)
    source = f"postgresql://{conn.host or ''}{f':{conn.port}' if conn.port else ''}/{conn.database or ''}"
    log.info("%s %s: %d rows extracted from %s.%s", feed.id, d, rows, schema, table)
    meta = {"rows": rows, "window_from": since.isoformat() if since else None, "window_to": d.isoformat(),
            "unplaced": n_unplaced}
    return [LandedFile(target, f"{source}/{schema}.{table}?changed_at={d.isoformat()}", h.hexdigest(), size,
                       target.name, meta)]
