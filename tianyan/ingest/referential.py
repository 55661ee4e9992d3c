"""The spec's ``ref:FEED.COL`` rule: a value "should exist there (reported, not a reason to drop)".

After a delivery is loaded, ``report`` checks each ref column of its feed in one set-based statement:
of the rows the delivery's batch wrote (not deletions) with a value in the column, how many have a
value absent from the referenced feed's current rows (its view), and a sample of those values. The
result replaces the delivery's rows in ``meta.referential`` (migration 0014); feed health shows the
count of the last loaded delivery (``marts.feed_health.ref_missing_last``) and ``tianyan feeds`` the
count per delivery. Rows are never dropped or quarantined for a missing reference.

The check sees the referenced feed as loaded at that moment: a delivery loaded before the referenced
feed's delivery of the same date may report keys that arrive later; loading it again re-checks.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

import psycopg
from psycopg import sql

from tianyan.registry import FeedSpec, load_feeds

log = logging.getLogger(__name__)

SAMPLE_SIZE = 10

# Per ref column: the batch's rows with a value, those whose value the referenced view lacks, a sample.
_CHECK = sql.SQL("""
with loaded as (
    select t.{col} as value
    from {hist} as t
    where t._batch_id = %(batch_id)s and not t._deleted and t.{col} is not null
),

absent as (
    select l.value
    from loaded as l
    where not exists (select 1 from {ref_view} as r where r.{ref_col} = l.value)
)

select
    (select count(*) from loaded) as checked,
    (select count(*) from absent) as missing,
    coalesce(
        (select jsonb_agg(s.value order by s.value)
         from (select distinct a.value from absent as a order by a.value limit %(sample)s) as s),
        '[]'::jsonb
    ) as sample
""")


@dataclass(frozen=True)
class RefCheck:
    column: str
    ref_feed: str
    ref_column: str
    checked: int
    missing: int
    sample: list


def ref_columns(feed: FeedSpec) -> list[tuple[str, str, str]]:
    """(column, referenced feed, referenced column) of each ``ref:`` rule of the feed."""
    out = []
    for c in feed.columns:
        if c.ref:
            target, _, target_column = c.ref.rpartition(".")
            out.append((c.name, target, target_column))
    return out


def check(cur: psycopg.Cursor, feed: FeedSpec, batch_id: str,
          feeds: dict[str, FeedSpec] | None = None) -> list[RefCheck]:
    """Check the batch's loaded rows against each referenced feed (nothing is written)."""
    feeds = feeds or load_feeds()
    out = []
    for column, ref_feed, ref_column in ref_columns(feed):
        target = feeds.get(ref_feed)
        if target is None or ref_column not in target.column_names:
            raise ValueError(f"{feed.id}.{column}: ref:{ref_feed}.{ref_column} names no feed column of the registry")
        q = _CHECK.format(col=sql.Identifier(column), hist=sql.Identifier(*feed.history_table),
                          ref_view=sql.Identifier(*target.current_view), ref_col=sql.Identifier(ref_column))
        checked, missing, sample = cur.execute(q, {"batch_id": batch_id, "sample": SAMPLE_SIZE}).fetchone()
        out.append(RefCheck(column, ref_feed, ref_column, int(checked), int(missing), list(sample)))
    return out


def report(conn: psycopg.Connection, feed: FeedSpec, delivery_date: dt.date, batch_id: str,
           feeds: dict[str, FeedSpec] | None = None) -> list[RefCheck]:
    """Check and store the delivery's report in meta.referential (replacing an earlier one of the date)."""
    with conn.transaction(), conn.cursor() as cur:
        results = check(cur, feed, batch_id, feeds)
        cur.execute("delete from meta.referential where feed_id = %s and delivery_date = %s", (feed.id, delivery_date))
        cur.executemany(
            "insert into meta.referential (feed_id, delivery_date, column_name, batch_id, ref_feed, ref_column,"
            " checked_rows, missing_rows, sample) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(feed.id, delivery_date, r.column, batch_id, r.ref_feed, r.ref_column, r.checked, r.missing,
              json.dumps(r.sample, ensure_ascii=False)) for r in results])
    for r in results:
        if r.missing:
            log.warning("%s %s: %d of %d loaded rows have a %s not in %s.%s (reported, not dropped)", feed.id,
                        delivery_date, r.missing, r.checked, r.column, r.ref_feed, r.ref_column)
    return results


def report_after_load(dsn: str, feed: FeedSpec, delivery_date: dt.date, batch_id: str | None) -> None:
    """The pipeline's call after a load: the load is committed, so a failing report only logs."""
    if not batch_id or not ref_columns(feed):
        return
    try:
        with psycopg.connect(dsn) as conn:
            report(conn, feed, delivery_date, batch_id)
    except Exception as exc:  # noqa: BLE001 - a report never undoes or fails a committed load
        log.warning("%s %s: referential report not written (%s: %s)", feed.id, delivery_date,
                    type(exc).__name__, str(exc)[:200])
