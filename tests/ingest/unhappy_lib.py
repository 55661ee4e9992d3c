"""Helpers for the unhappy-path tests: deliveries written by the tests themselves (never by
tianyan.synth), and what a user checks afterwards: meta.feed_runs, meta.feed_attempts,
meta.quarantine and the history tables."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import psycopg
from stdnum.cn import ric

from tianyan.registry import load_feeds
from tianyan.warehouse.conn import psycopg_dsn

D1, D2, D3 = dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)


def id18(n: int, birth: str = "19800101", region: str = "320102") -> str:
    """A valid GB 11643 resident id (synthetic), distinct per n."""
    body = f"{region}{birth}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def page(items: list[dict], nxt: int | None = None, **extra) -> bytes:
    return json.dumps({"items": items, "next_page": nxt, **extra}, ensure_ascii=False).encode()


def reset(url: str, *feed_ids: str) -> None:
    """Empty the bookkeeping and the named feeds' history tables (tests share one warehouse)."""
    feeds = load_feeds()
    tables = ", ".join(".".join(feeds[f].history_table) for f in feeds if f in feed_ids)
    with psycopg.connect(psycopg_dsn(url)) as conn:
        conn.execute("truncate meta.feed_runs, meta.feed_attempts, meta.quarantine, meta.archive")
        if tables:
            conn.execute(f"truncate {tables}")


def history(url: str, feed_id: str, provenance: bool = True, batch: bool = True) -> list[tuple]:
    """Every stored version of the feed, with (or without) the provenance columns (_delivery_date last)."""
    feed = load_feeds()[feed_id]
    schema, table = feed.history_table
    cols = [c.name for c in feed.data_columns] + ["_valid_from", "_valid_to", "_deleted", "_row_hash"]
    if provenance:
        cols += ["_batch_id", "_delivery_date"] if batch else ["_delivery_date"]
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute(f"select {', '.join(cols)} from {schema}.{table} order by {', '.join(cols)}").fetchall()


def history_hash(url: str, feed_id: str) -> str:
    return hashlib.sha256(repr(history(url, feed_id)).encode()).hexdigest()


def current(url: str, feed_id: str, *cols: str) -> list[tuple]:
    feed = load_feeds()[feed_id]
    schema, table = feed.current_view
    names = cols or tuple(feed.key)
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute(f"select {', '.join(names)} from {schema}.{table} order by 1").fetchall()


def runs(url: str, feed_id: str) -> dict[dt.date, dict]:
    """meta.feed_runs of the feed by date."""
    with psycopg.connect(psycopg_dsn(url)) as conn:
        cur = conn.execute("select * from meta.feed_runs where feed_id = %s order by delivery_date", (feed_id,))
        names = [c.name for c in cur.description]
        return {r[1]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def attempts(url: str, feed_id: str) -> list[dict]:
    """meta.feed_attempts of the feed in the order they were made."""
    with psycopg.connect(psycopg_dsn(url)) as conn:
        cur = conn.execute(
            "select delivery_date, stage, status, delivered, loaded, quarantined, collapsed, reason, files"
            " from meta.feed_attempts where feed_id = %s order by attempt_id", (feed_id,))
        names = [c.name for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def quarantine(url: str, feed_id: str) -> list[tuple]:
    """(date, file, row, rule, column) of every quarantined failure of the feed."""
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute(
            "select delivery_date, source_file, row_no, rule, column_name from meta.quarantine where feed_id = %s"
            " order by 1, 2, 3, 4, 5", (feed_id,)).fetchall()


def counts(run: dict) -> tuple[int, int, int, int]:
    return run["delivered"], run["loaded"], run["quarantined"], run["collapsed"]
