"""Bulk load (COPY) and history-keeping merge into ``<department>.<feed>__history``.

The state of a feed's history table is a function of the SET of deliveries loaded, so re-running a
date is a no-op and loading dates out of order gives the same state:

- append: every delivered row is a version valid from its delivery date; a redelivered key gets a
  newer version (it replaces the earlier row in the current view, never duplicates it).
- delta: every change is a version valid from its ``changed_at``; op D versions are tombstones.
- snapshot: each delivery is the whole register at its date. Versions are stored only where the
  register changed between consecutive loaded snapshot dates (a key missing from a snapshot gets a
  tombstone). A snapshot loaded before an already-loaded later one also re-states, at that later
  date, what that later snapshot said, then redundant versions are compacted away.

A corrected redelivery for a date supersedes what that date loaded before. ``_valid_to`` is then
recomputed for the touched keys only. Everything runs as set-based SQL in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

from tianyan.registry import FeedSpec


def _ids(names) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _qual(schema: str, name: str) -> sql.Identifier:
    return sql.Identifier(schema, name)


def versions_at_changed_at(feed: FeedSpec) -> bool:
    """Delta feeds, and append feeds that carry changed_at (front-end database extracts), version rows
    by the time they changed, so overlapping extracts and redeliveries collapse onto one version."""
    return feed.mode != "snapshot" and "changed_at" in feed.column_names


def stage(cur, feed: FeedSpec, good: pd.DataFrame, delivery_date: dt.date) -> int:
    """COPY the good rows into a temporary staging table ``_stg`` (dropped at commit)."""
    hist = _qual(*feed.history_table)
    cols = [c.name for c in feed.data_columns]
    cur.execute(sql.SQL("drop table if exists _stg"))
    cur.execute(
        sql.SQL(
            "create temp table _stg on commit drop as select {cols}, _valid_from, _deleted from {hist} with no data"
        ).format(cols=_ids(cols), hist=hist)
    )
    frame = good[cols].copy()
    if versions_at_changed_at(feed):
        frame["_valid_from"] = good["changed_at"]
        deleted = (good["op"] == "D") if "op" in good.columns else pd.Series(False, index=good.index)
        frame["_deleted"] = deleted.map({True: "true", False: "false"})
    else:
        frame["_valid_from"] = delivery_date.isoformat()
        frame["_deleted"] = "false"
    table = pa.Table.from_pandas(frame.astype(object).where(frame.notna(), None), preserve_index=False,
                                 schema=pa.schema([(c, pa.string()) for c in frame.columns]))
    sink = pa.BufferOutputStream()
    # Arrow writes CSV several times faster than pandas; COPY parses it server-side.
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False))
    copy_sql = sql.SQL("copy _stg ({cols}) from stdin (format csv)").format(cols=_ids(frame.columns))
    with cur.copy(copy_sql) as copy:
        buf = sink.getvalue()
        step = 8 << 20
        for i in range(0, buf.size, step):
            copy.write(buf[i : i + step].to_pybytes())
    cur.execute(sql.SQL("alter table _stg add column _row_hash text"))
    cur.execute(
        sql.SQL("update _stg s set _row_hash = md5(row({cols})::text)").format(
            cols=sql.SQL(", ").join(sql.SQL("s.") + sql.Identifier(c) for c in cols)
        )
    )
    cur.execute(sql.SQL("analyze _stg"))
    return len(frame)


def merge(cur, feed: FeedSpec, delivery_date: dt.date, batch_id: str) -> None:
    if feed.mode == "snapshot":
        _merge_snapshot(cur, feed, delivery_date, batch_id)
    else:
        _merge_versions(cur, feed, delivery_date, batch_id)


def _fmt(feed: FeedSpec, **extra) -> dict:
    cols = [c.name for c in feed.data_columns]
    key = list(feed.key)
    return {
        "hist": _qual(*feed.history_table),
        "cols": _ids(cols),
        "key": _ids(key),
        "vkey": _ids([*key, "_valid_from"]),
        "set_cols": sql.SQL(", ").join(
            sql.SQL("{c} = excluded.{c}").format(c=sql.Identifier(c)) for c in cols
        ),
        "key_join_h_a": sql.SQL(" and ").join(
            sql.SQL("h.{k} = a.{k}").format(k=sql.Identifier(k)) for k in key
        ),
        "key_join_h_s": sql.SQL(" and ").join(
            sql.SQL("h.{k} = s.{k}").format(k=sql.Identifier(k)) for k in key
        ),
        "key_join_s_e": sql.SQL(" and ").join(
            sql.SQL("s.{k} = e.{k}").format(k=sql.Identifier(k)) for k in key
        ),
        "key_join_c_e": sql.SQL(" and ").join(
            sql.SQL("c.{k} = e.{k}").format(k=sql.Identifier(k)) for k in key
        ),
        "key_join_h_c": sql.SQL(" and ").join(
            sql.SQL("h.{k} = c.{k}").format(k=sql.Identifier(k)) for k in key
        ),
        "key_join_h_v": sql.SQL(" and ").join(
            sql.SQL("h.{k} = v.{k}").format(k=sql.Identifier(k)) for k in key
        ),
        "e_cols": sql.SQL(", ").join(sql.SQL("e.") + sql.Identifier(c) for c in cols),
        "s_cols": sql.SQL(", ").join(sql.SQL("s.") + sql.Identifier(c) for c in cols),
        "_key_names": key,
        **extra,
    }


def _merge_versions(cur, feed: FeedSpec, d: dt.date, batch_id: str) -> None:
    f = _fmt(feed)
    p = {"d": d, "batch": batch_id}
    # Keys touched: this delivery's, and whatever an earlier load of the same date wrote.
    cur.execute(sql.SQL(
        "create temp table _aff on commit drop as "
        "select {key} from _stg union select {key} from {hist} where _delivery_date = %(d)s"
    ).format(**f), p)
    cur.execute(sql.SQL(
        "delete from {hist} h where h._delivery_date = %(d)s and not exists "
        "(select 1 from _stg s where {key_join_h_s} and h._valid_from = s._valid_from)"
    ).format(**f), p)
    # The latest delivery of a version wins, whatever order dates are (re)loaded in.
    cur.execute(sql.SQL(
        "insert into {hist} as h ({cols}, _valid_from, _deleted, _row_hash, _batch_id, _delivery_date) "
        "select {cols}, _valid_from, _deleted, _row_hash, %(batch)s, %(d)s from _stg "
        "on conflict ({vkey}) do update set {set_cols}, _deleted = excluded._deleted, "
        "_row_hash = excluded._row_hash, _batch_id = excluded._batch_id, _delivery_date = excluded._delivery_date "
        "where excluded._delivery_date > h._delivery_date or (excluded._delivery_date = h._delivery_date and "
        "(h._row_hash, h._deleted, h._batch_id) is distinct from (excluded._row_hash, excluded._deleted, excluded._batch_id))"
    ).format(**f), p)
    _recompute_valid_to(cur, f)


def _merge_snapshot(cur, feed: FeedSpec, d: dt.date, batch_id: str) -> None:
    f = _fmt(feed)
    p = {"d": d, "batch": batch_id, "feed": feed.id}
    # What was in effect at d before this load (one row per key).
    cur.execute(sql.SQL(
        "create temp table _eff on commit drop as select distinct on ({key}) {cols}, _valid_from, "
        "_deleted, _row_hash from {hist} where _valid_from <= %(d)s order by {key}, _valid_from desc"
    ).format(**f), p)
    # Changes at d: new or different rows, and tombstones for keys missing from the snapshot.
    cur.execute(sql.SQL(
        "create temp table _chg on commit drop as "
        "select {s_cols}, false as _deleted, s._row_hash from _stg s left join _eff e on {key_join_s_e} "
        "where e._valid_from is null or e._deleted or e._row_hash <> s._row_hash "
        "union all "
        "select {e_cols}, true, e._row_hash from _eff e where not e._deleted "
        "and not exists (select 1 from _stg s where {key_join_s_e})"
    ).format(**f), p)
    cur.execute(sql.SQL(
        "select min(delivery_date), min(batch_id) filter (where delivery_date = "
        "(select min(delivery_date) from meta.feed_runs where feed_id = %(feed)s and status = 'LOADED' "
        "and delivery_date > %(d)s)) from meta.feed_runs where feed_id = %(feed)s and status = 'LOADED' "
        "and delivery_date > %(d)s"
    ), p)
    nxt, nxt_batch = cur.fetchone()
    if nxt is not None:
        # Re-state the next loaded snapshot's content for changed keys that had no version there.
        cur.execute(sql.SQL(
            "insert into {hist} ({cols}, _valid_from, _deleted, _row_hash, _batch_id, _delivery_date) "
            "select {e_cols}, %(n)s, coalesce(e._deleted, true), coalesce(e._row_hash, c._row_hash), %(nb)s, %(n)s "
            "from _chg c left join _eff e on {key_join_c_e} "
            "where not exists (select 1 from {hist} h where {key_join_h_c} "
            "and h._valid_from > %(d)s and h._valid_from <= %(n)s)"
        ).format(**{**f, "e_cols": sql.SQL(", ").join(
            sql.SQL("coalesce(e.{c}, c.{c})").format(c=sql.Identifier(c)) for c in [x.name for x in feed.data_columns]
        )}), {**p, "n": nxt, "nb": nxt_batch})
    cur.execute(sql.SQL(
        "insert into {hist} as h ({cols}, _valid_from, _deleted, _row_hash, _batch_id, _delivery_date) "
        "select {cols}, %(d)s, _deleted, _row_hash, %(batch)s, %(d)s from _chg "
        "on conflict ({vkey}) do update set {set_cols}, _deleted = excluded._deleted, "
        "_row_hash = excluded._row_hash, _batch_id = excluded._batch_id, _delivery_date = excluded._delivery_date"
    ).format(**f), p)
    cur.execute(sql.SQL("create temp table _aff on commit drop as select distinct {key} from _chg").format(**f))
    # Compact: drop versions equal to their predecessor and leading tombstones.
    cur.execute(sql.SQL(
        "with v as (select {hkey}, h._valid_from, h._deleted, h._row_hash, "
        "lag(h._deleted) over w as prev_deleted, lag(h._row_hash) over w as prev_hash, row_number() over w as rn "
        "from {hist} h join _aff a on {key_join_h_a} window w as (partition by {hkey} order by h._valid_from)) "
        "delete from {hist} h using v where {key_join_h_v} and h._valid_from = v._valid_from and "
        "((v.rn = 1 and v._deleted) or (v.rn > 1 and v._deleted and v.prev_deleted) or "
        "(v.rn > 1 and not v._deleted and not v.prev_deleted and v._row_hash = v.prev_hash))"
    ).format(**f, hkey=sql.SQL(", ").join(sql.SQL("h.") + sql.Identifier(k) for k in feed.key)), p)
    _recompute_valid_to(cur, f)


def _recompute_valid_to(cur, f: dict) -> None:
    cur.execute(sql.SQL(
        "with v as (select h.ctid as rid, h._valid_to, lead(h._valid_from) over "
        "(partition by {hkey} order by h._valid_from) as nxt from {hist} h join _aff a on {key_join_h_a}) "
        "update {hist} h set _valid_to = v.nxt from v where h.ctid = v.rid and h._valid_to is distinct from v.nxt"
    ).format(**f, hkey=sql.SQL(", ").join(sql.SQL("h.") + sql.Identifier(k) for k in _keys(f))))


def _keys(f: dict) -> list[str]:
    return f["_key_names"]
