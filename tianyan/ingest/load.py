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

Database extracts (transport database) are windows of the front-end table's changed_at, and which
window a date gets depends on the dates loaded before it (see ``pipeline.land_delivery``), so the
same version may come in two extracts. For them a version is never withdrawn by a later extract
(a row missing from a re-extract has changed since, it was not taken back), and a version belongs
to the EARLIEST business date that delivered it: whatever order dates are loaded in, a version's
``_delivery_date`` is the first loaded date on or after its changed_at, as in a run in date order.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

from tianyan.registry import FeedSpec
from tianyan.warehouse.ddl import SYSTEM_COLUMNS


def _ids(names) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _qual(schema: str, name: str) -> sql.Identifier:
    return sql.Identifier(schema, name)


def _aliased(alias: str, names) -> sql.Composed:
    """``alias.a, alias.b, ...``"""
    return sql.SQL(", ").join(sql.SQL(alias + ".") + sql.Identifier(n) for n in names)


def _key_join(a: str, b: str, key) -> sql.Composed:
    return sql.SQL(" and ").join(sql.SQL(f"{a}.{{k}} = {b}.{{k}}").format(k=sql.Identifier(k)) for k in key)


def _system(**values: str | sql.Composable) -> dict:
    """The system columns an insert writes and their values, in the order of ``ddl.SYSTEM_COLUMNS`` (the
    one list): ``{sys_cols}``, ``{sys_vals}`` and, for ON CONFLICT, ``{sys_update}`` (all but _valid_from)."""
    unknown = set(values) - {c.name for c in SYSTEM_COLUMNS}
    if unknown:
        raise ValueError(f"not system columns: {sorted(unknown)}")
    names = [c.name for c in SYSTEM_COLUMNS if c.name in values]
    return {
        "sys_cols": _ids(names),
        "sys_vals": sql.SQL(", ").join(v if isinstance(v, sql.Composable) else sql.SQL(v)
                                       for v in (values[n] for n in names)),
        "sys_update": sql.SQL(", ").join(sql.SQL("{c} = excluded.{c}").format(c=sql.Identifier(n))
                                         for n in names if n != "_valid_from"),
    }


def from_extract(feed: FeedSpec) -> bool:
    """A database feed: each delivery is an extract of the front-end table (see the module docstring)."""
    return feed.delivery.transport == "database"


def versions_at_changed_at(feed: FeedSpec) -> bool:
    """Delta feeds, and append feeds that carry changed_at (front-end database extracts), version rows
    by the time they changed, so overlapping extracts and redeliveries collapse onto one version."""
    return feed.mode != "snapshot" and "changed_at" in feed.column_names


def version_key(feed: FeedSpec) -> list[str]:
    """The columns that name one version in the history table (besides its validity): the feed key, plus
    changed_at where versions are valid from it. Two delivered rows with the same version key clash."""
    return [*feed.key, "changed_at"] if versions_at_changed_at(feed) else list(feed.key)


# Session settings for the load transaction (``set local``: they end with it). Sorting the staged
# rows by key (ordered B-tree appends, the valid_to window, the new-key anti-join) wants more than the
# 4MB default; a few hundred MB per loading connection is fine on the warehouse host. Durability
# settings (synchronous_commit, unlogged tables) are deliberately NOT touched: one load is one
# transaction with one commit, so an asynchronous commit would save ~nothing while risking that a
# crash loses a delivery that meta.feed_runs / Airflow already report as loaded.
LOAD_WORK_MEM = "256MB"


def _row_hash(cols, alias: str = "s") -> sql.Composed:
    """The 64-bit hash of the typed row, as text (migration 0019 recomputed stored hashes with it).

    hash_record_extended hashes the values without rendering the row as text: ~5x cheaper than the
    md5 of the row's text it replaced, which was most of a first load's merge CPU (bench/)."""
    return sql.SQL("hash_record_extended(row({}), 0)::text").format(
        sql.SQL(", ").join(sql.SQL(alias + ".") + sql.Identifier(c) for c in cols)
    )


def _text_array(values) -> pa.Array:
    """Object/None (or any pandas) column -> Arrow string array without an object-frame round trip."""
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.ArrowDtype):
            return pa.array(values).cast(pa.string())
        values = values.to_numpy(dtype=object, na_value=None) if values.dtype != object else values.to_numpy()
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None or v != v else str(v) for v in values], type=pa.string())


