"""The spec's ``ref:FEED.COL`` rule: a value "should exist there (reported, not a reason to drop)".

After a delivery is loaded, ``report`` checks each ref column of its feed in one set-based statement:
of the delivery's rows (not deletions; ``_SNAPSHOT_ROWS``/``_DELIVERY_ROWS``) with a value in the column, how many have a
value the referenced feed did not hold at the end of the delivery date (its history rows in effect
then), and a sample of those values. The result replaces the delivery's rows in ``meta.referential``
(migration 0014); feed health shows the count of the last loaded delivery
(``marts.feed_health.ref_missing_last``) and ``tianyan feeds`` the count per delivery. Rows are never
dropped or quarantined for a missing reference.

The answer does not depend on the order feeds and dates are loaded in (department DAGs run in
parallel, backfills in any order): it is read from the referenced feed's history as of the date, which
any load order leaves the same, and a load of the referenced feed re-checks the deliveries that refer
to it from its date on (``report_after_load``). Reports of one feed take turns (an advisory lock), so
the last to commit is the one that saw both loads.
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

# The rows a delivery holds, read from history so that the load order cannot change them: a snapshot's
# rows are the feed's rows in effect at the end of its date (history keeps only changes, so the rows a
# batch wrote depend on what was loaded before it); a delta or append delivery's, the versions its date
# wrote (a version delivered twice belongs to the delivery that wins it, whatever the order).
_SNAPSHOT_ROWS = sql.SQL("t._valid_from < %(until)s and (t._valid_to is null or t._valid_to >= %(until)s)")
_DELIVERY_ROWS = sql.SQL("t._delivery_date = %(d)s")

# Per ref column: the delivery's rows with a value, those whose value the referenced feed did not hold at the
# end of the delivery date (a version in effect just before midnight: from before it, to it or later), a sample.
_CHECK = sql.SQL("""
with loaded as (
    select t.{col} as value
    from {hist} as t
    where {delivered} and not t._deleted and t.{col} is not null
),

absent as (
    select l.value
    from loaded as l
    where not exists (
        select 1
        from {ref_hist} as r
        where
            r.{ref_col} = l.value
            and not r._deleted
            and r._valid_from < %(until)s
            and (r._valid_to is null or r._valid_to >= %(until)s)
    )
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


def check(cur: psycopg.Cursor, feed: FeedSpec, delivery_date: dt.date,
          feeds: dict[str, FeedSpec] | None = None) -> list[RefCheck]:
    """Check the delivery's rows against each referenced feed as of the delivery date (nothing is written)."""
    feeds = feeds or load_feeds()
    until = dt.datetime.combine(delivery_date + dt.timedelta(days=1), dt.time())
    out = []
    for column, ref_feed, ref_column in ref_columns(feed):
        target = feeds.get(ref_feed)
        if target is None or ref_column not in target.column_names:
            raise ValueError(f"{feed.id}.{column}: ref:{ref_feed}.{ref_column} names no feed column of the registry")
        q = _CHECK.format(col=sql.Identifier(column), hist=sql.Identifier(*feed.history_table),
                          delivered=_SNAPSHOT_ROWS if feed.mode == "snapshot" else _DELIVERY_ROWS,
                          ref_hist=sql.Identifier(*target.history_table), ref_col=sql.Identifier(ref_column))
        checked, missing, sample = cur.execute(
            q, {"d": delivery_date, "sample": SAMPLE_SIZE, "until": until}).fetchone()
        out.append(RefCheck(column, ref_feed, ref_column, int(checked), int(missing), list(sample)))
    return out


def referring(feed_id: str, feeds: dict[str, FeedSpec] | None = None) -> list[FeedSpec]:
    """The feeds with a ``ref:`` rule naming ``feed_id`` (sorted by id)."""
    feeds = feeds or load_feeds()
    return [f for _, f in sorted(feeds.items()) if any(t == feed_id for _, t, _ in ref_columns(f))]


def report(conn: psycopg.Connection, feed: FeedSpec, delivery_date: dt.date, batch_id: str,
           feeds: dict[str, FeedSpec] | None = None, *, warn: bool = True) -> list[RefCheck]:
    """Check and store the delivery's report in meta.referential (replacing an earlier one of the date)."""
    with conn.transaction(), conn.cursor() as cur:
        # One report of a feed at a time: a report that waited here checks after the other committed.
        cur.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"tianyan.referential:{feed.id}",))
        results = check(cur, feed, delivery_date, feeds)
        cur.execute("delete from meta.referential where feed_id = %s and delivery_date = %s", (feed.id, delivery_date))
        cur.executemany(
            "insert into meta.referential (feed_id, delivery_date, column_name, batch_id, ref_feed, ref_column,"
            " checked_rows, missing_rows, sample) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(feed.id, delivery_date, r.column, batch_id, r.ref_feed, r.ref_column, r.checked, r.missing,
              json.dumps(r.sample, ensure_ascii=False)) for r in results])
    for r in results:
        if r.missing:
            (log.warning if warn else log.info)("%s %s: %d of %d loaded rows have a %s not in %s.%s (reported, not dropped)", feed.id,
                        delivery_date, r.missing, r.checked, r.column, r.ref_feed, r.ref_column)
    return results


def report_after_load(dsn: str, feed: FeedSpec, delivery_date: dt.date, batch_id: str | None) -> None:
    """The pipeline's call after a load: report the delivery, then re-check the loaded deliveries of the
    feeds referring to this one, of this date or later (what they held at their date may have arrived
    with this load). The load is committed, so a failing report only logs."""
    if not batch_id:
        return
    feeds = load_feeds()
    dependants = referring(feed.id, feeds)
    if not ref_columns(feed) and not dependants:
        return
    try:
        with psycopg.connect(dsn) as conn:
            if ref_columns(feed):
                report(conn, feed, delivery_date, batch_id, feeds)
            for other in dependants:
                later = conn.execute(
                    "select delivery_date, batch_id from meta.feed_runs where feed_id = %s and status = 'LOADED'"
                    " and batch_id is not null and delivery_date >= %s order by delivery_date",
                    (other.id, delivery_date)).fetchall()
                for d, batch in later:
                    report(conn, other, d, batch, feeds, warn=False)  # it warned when it was loaded
    except Exception as exc:  # noqa: BLE001 - a report never undoes or fails a committed load
        log.warning("%s %s: referential report not written (%s: %s)", feed.id, delivery_date,
                    type(exc).__name__, str(exc)[:200])
