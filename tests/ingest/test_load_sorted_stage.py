"""load.stage sorts the staged rows by version key, a hint for PostgreSQL's sorts and for the index
builds of a bulk first load. The history written must not depend on the order rows were delivered in,
on either path of a first load (ordinary, bulk), and a redelivery in another order adds no version."""

import datetime as dt
import random

import psycopg
import pytest
from history_lib import assert_history_invariants, load_rows, normalised

from tianyan.ingest import load
from tianyan.registry import load_feeds
from tianyan.warehouse.conn import psycopg_dsn

D1, D2 = dt.date(2026, 11, 1), dt.date(2026, 11, 2)
DEP = "provident_fund.deposits"  # append, three-column text key
VEH = "public_security.vehicle_registrations"  # delta, versions at changed_at
UNIT = "organization.public_units"  # snapshot
PID = "320102198001010011"


def _veh(plate, price, at, op="U"):
    return [op, plate, "PERSON", PID, "SMALL_CAR", price, "2025-01-01", "ACTIVE", None, at]


# Keys mixing ASCII and CJK plates (byte order != order of first letters), several versions per key.
PLATES = ["苏A1", "苏A10", "苏A2", "京B7", "沪C3", "A0", "Z9"]
DELIVERIES = {
    VEH: {
        D1: [_veh(p, str(100 + i * 10 + v), f"2026-11-01 0{v + 1}:00:00") for i, p in enumerate(PLATES) for v in range(3)],
        D2: [_veh("苏A1", "999", "2026-11-02 09:00:00"), _veh("京B7", "109", "2026-11-02 10:00:00", "D"),
             _veh("新Q5", "5", "2026-11-02 08:00:00"), _veh("A0", "102", "2026-11-01 03:00:00")],  # last: a repeat
    },
    DEP: {
        D1: [[PID, f"9132010000000{u:04d}X", f"2026-{m:02d}", f"{u * 10 + m}.50"] for u in (3, 1, 20, 2) for m in (10, 1, 9)],
        D2: [[PID, "91320100000000001X", "2026-01", "11.50"], [PID, "91320100000000001X", "2026-11", "7.00"],
             [PID, "91320100000000099X", "2026-10", "1.00"]],
    },
}


def _state(url, feed_id):
    feed = load_feeds()[feed_id]
    schema, table = feed.history_table
    cols = ", ".join([c.name for c in feed.data_columns]
                     + ["_valid_from", "_valid_to", "_deleted", "_row_hash", "_batch_id", "_delivery_date"])
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute(f"select {cols} from {schema}.{table} order by {cols}").fetchall()


def _physical_keys(cur, relation, feed):
    cur.execute(f"select {', '.join(feed.version_key)} from {relation} order by ctid")
    return cur.fetchall()


def _reset(url):
    with psycopg.connect(psycopg_dsn(url)) as conn:
        conn.execute("truncate provident_fund.deposits__history, public_security.vehicle_registrations__history,"
                     " organization.public_units__history, meta.feed_runs")


@pytest.mark.parametrize("feed_id", [VEH, DEP])
def test_staged_rows_are_in_version_key_order(warehouse_url, feed_id):
    _reset(warehouse_url)
    rows = list(DELIVERIES[feed_id][D1])
    random.Random(3).shuffle(rows)
    feed, norm = normalised(feed_id, rows)
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn, conn.cursor() as cur:
        load.stage(cur, feed, norm, D1)
        staged = _physical_keys(cur, "_stg", feed)
        assert len(staged) == len(rows)
        # Python compares str by code point, as Arrow compares UTF-8 bytes.
        assert staged == sorted(staged, key=lambda r: tuple(str(v) for v in r))
        conn.rollback()


@pytest.mark.parametrize("feed_id", [VEH, DEP])
def test_first_load_does_not_depend_on_row_order_on_either_path(warehouse_url, monkeypatch, feed_id):
    deliveries = DELIVERIES[feed_id]
    feed = load_feeds()[feed_id]
    rebuilt = []
    restore = load._restore_indexes
    monkeypatch.setattr(load, "_restore_indexes", lambda cur, stmts: (rebuilt.append(len(stmts)), restore(cur, stmts)))
    orders = {"as delivered": lambda r: list(r), "reversed": lambda r: r[::-1],
              "shuffled": lambda r: random.Random(7).sample(r, len(r))}
    states = {}
    for path, threshold in (("ordinary", 10**9), ("bulk", 1)):
        monkeypatch.setattr(load, "BULK_FIRST_LOAD_ROWS", threshold)
        for name, order in orders.items():
            _reset(warehouse_url)
            load_rows(warehouse_url, feed_id, D1, order(deliveries[D1]))
            assert_history_invariants(warehouse_url, feed_id)
            first = _state(warehouse_url, feed_id)
            if path == "bulk":  # the heap came out in version-key order: the index builds saw sorted input
                schema, table = feed.history_table
                with psycopg.connect(psycopg_dsn(warehouse_url)) as conn, conn.cursor() as cur:
                    heap = _physical_keys(cur, f"{schema}.{table}", feed)
                assert heap == sorted(heap, key=lambda r: tuple(str(v) for v in r))
            # The same date redelivered in another order: no version added, nothing changed.
            load_rows(warehouse_url, feed_id, D1, order(deliveries[D1])[::-1])
            assert _state(warehouse_url, feed_id) == first
            load_rows(warehouse_url, feed_id, D2, order(deliveries[D2]))
            assert_history_invariants(warehouse_url, feed_id)
            states[path, name] = (first, _state(warehouse_url, feed_id))
    assert len(rebuilt) == len(orders)  # only the first load of each bulk round dropped and rebuilt indexes
    reference = states["ordinary", "as delivered"]
    assert all(s == reference for s in states.values())
    first, after = reference
    assert len(first) == len(deliveries[D1]) and len(after) > len(first)


def test_snapshot_before_a_later_loaded_snapshot_takes_the_ordinary_path(warehouse_url, monkeypatch):
    """An empty history table, but a later snapshot recorded as loaded: the first load must re-state it
    (tombstones at that date) and set _valid_to, which only the ordinary merge does."""
    rows = [[f"U{i}", f"Unit {i}", None, "GOVERNMENT", "320102000000"] for i in range(12, 0, -1)]
    states = []
    for threshold in (10**9, 1):
        monkeypatch.setattr(load, "BULK_FIRST_LOAD_ROWS", threshold)
        _reset(warehouse_url)
        with psycopg.connect(psycopg_dsn(warehouse_url)) as conn:
            conn.execute("insert into meta.feed_runs (feed_id, delivery_date, batch_id, status, delivered, loaded) "
                         "values (%s, %s, 'later', 'LOADED', 0, 0)", (UNIT, D2))
        load_rows(warehouse_url, UNIT, D1, rows)
        assert_history_invariants(warehouse_url, UNIT)
        states.append(_state(warehouse_url, UNIT))
    assert states[0] == states[1]
    assert len(states[0]) == 2 * len(rows)  # each unit at D1, and its tombstone at D2