def stage(cur, feed: FeedSpec, good: pd.DataFrame, delivery_date: dt.date) -> int:
    """COPY the good rows into a temporary staging table ``_stg`` (dropped at commit).

    The row hash is not stored here: the merge computes it while inserting (an UPDATE of the staging
    table would rewrite every row)."""
    hist = _qual(*feed.history_table)
    cols = [c.name for c in feed.data_columns]
    cur.execute(sql.SQL("set local work_mem = {}").format(sql.Literal(LOAD_WORK_MEM)))
    cur.execute(sql.SQL("drop table if exists _stg"))
    cur.execute(
        sql.SQL(
            "create temp table _stg on commit drop as select {cols}, _valid_from, _deleted from {hist} with no data"
        ).format(cols=_ids(cols), hist=hist)
    )
    n = len(good)
    arrays = {c: _text_array(good[c]) for c in cols}
    # A system value that is the same for every row is the column's default rather than a CSV field:
    # fewer bytes to write and to parse (the delivery date of an append/snapshot row, _deleted false).
    defaults = {"_deleted": sql.Literal(False)}
    if versions_at_changed_at(feed):
        arrays["_valid_from"] = _text_array(good["changed_at"])
        if "op" in good.columns:
            deleted = (good["op"] == "D").fillna(False).to_numpy(dtype=bool)
            arrays["_deleted"] = pa.array(deleted).cast(pa.string())  # 'true' / 'false'
    else:
        defaults["_valid_from"] = sql.Literal(dt.datetime.combine(delivery_date, dt.time()))
    constant = [sql.SQL("alter column {} set default {}").format(sql.Identifier(c), v)
                for c, v in defaults.items() if c not in arrays]
    if constant:
        cur.execute(sql.SQL("alter table _stg {}").format(sql.SQL(", ").join(constant)))
    table = pa.table(arrays)
    if n > 1:
        # Rows in version-key order (Arrow compares strings by bytes: the code point order of a C or
        # C.UTF-8 database). Only a hint, whatever the order the merge is the same: a heap loaded in
        # index order lets PostgreSQL's sorts (the ordered insert, the _valid_to window, the index
        # builds of a bulk first load) end at their presorted check instead of a full sort.
        table = table.sort_by([(c, "ascending") for c in feed.version_key if c in arrays])
    sink = pa.BufferOutputStream()
    # Arrow writes CSV several times faster than pandas; COPY parses it server-side.
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False))
    copy_sql = sql.SQL("copy _stg ({cols}) from stdin (format csv)").format(cols=_ids(table.column_names))
    with cur.copy(copy_sql) as copy:
        buf = sink.getvalue()
        step = 8 << 20
        for i in range(0, buf.size, step):
            copy.write(memoryview(buf[i : i + step]))
    return n


def merge(cur, feed: FeedSpec, delivery_date: dt.date, batch_id: str) -> None:
    indexes = _suspend_indexes(cur, feed, delivery_date)
    if indexes is None:
        # Statistics for the joins with history; a bulk first load only scans _stg once.
        cur.execute(sql.SQL("analyze _stg"))
    if feed.mode == "snapshot":
        _merge_snapshot(cur, feed, delivery_date, batch_id, bulk=indexes is not None)
    else:
        _merge_versions(cur, feed, delivery_date, batch_id, bulk=indexes is not None)
    if indexes is not None:
        _restore_indexes(cur, indexes)


# A first load of at least this many rows into an EMPTY history table builds the table's indexes
# after the insert instead of maintaining them row by row (bench/: the insert of a 3M-row first load
# runs ~2x faster, with ~40% less WAL). With the staged rows in key order it also pays off on small
# first loads (stage + merge CPU: 10,000 rows 0.15 -> 0.09 s, 58,000 rows 0.35 -> 0.21 s); below
# this the saving is a few milliseconds, not worth the DDL and its exclusive lock.
BULK_FIRST_LOAD_ROWS = 10_000
# How long a first load waits for readers of the (empty) table before it loads the ordinary way.
BULK_LOCK_TIMEOUT = "5s"
# Memory for the index builds of a bulk first load (sorts of millions of keys stay in memory).
BULK_MAINTENANCE_WORK_MEM = "512MB"


