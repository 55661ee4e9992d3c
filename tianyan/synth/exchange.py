"""The simulated department exchange, serving a drop folder the way real departments deliver.

Drop layout (see the header of include/spec/feeds.yaml): ``<drop>/<department>/<feed_name>/<YYYY-MM-DD>/``.

- http feeds: ``page-N.json`` files served as the paged API
  ``GET /<department>/<feed_name>?date=YYYY-MM-DD&page=N`` with bearer-token auth and
  failures on demand (slow page, HTTP 5xx, truncated JSON) so transport retries can be rehearsed.
- database feeds: each date's ``rows.csv`` loaded into the front-end PostgreSQL schema
  ``exchange`` (a database separate from the warehouse), idempotently.
- file feeds need no server: the drop folder itself is the landing area.

Failure spec (``failures=``): comma- or whitespace-separated rules ``FEED:PAGE:KIND[*TIMES]``,
or a dict ``{"FEED:PAGE": "KIND[*TIMES]"}``. PAGE is a page number or ``*``; FEED may be
``*``. KIND is ``slow`` / ``slow=SECONDS`` (delay, every time unless ``*TIMES``), a status code
such as ``500``/``503``/``429`` (one-shot unless ``*TIMES``) or ``truncated`` (half the body,
one-shot unless ``*TIMES``). Faults of the page content itself, as a broken department API sends
them (every time unless ``*TIMES``): ``no_next_page`` (the page without its next_page key, so a
careless client would stop early), ``no_items`` (without its items list), ``html`` (an HTML error
page with status 200, as a proxy or portal answers) and ``repeat`` (next_page points at the page
itself, a chain that never ends). Example:
``medical_insurance.claims:2:500,discipline.complaints:1:slow=3,health.outpatient_visits:2:no_next_page``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hmac
import json
import logging
import re
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import psycopg
from psycopg import sql

from tianyan.registry import FeedSpec, load_feeds

log = logging.getLogger(__name__)

DEFAULT_SLOW_SECONDS = 2.0
_SEGMENT = re.compile(r"^[a-z][a-z0-9_]*$")  # department / feed names: no traversal possible
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DROP_DATE_COLUMN = "_drop_date"  # front-end housekeeping: which drop date loaded the row


class ExchangeLoadError(RuntimeError):
    """A drop folder's rows.csv could not be loaded into the front-end database."""


# ---- failures on demand ------------------------------------------------------------------------


@dataclass
class Failure:
    feed_id: str  # "*" = any feed
    page: int | None  # None = any page
    kind: str  # "slow" | "status" | "truncated" | one of CONTENT_FAULTS
    status: int = 500
    seconds: float = DEFAULT_SLOW_SECONDS
    times: int | None = 1  # None = every time

    def matches(self, feed_id: str, page: int) -> bool:
        return self.feed_id in ("*", feed_id) and self.page in (None, page)


# Faults in what a page says rather than how it arrives; a real API repeats them on every request.
CONTENT_FAULTS = ("no_next_page", "no_items", "html", "repeat")
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Service unavailable</title></head><body><h1>502</h1></body></html>"


def parse_failures(spec: str | Mapping[str, str] | Iterable[Failure] | None) -> list[Failure]:
    """Rules from the spec string, a ``{"FEED:PAGE": "KIND"}`` dict or ready Failure objects."""
    if not spec:
        return []
    if isinstance(spec, str):
        items = [s for s in re.split(r"[,\s]+", spec.strip()) if s]
    elif isinstance(spec, Mapping):
        items = [f"{k}:{v}" for k, v in spec.items()]
    else:
        return [f if isinstance(f, Failure) else _parse_rule(str(f)) for f in spec]
    return [_parse_rule(s) for s in items]


def _parse_rule(rule: str) -> Failure:
    parts = rule.split(":")
    if len(parts) != 3:
        raise ValueError(f"failure rule {rule!r}: expected FEED:PAGE:KIND")
    feed_id, page_s, kind_s = parts
    if page_s == "*":
        page = None
    elif page_s.isdigit() and int(page_s) >= 1:
        page = int(page_s)
    else:
        raise ValueError(f"failure rule {rule!r}: page must be a number >= 1 or *")
    kind_s, _, times_s = kind_s.partition("*")
    times: int | None
    if times_s:
        if not times_s.isdigit() or int(times_s) < 1:
            raise ValueError(f"failure rule {rule!r}: *TIMES must be a positive number")
        times = int(times_s)
    else:
        times = None if kind_s.startswith("slow") or kind_s in CONTENT_FAULTS else 1
    if kind_s in CONTENT_FAULTS:
        return Failure(feed_id, page, kind_s, times=times)
    if kind_s == "truncated":
        return Failure(feed_id, page, "truncated", times=times)
    if kind_s == "slow" or kind_s.startswith("slow="):
        seconds = DEFAULT_SLOW_SECONDS
        if "=" in kind_s:
            try:
                seconds = float(kind_s.split("=", 1)[1])
            except ValueError:
                raise ValueError(f"failure rule {rule!r}: slow=SECONDS needs a number") from None
        return Failure(feed_id, page, "slow", seconds=seconds, times=times)
    if kind_s.isdigit() and 400 <= int(kind_s) <= 599:
        return Failure(feed_id, page, "status", status=int(kind_s), times=times)
    raise ValueError(f"failure rule {rule!r}: kind must be slow[=S], truncated, {', '.join(CONTENT_FAULTS)} "
                     "or an HTTP status 4xx/5xx")


