"""Loading rows written in a test straight through ``load.stage`` + ``load.merge`` (no files, no GX), and
the invariants every history table must keep: for the history-merge tests (test_load_*.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg

from tianyan.ingest import load
from tianyan.ingest.normalise import normalise
from tianyan.registry import FeedSpec, load_feeds
from tianyan.warehouse.conn import psycopg_dsn


def normalised(feed_id: str, rows: list[list]) -> tuple[FeedSpec, pd.DataFrame]:
    """The feed and its rows normalised as a delivery's would be; none may fail."""
    feed = load_feeds()[feed_id]
    norm, fails = normalise(feed, pd.DataFrame(rows, columns=feed.column_names, dtype=object))
    assert fails.empty
    return feed, norm


def load_rows(url: str, feed_id: str, d: dt.date, rows: list[list]) -> None:
    """Stage (every row) and merge ``rows`` as the delivery of ``d``, and record it LOADED."""
    feed, norm = normalised(feed_id, rows)
    batch = f"{feed_id}/{d}/test"
    with psycopg.connect(psycopg_dsn(url)) as conn, conn.cursor() as cur:
        assert load.stage(cur, feed, norm, d) == len(rows)
        load.merge(cur, feed, d, batch)
        cur.execute(
            "insert into meta.feed_runs (feed_id, delivery_date, batch_id, status, delivered, loaded) "
            "values (%s, %s, %s, 'LOADED', %s, %s) on conflict (feed_id, delivery_date) do update "
            "set batch_id = excluded.batch_id", (feed_id, d, batch, len(rows), len(rows)))


def assert_history_invariants(url: str, feed_id: str) -> None:
    """Every row's hash is the hash of its typed values; every _valid_to is the next version's _valid_from."""
    feed = load_feeds()[feed_id]
    schema, table = feed.history_table
    key = ", ".join(feed.key)
    row = ", ".join(f"h.{c.name}" for c in feed.data_columns)
    with psycopg.connect(psycopg_dsn(url)) as conn:
        bad_hash = conn.execute(
            f"select count(*) from {schema}.{table} h where h._row_hash <> hash_record_extended(row({row}), 0)::text").fetchone()[0]
        bad_to = conn.execute(
            f"select count(*) from (select _valid_to, lead(_valid_from) over (partition by {key} order by _valid_from)"
            f" as nxt from {schema}.{table}) v where _valid_to is distinct from nxt").fetchone()[0]
    assert (bad_hash, bad_to) == (0, 0)