def _suspend_indexes(cur, feed: FeedSpec, delivery_date: dt.date | None = None) -> list[sql.Composable] | None:
    """For a big first load into an empty history table: drop its primary key and indexes (in this
    transaction, under an ACCESS EXCLUSIVE lock that readers of the empty table wait on until commit)
    and return the statements that re-create them exactly; None = load the ordinary way.

    Standard PostgreSQL bulk-load practice ("Populating a Database": remove indexes, load, re-create):
    one sorted build per index instead of a B-tree insertion (and its WAL) per row and index. If a
    reader holds the table past BULK_LOCK_TIMEOUT the savepoint is rolled back and nothing changes."""
    hist = _qual(*feed.history_table)
    # Emptiness first: it reads one row, and daily loads (a non-empty table) stop here without
    # counting the staged rows.
    cur.execute(sql.SQL("select exists (select 1 from {hist})").format(hist=hist))
    if cur.fetchone()[0]:
        return None
    cur.execute("select count(*) from (select from _stg limit %s) s", (BULK_FIRST_LOAD_ROWS,))  # enough rows?
    if cur.fetchone()[0] < BULK_FIRST_LOAD_ROWS:
        return None
    if feed.mode == "snapshot" and delivery_date is not None:
        # A later snapshot recorded as loaded (with no rows left in history) needs re-stating and
        # _valid_to: the ordinary merge.
        cur.execute("select exists (select 1 from meta.feed_runs where feed_id = %s and status = 'LOADED' "
                    "and delivery_date > %s)", (feed.id, delivery_date))
        if cur.fetchone()[0]:
            return None
    cur.execute("savepoint bulk_first_load")
    try:
        cur.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(BULK_LOCK_TIMEOUT)))
        cur.execute(sql.SQL("lock table {hist} in access exclusive mode").format(hist=hist))
    except psycopg.errors.LockNotAvailable:
        cur.execute("rollback to savepoint bulk_first_load")
        return None
    cur.execute("set local lock_timeout = 0")
    cur.execute("release savepoint bulk_first_load")
    cur.execute(sql.SQL("select exists (select 1 from {hist})").format(hist=hist))  # loaded while we waited?
    if cur.fetchone()[0]:
        return None
    cur.execute(
        "select c.conname, pg_get_constraintdef(c.oid) from pg_constraint c "
        "where c.conrelid = %(t)s::regclass and c.contype in ('p', 'u') order by c.conname",
        {"t": ".".join(feed.history_table)},
    )
    constraints = cur.fetchall()
    cur.execute(
        "select i.relname, pg_get_indexdef(x.indexrelid) from pg_index x join pg_class i on i.oid = x.indexrelid "
        "where x.indrelid = %(t)s::regclass and not exists "
        "(select 1 from pg_constraint c where c.conindid = x.indexrelid) order by i.relname",
        {"t": ".".join(feed.history_table)},
    )
    indexes = cur.fetchall()
    restore: list[sql.Composable] = []
    schema = feed.history_table[0]
    for name, definition in constraints:
        cur.execute(sql.SQL("alter table {hist} drop constraint {c}").format(hist=hist, c=sql.Identifier(name)))
        restore.append(sql.SQL("alter table {hist} add constraint {c} {d}").format(
            hist=hist, c=sql.Identifier(name), d=sql.SQL(definition)))
    for name, definition in indexes:
        cur.execute(sql.SQL("drop index {i}").format(i=sql.Identifier(schema, name)))
        restore.append(sql.SQL(definition))
    return restore


def _restore_indexes(cur, statements: list[sql.Composable]) -> None:
    cur.execute(sql.SQL("set local maintenance_work_mem = {}").format(sql.Literal(BULK_MAINTENANCE_WORK_MEM)))
    for stmt in statements:
        cur.execute(stmt)


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
        **{f"key_join_{x}_{y}": _key_join(x, y, key) for x, y in ("ha", "hs", "se", "ce", "hc", "hv")},
        "hkey": _aliased("h", key),
        "e_cols": _aliased("e", cols),
        "s_cols": _aliased("s", cols),
        **extra,
    }