# ---- http server -------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung client must not keep the process alive on shutdown
    exchange: ExchangeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            # A client that gave up (timeout during a simulated slow page) is expected, not an error.
            log.debug("exchange: client %s went away (%s)", client_address[0], type(exc).__name__)
            return
        log.exception("exchange: error while serving %s", client_address[0])


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "tianyan-exchange/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        # The request line carries no secret (the token travels in a header we never log).
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, json.dumps({"error": HTTPStatus(status).phrase, "message": message}).encode(),
                   headers=headers)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        ex = self.server.exchange
        url = urlsplit(self.path)
        if url.path.rstrip("/") in ("/healthz", ""):
            self._send(200, b'{"status": "ok"}')
            return
        if not ex._authorized(self.headers.get("Authorization")):
            self._error(401, "bearer token missing or invalid", {"WWW-Authenticate": 'Bearer realm="exchange"'})
            return
        segments = [s for s in url.path.split("/") if s]
        if len(segments) != 2 or not all(_SEGMENT.match(s) for s in segments):
            self._error(404, "expected /<department>/<feed_name>")
            return
        query = parse_qs(url.query)
        day = (query.get("date") or [""])[0]
        page_s = (query.get("page") or ["1"])[0]
        if not _DATE.match(day):
            self._error(400, "date=YYYY-MM-DD is required")
            return
        try:
            dt.date.fromisoformat(day)
            page = int(page_s)
            if page < 1:
                raise ValueError
        except ValueError:
            self._error(400, "bad date or page")
            return
        department, feed_name = segments
        folder = ex.drop / department / feed_name / day
        if not folder.is_dir():
            self._error(404, f"no delivery of {department}.{feed_name} for {day}")
            return
        file = folder / f"page-{page}.json"
        if not file.is_file():
            self._error(404, f"no page {page}")
            return
        failure = ex._take_failure(f"{department}.{feed_name}", page)
        body = file.read_bytes()
        if failure is not None:
            if failure.kind == "slow":
                time.sleep(failure.seconds)
            elif failure.kind == "status":
                self._error(failure.status, "simulated failure", {"Retry-After": "0"} if failure.status in (429, 503) else None)
                return
            elif failure.kind == "truncated":
                # A consistent Content-Length: the client sees a complete response holding broken JSON,
                # the case that slips past HTTP-level checks.
                body = body[: max(1, len(body) // 2)]
            elif failure.kind == "html":
                self._send(200, HTML_PAGE, "text/html; charset=utf-8")
                return
            else:
                body = _broken_page(body, failure.kind, page)
        self._send(200, body)


def _broken_page(body: bytes, kind: str, page: int) -> bytes:
    """The page with a content fault applied (see CONTENT_FAULTS)."""
    doc = json.loads(body)
    if kind == "no_next_page":
        doc.pop("next_page", None)
    elif kind == "no_items":
        doc.pop("items", None)
    elif kind == "repeat":
        doc["next_page"] = page
    return json.dumps(doc, ensure_ascii=False).encode()


class ExchangeServer:
    """Paged JSON API over the drop folder's http feeds; start() runs it in a background thread."""

    def __init__(
        self,
        drop: str | Path,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        failures: str | Mapping[str, str] | Iterable[Failure] | None = None,
    ) -> None:
        if not token:
            raise ValueError("a bearer token is required")
        self.drop = Path(drop)
        self.token = token
        self.host = host
        self.port = port
        self.failures = parse_failures(failures)
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:  # never shows the token
        return f"ExchangeServer(drop={str(self.drop)!r}, host={self.host!r}, port={self.port})"

    def _authorized(self, header: str | None) -> bool:
        scheme, _, value = (header or "").partition(" ")
        # Constant-time compare: the token is the only secret of the simulated exchange.
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self.token.encode())

    def _take_failure(self, feed_id: str, page: int) -> Failure | None:
        with self._lock:
            for f in self.failures:
                if f.matches(feed_id, page) and (f.times is None or f.times > 0):
                    if f.times is not None:
                        f.times -= 1
                    return f
        return None

    def add_failures(self, spec: str | Mapping[str, str] | Iterable[Failure]) -> None:
        """Arm more failures on a running server."""
        new = parse_failures(spec)
        with self._lock:
            self.failures.extend(new)

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("exchange server not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> ExchangeServer:
        if self._httpd is not None:
            return self
        httpd = _Server((self.host, self.port), _Handler)
        httpd.exchange = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"exchange-{self.port}", daemon=True)
        self._thread.start()
        log.info("exchange serving %s at %s", self.drop, self.base_url)
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ExchangeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---- database feeds -----------------------------------------------------------------------------


def _conninfo(url: str) -> str:
    """libpq conninfo from a SQLAlchemy URL (postgresql+psycopg://...) or a libpq URI/conninfo."""
    if "://" not in url:
        return url
    import sqlalchemy as sa

    u = sa.engine.make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def _database_feeds() -> list[FeedSpec]:
    return [f for f in load_feeds().values() if f.delivery.transport == "database"]


def _split_table(qualified: str) -> tuple[str, str]:
    schema, _, table = qualified.rpartition(".")
    return (schema or "public"), table


def _ensure_table(cur: psycopg.Cursor, feed: FeedSpec, typed: bool) -> tuple[str, str]:
    schema, table = _split_table(str(feed.delivery.table))
    cols = []
    for c in feed.columns:
        # changed_at is always a timestamp: the incremental extract filters on it.
        pg_type = c.source_pg_type if (typed or c.name == "changed_at") else "text"
        cols.append(sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(pg_type)))
    cols.append(sql.SQL("{} date not null").format(sql.Identifier(_DROP_DATE_COLUMN)))
    cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    # No primary key on purpose: departments do deliver duplicate keys, and the pipeline must see them.
    cur.execute(sql.SQL("create table if not exists {} ({})").format(sql.Identifier(schema, table), sql.SQL(", ").join(cols)))
    cur.execute(
        sql.SQL("create index if not exists {} on {} ({})").format(
            sql.Identifier(f"{table}_changed_at_idx"), sql.Identifier(schema, table), sql.Identifier("changed_at")
        )
    )
    return schema, table


