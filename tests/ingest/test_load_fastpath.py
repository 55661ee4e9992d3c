"""Fast paths of the merge (keys new to history; row hash computed while inserting) keep the semantics:
the state is still a function of the set of deliveries, _valid_to is the next version's _valid_from and
_row_hash is the hash of the typed row (migration 0019), whichever path a key took."""

import datetime as dt
import itertools

import pandas as pd
import psycopg
import pytest
from history_lib import assert_history_invariants, load_rows

from tianyan.ingest import load
from tianyan.ingest.normalise import normalise
from tianyan.registry import load_feeds
from tianyan.warehouse.conn import psycopg_dsn

D1, D2, D3 = dt.date(2026, 11, 1), dt.date(2026, 11, 2), dt.date(2026, 11, 3)
VEH = "public_security.vehicle_registrations"  # delta, versions at changed_at
DEATH = "health.death_certificates"  # append
UNIT = "organization.public_units"  # snapshot


def _state(url, feed_id):
    feed = load_feeds()[feed_id]
    schema, table = feed.history_table
    cols = ", ".join([c.name for c in feed.data_columns]
                     + ["_valid_from", "_valid_to", "_deleted", "_row_hash", "_batch_id", "_delivery_date"])
    with psycopg.connect(psycopg_dsn(url)) as conn:
        cur = conn.execute(f"select {cols} from {schema}.{table} order by {cols}")
        names = [d.name for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _reset(url):
    with psycopg.connect(psycopg_dsn(url)) as conn:
        conn.execute("truncate organization.public_units__history, public_security.vehicle_registrations__history,"
                     " health.death_certificates__history, meta.feed_runs")


def _veh(op, plate, price, at):
    return [op, plate, "PERSON", "320102198001010011", "SMALL_CAR", price, "2025-01-01", "ACTIVE", None, at]


# D1: A1, A2 new. D2: A1 again (old key) and A3 new with three versions in one delivery (fast path
# must chain its _valid_to itself). D3: A3 deleted (old key), A4 new.
VEH_DELIVERIES = {
    D1: [_veh("U", "苏A1", "90000", "2026-11-01 09:00:00"), _veh("U", "苏A2", "10000", "2026-11-01 09:00:00")],
    D2: [_veh("U", "苏A1", "95000", "2026-11-02 10:00:00"), _veh("U", "苏A3", "1", "2026-11-02 08:00:00"),
         _veh("U", "苏A3", "2", "2026-11-02 09:00:00"), _veh("U", "苏A3", "3", "2026-11-02 10:00:00")],
    D3: [_veh("D", "苏A3", "3", "2026-11-03 11:00:00"), _veh("U", "苏A4", "7", "2026-11-03 07:00:00")],
}


def test_delta_new_keys_with_several_versions_in_one_delivery(warehouse_url):
    states = []
    for order in [*itertools.permutations([D1, D2, D3]), (D1, D2, D3, D2, D1)]:
        _reset(warehouse_url)
        for d in order:
            load_rows(warehouse_url, VEH, d, VEH_DELIVERIES[d])
            assert_history_invariants(warehouse_url, VEH)
        states.append(_state(warehouse_url, VEH))
    assert all(s == states[0] for s in states)
    a3 = [(r["purchase_price"], r["_valid_from"], r["_valid_to"], r["_deleted"]) for r in states[0]
          if r["plate_no"] == "苏A3"]
    assert [(float(p), f.hour, t.hour if t else None, dl) for p, f, t, dl in a3] == [
        (1.0, 8, 9, False), (2.0, 9, 10, False), (3.0, 10, 11, False), (3.0, 11, None, True)]


def test_append_first_load_then_rerun_is_a_no_op(warehouse_url):
    _reset(warehouse_url)
    pid = "320102198001010011"
    rows = [[f"C{i}", pid, "2026-10-01", "HOME", None] for i in range(50, 0, -1)]  # reverse key order
    load_rows(warehouse_url, DEATH, D1, rows)
    first = _state(warehouse_url, DEATH)
    assert len(first) == 50 and all(r["_valid_to"] is None for r in first)  # _valid_to of new keys: null
    assert_history_invariants(warehouse_url, DEATH)
    load_rows(warehouse_url, DEATH, D1, rows)
    assert _state(warehouse_url, DEATH) == first
    # A later delivery mixing a redelivered (old) key and a new key.
    load_rows(warehouse_url, DEATH, D2, [["C1", pid, "2026-10-02", "HOSPITAL", "I21"], ["C99", pid, "2026-10-02", "HOME", None]])
    assert_history_invariants(warehouse_url, DEATH)
    after = _state(warehouse_url, DEATH)
    assert len(after) == 52
    c1 = [r for r in after if r["certificate_id"] == "C1"]
    assert [(r["_valid_from"].date(), r["_valid_to"] and r["_valid_to"].date()) for r in c1] == [(D1, D2), (D2, None)]
    # Out of order gives the same state.
    _reset(warehouse_url)
    load_rows(warehouse_url, DEATH, D2, [["C1", pid, "2026-10-02", "HOSPITAL", "I21"], ["C99", pid, "2026-10-02", "HOME", None]])
    load_rows(warehouse_url, DEATH, D1, rows)
    assert _state(warehouse_url, DEATH) == after


SNAPSHOTS = {
    D1: [["U1", "Bureau A", None, "GOVERNMENT", "320102000000"], ["U2", "Office B", None, "PARTY", "320102000000"]],
    D2: [["U1", "Bureau A renamed", None, "GOVERNMENT", "320102000000"],
         ["U3", "Village C", None, "VILLAGE_COMMITTEE", "320102001001"]],
    D3: [["U1", "Bureau A", None, "GOVERNMENT", "320102000000"], ["U2", "Office B", None, "PARTY", "320102000000"],
         ["U4", "Office D", None, "PARTY", "320102000000"]],
}


@pytest.mark.parametrize("order", [(D3, D2, D1), (D2, D1, D3), (D1, D3, D2, D3)])
def test_snapshot_new_keys_fast_path_matches_in_order_load(warehouse_url, order):
    _reset(warehouse_url)
    for d in (D1, D2, D3):
        load_rows(warehouse_url, UNIT, d, SNAPSHOTS[d])
        assert_history_invariants(warehouse_url, UNIT)
    expected = _state(warehouse_url, UNIT)
    _reset(warehouse_url)
    for d in order:
        load_rows(warehouse_url, UNIT, d, SNAPSHOTS[d])
        assert_history_invariants(warehouse_url, UNIT)
    assert _state(warehouse_url, UNIT) == expected
    u4 = [r for r in expected if r["unit_code"] == "U4"]  # new on D3 only: one version, open-ended
    assert [(r["_valid_from"].date(), r["_valid_to"], r["_deleted"]) for r in u4] == [(D3, None, False)]


def test_stage_takes_pandas_string_columns_and_leaves_no_hash_column(warehouse_url):
    _reset(warehouse_url)
    feed = load_feeds()[DEATH]
    frame = pd.DataFrame({"certificate_id": ["C1", "C2"], "id_no": ["320102198001010011", None],
                          "death_date": ["2026-10-01", "2026-10-02"], "place": ["HOME", "HOSPITAL"],
                          "cause_code": pd.Series([None, "I21"], dtype="string")})
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn, conn.cursor() as cur:
        assert load.stage(cur, feed, frame, D1) == 2
        cur.execute("select certificate_id, id_no, cause_code, _valid_from, _deleted from _stg order by 1")
        assert cur.fetchall() == [("C1", "320102198001010011", None, dt.datetime(2026, 11, 1), False),
                                  ("C2", None, "I21", dt.datetime(2026, 11, 1), False)]
        cur.execute("select count(*) from pg_attribute where attrelid = '_stg'::regclass and attname = '_row_hash'")
        assert cur.fetchone()[0] == 0
        load.merge(cur, feed, D1, "b1")
    assert_history_invariants(warehouse_url, DEATH)


# ---- normalise: the Arrow fast path gives exactly what the per-value reference (_column) gives ----

TRICKY = [None, "", "  ", "\u3000", " 12 ", "+1,234.50", "-.5", "+.5", "5.", "1.2.3", ".", "abc", "１２３", "7.000", "007",
          "2026-02-29", "2024-02-29", "2024-02-30", "1900-02-29", "2026/09/05", "20261005",
          "2026.10.05", "2026-1-5", "2026-09-05 10:11:12", "2026-09-05 24:00:00", "2026-09-05T10:11:12",
          "２０２６-０９-０５", "202609", "2026/10", "2026-11", "true", "Yes", "是", "否", " n ", "PERSON",
          "110105491231002", "11010519491231002x", "110105 19491231 002X", "１１０１０５４９１２３１００２",
          "\x1c110105491231002\x1f", "a\x0bb", "\t9132 0100 ABCD 1234 5X\n", "ß", "ﬁ", "Ǆ", "abc\n"]


def test_normalise_fast_path_equals_reference_on_tricky_values():
    from tianyan.ingest import normalise as nm

    for feed_id in ("civil_affairs.assistance_payments", "public_security.vehicle_registrations",
                    "taxation.individual_income", "public_security.household_registration",
                    "market_regulation.enterprises", "human_resources.pension_payments"):
        feed = load_feeds()[feed_id]
        n = len(TRICKY)
        raw = pd.DataFrame({c: pd.Series([TRICKY[(i + j) % n] for i in range(n)], dtype=object)
                            for j, c in enumerate(feed.column_names)})
        if "owner_kind" in raw.columns:
            raw["owner_kind"] = ["PERSON", "COMPANY", None, "person"] * (n // 4) + ["PERSON"] * (n % 4)
        norm, fails = normalise(feed, raw)
        ref = {}
        for col in sorted(feed.columns, key=lambda c: c.kind_column is not None):
            kind = ref.get(col.kind_column) if col.kind_column else None
            ref[col.name] = nm._column(col, raw[col.name], kind)
        for col in feed.columns:
            expect = ref[col.name].astype(object).where(ref[col.name].notna(), None).tolist()
            assert norm[col.name].tolist() == expect, (feed_id, col.name)
            had = nm._blank_to_none(raw[col.name]).notna()
            lost = sorted(raw.index[had & ref[col.name].isna()].tolist())
            assert sorted(fails.loc[fails["column"] == col.name, "row"].tolist()) == lost, (feed_id, col.name)
        assert all(v is None or type(v) is str for v in norm.to_numpy().ravel())


# ---- bulk first load: an empty history table gets its indexes built after the insert ----


def _indexes(url, feed_id):
    schema, table = load_feeds()[feed_id].history_table
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute("select indexname, indexdef from pg_indexes where schemaname = %s and tablename = %s"
                            " order by 1", (schema, table)).fetchall()


@pytest.mark.parametrize("feed_id, deliveries", [(VEH, VEH_DELIVERIES), (UNIT, SNAPSHOTS)])
def test_bulk_first_load_gives_the_same_state_and_indexes(warehouse_url, monkeypatch, feed_id, deliveries):
    before = _indexes(warehouse_url, feed_id)
    assert any(name.endswith("_pkey") for name, _ in before) and len(before) >= 3
    states, rebuilt = [], []
    restore = load._restore_indexes
    monkeypatch.setattr(load, "_restore_indexes", lambda cur, stmts: (rebuilt.append(len(stmts)), restore(cur, stmts)))
    for threshold in (10**9, 1):  # ordinary path, then bulk path for the first load
        monkeypatch.setattr(load, "BULK_FIRST_LOAD_ROWS", threshold)
        _reset(warehouse_url)
        for d, rows in sorted(deliveries.items()):
            load_rows(warehouse_url, feed_id, d, rows)
            assert_history_invariants(warehouse_url, feed_id)
        states.append(_state(warehouse_url, feed_id))
        assert _indexes(warehouse_url, feed_id) == before  # same names, same definitions
    assert states[0] == states[1]
    assert rebuilt == [len(before)]  # only the first load of the second round took the bulk path


def test_bulk_first_load_only_when_the_table_is_empty_and_big_enough(warehouse_url, monkeypatch):
    _reset(warehouse_url)
    feed = load_feeds()[DEATH]
    pid = "320102198001010011"
    rows = [[f"C{i}", pid, "2026-10-01", "HOME", None] for i in range(10)]
    norm, _ = normalise(feed, pd.DataFrame(rows, columns=feed.column_names, dtype=object))
    monkeypatch.setattr(load, "BULK_FIRST_LOAD_ROWS", 11)
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn, conn.cursor() as cur:
        load.stage(cur, feed, norm, D1)
        assert load._suspend_indexes(cur, feed) is None  # 10 rows < 11
        conn.rollback()
    monkeypatch.setattr(load, "BULK_FIRST_LOAD_ROWS", 1)
    load_rows(warehouse_url, DEATH, D1, rows)
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn, conn.cursor() as cur:
        load.stage(cur, feed, norm, D2)
        assert load._suspend_indexes(cur, feed) is None  # the table has rows now
        conn.rollback()


def test_bulk_first_load_yields_to_a_reader_and_loads_the_ordinary_way(warehouse_url, monkeypatch):
    _reset(warehouse_url)
    monkeypatch.setattr(load, "BULK_FIRST_LOAD_ROWS", 1)
    monkeypatch.setattr(load, "BULK_LOCK_TIMEOUT", "200ms")
    schema, table = load_feeds()[UNIT].history_table
    with psycopg.connect(psycopg_dsn(warehouse_url)) as reader:
        reader.execute(f"select count(*) from {schema}.{table}").fetchone()  # holds ACCESS SHARE until rollback
        load_rows(warehouse_url, UNIT, D1, SNAPSHOTS[D1])
        reader.rollback()
    assert_history_invariants(warehouse_url, UNIT)
    assert [r["unit_code"] for r in _state(warehouse_url, UNIT)] == ["U1", "U2"]