def _merge_versions(cur, feed: FeedSpec, d: dt.date, batch_id: str, *, bulk: bool = False) -> None:
    f = _fmt(feed)
    key = list(feed.key)
    cols = [c.name for c in feed.data_columns]
    p = {"d": d, "batch": batch_id}
    n_old = 0 if bulk else _old_keys(cur, f, key, p)  # bulk: empty history, no key had versions
    if n_old:
        cur.execute(sql.SQL("analyze _aff"))
    if n_old and not from_extract(feed):
        cur.execute(sql.SQL(
            "delete from {hist} h where h._delivery_date = %(d)s and not exists "
            "(select 1 from _stg s where {key_join_h_s} and h._valid_from = s._valid_from)"
        ).format(**f), p)
    new_only = sql.SQL("not exists (select 1 from _aff a where {j})").format(j=_key_join("a", "s", key)) if n_old \
        else sql.SQL("true")
    # New keys: a plain insert in key order (ordered B-tree appends, no conflict check). All their
    # versions come from this delivery, so _valid_to is final here: the next version's _valid_from.
    valid_to = (
        sql.SQL("lead(s._valid_from) over (partition by {sk} order by s._valid_from)").format(sk=_aliased("s", key))
        if versions_at_changed_at(feed) else sql.SQL("null::timestamp")
    )
    # (A bulk first load has no index to append to: the index builds sort on their own.)
    order = sql.SQL("") if bulk else sql.SQL(" order by {}").format(_aliased("s", [*key, "_valid_from"]))
    cur.execute(sql.SQL(
        "insert into {hist} ({cols}, {sys_cols}) select {s_cols}, {sys_vals} from _stg s where {new_only}{order}"
    ).format(**f, **_system(_valid_from="s._valid_from", _valid_to=valid_to, _deleted="s._deleted",
                            _row_hash=_row_hash(cols), _batch_id="%(batch)s", _delivery_date="%(d)s"),
             new_only=new_only, order=order), p)
    if not n_old:
        return
    # Keys that had versions: the latest delivery of a version wins (for extracts the earliest), whatever
    # order dates are (re)loaded in; a rerun of the same date replaces what it wrote.
    wins = sql.SQL("<") if from_extract(feed) else sql.SQL(">")
    cur.execute(sql.SQL(
        "insert into {hist} as h ({cols}, {sys_cols}) select {s_cols}, {sys_vals} from _stg s "
        "where exists (select 1 from _aff a where {j}) order by {s_vkey} "
        "on conflict ({vkey}) do update set {set_cols}, {sys_update} "
        "where excluded._delivery_date {wins} h._delivery_date or (excluded._delivery_date = h._delivery_date and "
        "(h._row_hash, h._deleted, h._batch_id) is distinct from (excluded._row_hash, excluded._deleted, excluded._batch_id))"
    ).format(**f, **_system(_valid_from="s._valid_from", _deleted="s._deleted", _row_hash=_row_hash(cols),
                            _batch_id="%(batch)s", _delivery_date="%(d)s"),
             j=_key_join("a", "s", key), wins=wins, s_vkey=_aliased("s", [*key, "_valid_from"])), p)
    _recompute_valid_to(cur, f)


def _old_keys(cur, f: dict, key: list[str], p: dict) -> int:
    """Build ``_aff``: keys of this delivery that already had versions, plus keys an earlier load of the
    same date wrote. Only these can conflict or change an existing _valid_to; every other staged key is
    new to the table and takes the fast path."""
    cur.execute(sql.SQL(
        "create temp table _aff on commit drop as "
        "select distinct {s_key} from _stg s where exists (select 1 from {hist} h where {key_join_h_s}) "
        "union select {key} from {hist} where _delivery_date = %(d)s"
    ).format(**f, s_key=_aliased("s", key)), p)
    cur.execute(sql.SQL("select count(*) from _aff"))
    return cur.fetchone()[0]


# The system values of a snapshot's changes at d (rows of _chg).
_SNAPSHOT_CHANGES = _system(_valid_from="%(d)s", _deleted="_deleted", _row_hash="_row_hash", _batch_id="%(batch)s",
                            _delivery_date="%(d)s")