def _load_one(cur: psycopg.Cursor, feed: FeedSpec, schema: str, table: str, day: dt.date, path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        raise ExchangeLoadError(f"{path}: empty rows.csv (a header row is required)")
    unknown = [h for h in header if h not in feed.column_names]
    if unknown:
        raise ExchangeLoadError(f"{path}: columns {unknown} are not columns of {feed.id}")
    target = sql.Identifier(schema, table)
    cols = sql.SQL(", ").join(map(sql.Identifier, header))
    # Same column types as the front-end table, without its constraints (NOT NULL on _drop_date).
    cur.execute(
        sql.SQL("create temp table _stage on commit drop as select {} from {} with no data").format(
            sql.SQL(", ").join(map(sql.Identifier, feed.column_names)), target
        )
    )
    try:
        with cur.copy(sql.SQL("copy _stage ({}) from stdin with (format csv, header true)").format(cols)) as copy, \
                open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                copy.write(chunk)
    except psycopg.errors.DataError as exc:
        raise ExchangeLoadError(
            f"{feed.id} {day}: rows.csv does not fit the typed front-end table ({exc.diag.message_primary}; "
            f"{exc.diag.context or ''}); load with typed=False to keep such values as text"
        ) from None
    key = sql.SQL(", ").join(map(sql.Identifier, feed.key))
    # Replace what this date loaded before, and any older row whose key is redelivered now
    # (the department updated the row in place; its changed_at moved to this date).
    cur.execute(
        sql.SQL("delete from {t} where {dd} = %s or ({key}) in (select {key} from _stage)").format(
            t=target, dd=sql.Identifier(_DROP_DATE_COLUMN), key=key
        ),
        (day,),
    )
    cur.execute(
        sql.SQL("insert into {t} ({cols}, {dd}) select {cols}, %s from _stage").format(
            t=target, cols=cols, dd=sql.Identifier(_DROP_DATE_COLUMN)
        ),
        (day,),
    )
    n = cur.rowcount
    cur.execute("drop table _stage")
    return n


def _dates_in(folder: Path) -> list[dt.date]:
    out = []
    if folder.is_dir():
        for p in folder.iterdir():
            if p.is_dir() and _DATE.match(p.name):
                try:
                    out.append(dt.date.fromisoformat(p.name))
                except ValueError:
                    continue
    return sorted(out)


def load_database_feeds(
    drop: str | Path,
    url: str,
    dates: Iterable[dt.date | str] | None = None,
    *,
    typed: bool = False,
) -> dict[str, int]:
    """Load every database feed's ``rows.csv`` of the drop into the front-end database at ``url``.

    Creates the feed's table (``delivery.table``, schema ``exchange``). Columns are text except
    changed_at (a timestamp, for the incremental extract) so that a drop's deliberately invalid
    values (e.g. the generator's ``type`` rows: pay_date 2023-02-30) reach the pipeline, which must
    quarantine them; ``typed=True`` uses the contract's types like a strict front-end would, and
    then refuses such a drop with ExchangeLoadError. Idempotent: re-loading a date replaces the rows that date loaded
    before, and a redelivered key replaces its earlier row. Returns rows loaded per feed id.
    """
    drop = Path(drop)
    wanted = None if dates is None else {d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in dates}
    loaded: dict[str, int] = {}
    with psycopg.connect(_conninfo(url), application_name="tianyan-exchange") as pg, pg.cursor() as cur:
        for feed in _database_feeds():
            schema, table = _ensure_table(cur, feed, typed)
            pg.commit()
            total = 0
            for day in _dates_in(drop / feed.department / feed.name):
                if wanted is not None and day not in wanted:
                    continue
                rows = drop / feed.department / feed.name / day.isoformat() / "rows.csv"
                if not rows.is_file():
                    continue
                try:
                    n = _load_one(cur, feed, schema, table, day, rows)
                    pg.commit()  # one transaction per date: a failed date leaves earlier dates loaded
                except Exception:
                    pg.rollback()
                    raise
                log.info("exchange: %s %s: %d rows loaded into %s.%s", feed.id, day, n, schema, table)
                total += n
            loaded[feed.id] = total
    return loaded


# ---- wiring -------------------------------------------------------------------------------------


def exchange_connections(server: ExchangeServer, db_url: str | None = None) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables (URI form) pointing every department's connection here.

    ``<department>_api`` for each department with an http feed (password = the bearer token);
    ``<department>_db`` for each department with a database feed, when ``db_url`` is given.
    """
    feeds = load_feeds().values()
    env: dict[str, str] = {}
    api = sorted({f.department for f in feeds if f.delivery.transport == "http"})
    host = f"[{server.host}]" if ":" in server.host else server.host
    for dept in api:
        env[f"AIRFLOW_CONN_{dept.upper()}_API"] = f"http://:{quote(server.token, safe='')}@{host}:{server.port}/"
    if db_url:
        import sqlalchemy as sa

        u = sa.engine.make_url(db_url).set(drivername="postgresql")
        uri = u.render_as_string(hide_password=False)
        for dept in sorted({f.department for f in feeds if f.delivery.transport == "database"}):
            env[f"AIRFLOW_CONN_{dept.upper()}_DB"] = uri
    return env


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def _stopped_by_signals():
    """Ctrl-C and SIGTERM (docker stop, systemd, a supervisor) both stop the server cleanly.

    SIGINT is set explicitly: a process started with SIGINT ignored (a shell's background job, a
    parent that ignores it) would otherwise inherit the ignore and never stop on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _raise_interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def serve(
    drop: str | Path,
    port: int = 8765,
    token: str | None = None,
    *,
    host: str = "127.0.0.1",
    db_url: str | None = None,
    failures: str | Mapping[str, str] | None = None,
    typed: bool = False,
    on_ready: Callable[[ExchangeServer, dict[str, str]], None] | None = None,
) -> None:
    """Run the exchange until Ctrl-C: load database feeds (if ``db_url``), then serve the http feeds.

    ``token`` defaults to a random one; ``on_ready(server, connections)`` receives the server and
    its ``AIRFLOW_CONN_*`` variables (e.g. for the CLI to print them) once everything is up.
    """
    drop = Path(drop)
    if not drop.is_dir():
        raise FileNotFoundError(f"drop folder {drop} does not exist")
    if db_url:
        counts = load_database_feeds(drop, db_url, typed=typed)
        log.info("exchange: database feeds loaded: %s", counts)
    server = ExchangeServer(drop, token or secrets.token_urlsafe(24), host=host, port=port, failures=failures)
    with server, _stopped_by_signals():
        if on_ready is not None:
            on_ready(server, exchange_connections(server, db_url))
        try:
            while True:  # the server runs in its thread; the main thread waits for Ctrl-C
                time.sleep(1.0)
        except KeyboardInterrupt:
            log.info("exchange: stopping")
