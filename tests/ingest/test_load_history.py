"""History-keeping merge: the state is a function of the set of deliveries, not of their order."""

import datetime as dt
import itertools

import psycopg
import pytest
from history_lib import load_rows

from tianyan.registry import load_feeds
from tianyan.warehouse.conn import psycopg_dsn

D1, D2, D3 = dt.date(2026, 11, 1), dt.date(2026, 11, 2), dt.date(2026, 11, 3)


def _state(url, feed_id):
    feed = load_feeds()[feed_id]
    schema, table = feed.history_table
    cols = ", ".join([*feed.key, "_valid_from", "_valid_to", "_deleted", "_row_hash", "_batch_id"])
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute(f"select {cols} from {schema}.{table} order by {cols}").fetchall()


def _at(url, feed_id, d):
    feed = load_feeds()[feed_id]
    schema, table = feed.history_table
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute(
            f"select {', '.join(feed.key)}, name from {schema}.{table} where _valid_from <= %s "
            "and (_valid_to is null or _valid_to > %s) and not _deleted order by 1", (d, d)).fetchall()


def _reset(url):
    with psycopg.connect(psycopg_dsn(url)) as conn:
        conn.execute("truncate organization.public_units__history, public_security.vehicle_registrations__history,"
                     " health.death_certificates__history, meta.feed_runs")


UNIT = "organization.public_units"
SNAPSHOTS = {
    D1: [["U1", "Bureau A", None, "GOVERNMENT", "320102000000"], ["U2", "Office B", None, "PARTY", "320102000000"]],
    D2: [["U1", "Bureau A renamed", None, "GOVERNMENT", "320102000000"],
         ["U3", "Village C", None, "VILLAGE_COMMITTEE", "320102001001"]],
    D3: [["U1", "Bureau A", None, "GOVERNMENT", "320102000000"], ["U2", "Office B", None, "PARTY", "320102000000"],
         ["U3", "Village C", None, "VILLAGE_COMMITTEE", "320102001001"]],
}


@pytest.mark.parametrize("order", [(D1, D2, D3), (D3, D1, D2), (D2, D3, D1), (D1, D3, D2), (D1, D2, D3, D2, D1)])
def test_snapshot_history_is_order_independent(warehouse_url, order):
    _reset(warehouse_url)
    for d in (D1, D2, D3):
        load_rows(warehouse_url, UNIT, d, SNAPSHOTS[d])
    expected = _state(warehouse_url, UNIT)
    _reset(warehouse_url)
    for d in order:
        load_rows(warehouse_url, UNIT, d, SNAPSHOTS[d])
    assert _state(warehouse_url, UNIT) == expected
    # What was true on each date is exactly that date's snapshot.
    for d in (D1, D2, D3):
        assert [(k, n) for k, n in _at(warehouse_url, UNIT, d)] == sorted((r[0], r[1]) for r in SNAPSHOTS[d])


def test_snapshot_keeps_history_and_tombstones(warehouse_url):
    _reset(warehouse_url)
    for d in (D1, D2):
        load_rows(warehouse_url, UNIT, d, SNAPSHOTS[d])
    rows = _state(warehouse_url, UNIT)
    u2 = [r for r in rows if r[0] == "U2"]
    assert [(r[1].date(), r[3]) for r in u2] == [(D1, False), (D2, True)]  # removed from the register on D2
    assert all(r[2] is None for r in rows if r[1].date() == D2)


VEH = "public_security.vehicle_registrations"


def _veh(op, plate, price, at):
    return [op, plate, "PERSON", "320102198001010011", "SMALL_CAR", price, "2025-01-01", "ACTIVE", None, at]


def test_delta_applies_updates_and_deletes_in_changed_at_order(warehouse_url):
    _reset(warehouse_url)
    deliveries = {
        D1: [_veh("U", "苏A1", "90000", "2026-11-01 09:00:00"), _veh("U", "苏A2", "10000", "2026-11-01 09:00:00")],
        D2: [_veh("U", "苏A1", "95000", "2026-11-02 10:00:00"), _veh("D", "苏A2", "10000", "2026-11-02 11:00:00")],
    }
    states = []
    for order in itertools.permutations([D1, D2]):
        _reset(warehouse_url)
        for d in order:
            load_rows(warehouse_url, VEH, d, deliveries[d])
        load_rows(warehouse_url, VEH, order[0], deliveries[order[0]])  # rerun
        states.append(_state(warehouse_url, VEH))
    assert states[0] == states[1]
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn:
        current = conn.execute("select plate_no, purchase_price from public_security.vehicle_registrations").fetchall()
    assert [(p, float(v)) for p, v in current] == [("苏A1", 95000.0)]


DEATH = "health.death_certificates"


def test_append_redelivered_key_replaces_never_duplicates(warehouse_url):
    _reset(warehouse_url)
    pid = "320102198001010011"
    load_rows(warehouse_url, DEATH, D1, [["C1", pid, "2026-10-01", "HOME", None]])
    load_rows(warehouse_url, DEATH, D2, [["C1", pid, "2026-10-02", "HOSPITAL", "I21"]])  # corrected redelivery
    load_rows(warehouse_url, DEATH, D1, [["C1", pid, "2026-10-01", "HOME", None]])  # rerun of D1
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn:
        cur = conn.execute("select certificate_id, death_date, place from health.death_certificates").fetchall()
        hist = conn.execute("select count(*) from health.death_certificates__history").fetchone()[0]
    assert [(c, d.isoformat(), p) for c, d, p in cur] == [("C1", "2026-10-02", "HOSPITAL")]
    assert hist == 2  # both versions kept as history