def _merge_snapshot(cur, feed: FeedSpec, d: dt.date, batch_id: str, *, bulk: bool = False) -> None:
    f = _fmt(feed)
    cols = [c.name for c in feed.data_columns]
    p = {"d": d, "batch": batch_id, "feed": feed.id}
    cur.execute(sql.SQL(
        "select min(delivery_date), min(batch_id) filter (where delivery_date = "
        "(select min(delivery_date) from meta.feed_runs where feed_id = %(feed)s and status = 'LOADED' "
        "and delivery_date > %(d)s)) from meta.feed_runs where feed_id = %(feed)s and status = 'LOADED' "
        "and delivery_date > %(d)s"
    ), p)
    nxt, nxt_batch = cur.fetchone()
    # What was in effect at d before this load (one row per key).
    cur.execute(sql.SQL(
        "create temp table _eff on commit drop as select distinct on ({key}) {cols}, _valid_from, "
        "_deleted, _row_hash from {hist} where _valid_from <= %(d)s order by {key}, _valid_from desc"
    ).format(**f), p)
    # Changes at d: new or different rows, and tombstones for keys missing from the snapshot. _new marks
    # keys without any version in history (only when no later snapshot is loaded: then nothing needs
    # re-stating for them) -- they are inserted in key order without conflict check or compaction.
    new_key = sql.SQL(
        "e._valid_from is null and not exists (select 1 from {hist} h where {key_join_h_s})"
    ).format(**f) if nxt is None else sql.SQL("false")
    cur.execute(sql.SQL(
        "create temp table _chg on commit drop as "
        "select {s_cols}, false as _deleted, s._row_hash, {new_key} as _new from "
        "(select *, {hash} as _row_hash from _stg s) s left join _eff e on {key_join_s_e} "
        "where e._valid_from is null or e._deleted or e._row_hash <> s._row_hash "
        "union all "
        "select {e_cols}, true, e._row_hash, false from _eff e where not e._deleted "
        "and not exists (select 1 from _stg s where {key_join_s_e})"
    ).format(**f, hash=_row_hash(cols), new_key=new_key), p)
    if nxt is not None:
        # Re-state the next loaded snapshot's content for changed keys that had no version there.
        cur.execute(sql.SQL(
            "insert into {hist} ({cols}, {sys_cols}) select {e_cols}, {sys_vals} from _chg c left join _eff e on {key_join_c_e} "
            "where not exists (select 1 from {hist} h where {key_join_h_c} "
            "and h._valid_from > %(d)s and h._valid_from <= %(n)s)"
        ).format(**{**f, "e_cols": sql.SQL(", ").join(
            sql.SQL("coalesce(e.{c}, c.{c})").format(c=sql.Identifier(c)) for c in cols
        )}, **_system(_valid_from="%(n)s", _deleted="coalesce(e._deleted, true)",
                      _row_hash="coalesce(e._row_hash, c._row_hash)", _batch_id="%(nb)s", _delivery_date="%(n)s")),
            {**p, "n": nxt, "nb": nxt_batch})
    else:
        cur.execute(sql.SQL(
            "insert into {hist} ({cols}, {sys_cols}) select {cols}, {sys_vals} from _chg where _new{order}"
        ).format(**f, **_SNAPSHOT_CHANGES, order=sql.SQL("") if bulk else sql.SQL(" order by {key}").format(**f)), p)
    if bulk:
        # The history was empty: every row was new (no tombstones, nothing to re-state or compact),
        # and ON CONFLICT could not even be planned without the primary key.
        return
    cur.execute(sql.SQL(
        "insert into {hist} as h ({cols}, {sys_cols}) select {cols}, {sys_vals} from _chg where not _new "
        "order by {key} on conflict ({vkey}) do update set {set_cols}, {sys_update}"
    ).format(**f, **_SNAPSHOT_CHANGES), p)
    cur.execute(sql.SQL(
        "create temp table _aff on commit drop as select distinct {key} from _chg where not _new"
    ).format(**f))
    cur.execute(sql.SQL("select exists (select 1 from _aff)"))
    if not cur.fetchone()[0]:
        return
    cur.execute(sql.SQL("analyze _aff"))
    # Compact: drop versions equal to their predecessor and leading tombstones.
    cur.execute(sql.SQL(
        "with v as (select {hkey}, h._valid_from, h._deleted, h._row_hash, "
        "lag(h._deleted) over w as prev_deleted, lag(h._row_hash) over w as prev_hash, row_number() over w as rn "
        "from {hist} h join _aff a on {key_join_h_a} window w as (partition by {hkey} order by h._valid_from)) "
        "delete from {hist} h using v where {key_join_h_v} and h._valid_from = v._valid_from and "
        "((v.rn = 1 and v._deleted) or (v.rn > 1 and v._deleted and v.prev_deleted) or "
        "(v.rn > 1 and not v._deleted and not v.prev_deleted and v._row_hash = v.prev_hash))"
    ).format(**f), p)
    _recompute_valid_to(cur, f)


def _recompute_valid_to(cur, f: dict) -> None:
    cur.execute(sql.SQL(
        "with v as (select h.ctid as rid, h._valid_to, lead(h._valid_from) over "
        "(partition by {hkey} order by h._valid_from) as nxt from {hist} h join _aff a on {key_join_h_a}) "
        "update {hist} h set _valid_to = v.nxt from v where h.ctid = v.rid and h._valid_to is distinct from v.nxt"
    ).format(**f))
