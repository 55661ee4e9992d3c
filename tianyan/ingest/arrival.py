"""Has a feed's delivery for a date arrived? A cheap look per transport, without landing anything.

Used while a daily feed waits for its delivery (the deferrable wait of the land task polls it from
Airflow's triggerer). What counts as "arrived" is what the transport would land:

- file:     a file of the feed's format in ``<landing>/<department>/<feed_name>/<date>/`` (dot files and
            Office lock files ``~$x.xlsx`` are uploads in progress, not deliveries);
- http:     page 1 of ``{base}/{department}/{feed_name}?date=D`` answers 200 (404 = not yet);
- database: a row of the front-end table with ``changed_at`` on the date.

Connections come from the same place as the transports' (``transports.conn_id_for``,
``connections.get_connection``). A probe that cannot reach its source says "not arrived" and logs
why: the wait goes on until the window closes, and the landing attempt then reports the real error.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath

import fsspec
import httpx
import psycopg
from psycopg import sql

from tianyan.connections import ConnectionNotFound, get_connection
from tianyan.ingest.transports import conn_id_for
from tianyan.registry import FeedSpec

log = logging.getLogger(__name__)

TIMEOUT_S = 20.0


def arrived(feed: FeedSpec, day: dt.date, landing: str) -> bool:
    """True when ``feed``'s delivery for ``day`` is there to be landed."""
    transport = feed.delivery.transport
    try:
        if transport == "file":
            return _file_arrived(feed, day, landing)
        if transport == "http":
            return _http_arrived(feed, day)
        if transport == "database":
            return _database_arrived(feed, day)
    except (ConnectionNotFound, OSError, httpx.HTTPError, psycopg.Error) as exc:
        log.warning("%s %s: cannot look for the delivery yet (%s: %s)", feed.id, day, type(exc).__name__,
                    str(exc).splitlines()[0] if str(exc) else "")
        return False
    raise ValueError(f"{feed.id}: unknown transport {transport!r}")


def _file_arrived(feed: FeedSpec, day: dt.date, landing: str) -> bool:
    fs, root = fsspec.core.url_to_fs(str(landing))
    folder = posixpath.join(root.rstrip("/") or "/", feed.department, feed.name, day.isoformat())
    fs.invalidate_cache(folder)  # a listing cached by an earlier poll must not hide a new file
    try:
        entries = fs.ls(folder, detail=True)
    except (FileNotFoundError, NotADirectoryError):
        return False
    wanted = feed.delivery.suffixes
    for e in entries:
        name = str(e["name"]).rstrip("/").rsplit("/", 1)[-1]
        if e.get("type") == "file" and not name.startswith((".", "~$")) and name.lower().endswith(wanted):
            return True
    return False


def _http_arrived(feed: FeedSpec, day: dt.date) -> bool:
    conn = get_connection(conn_id_for(feed) or "")
    headers = {"Accept": "application/json"}
    if conn.password:
        headers["Authorization"] = f"Bearer {conn.password}"
    url = f"{conn.http_base_url()}/{feed.department}/{feed.name}"
    resp = httpx.get(url, params={"date": day.isoformat(), "page": "1"}, headers=headers, timeout=TIMEOUT_S,
                     follow_redirects=True)
    if resp.status_code == 200:
        return True
    if resp.status_code != 404:
        log.warning("%s %s: page 1 answered HTTP %d while waiting for the delivery", feed.id, day, resp.status_code)
    return False


def _database_arrived(feed: FeedSpec, day: dt.date) -> bool:
    conn = get_connection(conn_id_for(feed) or "")
    schema, _, table = str(feed.delivery.table).rpartition(".")
    query = sql.SQL("select 1 from {t} where {ts} >= %s and {ts} < %s limit 1").format(
        t=sql.Identifier(schema or "public", table), ts=sql.Identifier("changed_at"))
    dsn = conn.psycopg_conninfo(application_name="tianyan-arrival", connect_timeout="10")
    with psycopg.connect(dsn) as pg:
        pg.read_only = True
        try:
            return pg.execute(query, (day, day + dt.timedelta(days=1))).fetchone() is not None
        except psycopg.errors.UndefinedTable:
            return False
