"""The feed tables after every migration are exactly what the current registry generates
(tianyan.warehouse.ddl.render: timestamps as timestamptz), and migration 0009 converts an existing
warehouse without losing an instant, a view, a grant or the meaning of _row_hash."""

from __future__ import annotations

import datetime as dt
import hashlib

import psycopg
import pytest
import sqlalchemy as sa
from citylib import write_csv

from tianyan.ingest.pipeline import process_delivery
from tianyan.registry import load_departments, load_feeds
from tianyan.warehouse import migrate as mig
from tianyan.warehouse.conn import psycopg_dsn
from tianyan.warehouse.ddl import render

FEED_SCHEMAS = sorted(load_departments())
CATALOG = """
select c.relname, c.relkind, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
    pg_get_expr(d.adbin, d.adrelid), case when c.relkind = 'v' then pg_get_viewdef(c.oid) end
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
where n.nspname = %(s)s and c.relkind in ('r', 'v')
order by 1, 3
"""
INDEXES = """
select indexrelid::regclass::text, pg_get_indexdef(indexrelid) from pg_index x
join pg_class c on c.oid = x.indrelid join pg_namespace n on n.oid = c.relnamespace
where n.nspname = %(s)s order by 1
"""


def catalog(url: str, query: str = CATALOG) -> dict[str, list]:
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return {s: conn.execute(query, {"s": s}).fetchall() for s in FEED_SCHEMAS}


def test_migrated_feed_tables_equal_the_current_registry_ddl(warehouse_url, make_database):
    fresh = make_database("ddl")
    with psycopg.connect(psycopg_dsn(fresh), autocommit=True) as conn:
        conn.execute(render())
    migrated, generated = catalog(warehouse_url), catalog(fresh)
    assert {s for s in FEED_SCHEMAS if migrated[s] != generated[s]} == set()
    types = {r[4] for rows in migrated.values() for r in rows if r[3] == "changed_at"}
    assert types == {"timestamp with time zone"}
    # every index the registry's DDL makes exists (include/sql/core adds more for the models)
    have, want = catalog(warehouse_url, INDEXES), catalog(fresh, INDEXES)
    assert {s for s in FEED_SCHEMAS if not set(want[s]) <= set(have[s])} == set()


def test_warehouse_sessions_run_in_shanghai(warehouse_url):
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn:
        assert conn.execute("show timezone").fetchone()[0] == "Asia/Shanghai"
        # a late-evening instant in UTC is the next day in China
        assert conn.execute("select cast(timestamptz '2024-07-12 20:00:00Z' as date)").fetchone()[0] == \
            dt.date(2024, 7, 13)


def _migrate_until(url: str, last: str, monkeypatch) -> None:
    files = mig.migration_files()
    monkeypatch.setattr(mig, "migration_files", lambda: [f for f in files if f.name[:4] <= last])
    mig.migrate(url)
    monkeypatch.setattr(mig, "migration_files", lambda: files)


VEHICLES = load_feeds()["public_security.vehicle_registrations"]
D = dt.date(2024, 7, 12)


def _history(url: str) -> list[tuple]:
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute(
            "select plate_no, changed_at, _valid_from, _valid_to, _deleted, _row_hash, _batch_id, "
            "hash_record_extended(row(plate_no, owner_kind, owner_id, vehicle_type, purchase_price, registration_date,"
            " status, status_date, changed_at), 0)::text from public_security.vehicle_registrations__history "
            "order by plate_no, _valid_from").fetchall()


def test_0009_converts_a_loaded_warehouse_and_an_unchanged_reload_changes_nothing(make_database, tmp_path,
                                                                                  monkeypatch):
    url = make_database("up")
    _migrate_until(url, "0008", monkeypatch)
    landing = tmp_path / "landing"
    write_csv(landing / "public_security" / "vehicle_registrations" / D.isoformat() / "v.csv",
              VEHICLES.column_names,
              [["U", "贵A12345", "PERSON", "110101199003071237", "SMALL_CAR", "150000.00", "2020-01-05", "ACTIVE", "",
                "2024-07-12T19:00:58+08:00"],
               ["U", "贵A12346", "ORG", "91522622000300033X", "TRUCK", "300000.00", "2019-03-01", "ACTIVE", "",
                "2024-07-12 09:30:00"]])
    first = process_delivery(VEHICLES, D, landing=str(landing), url=url, work_root=tmp_path / "w", data_docs=False)
    assert first.status == "LOADED" and first.loaded == 2
    before = _history(url)
    assert [r[1] for r in before] == [dt.datetime(2024, 7, 12, 19, 0, 58), dt.datetime(2024, 7, 12, 9, 30)]
    assert all(r[5] == r[7] for r in before)  # hashes of the pre-0009 typed row

    mig.migrate(url)
    after = _history(url)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert [r[1] for r in after] == [dt.datetime(2024, 7, 12, 19, 0, 58, tzinfo=shanghai),
                                     dt.datetime(2024, 7, 12, 9, 30, tzinfo=shanghai)]  # same instants
    assert [r[2] for r in after] == [r[2] for r in before]  # _valid_from untouched
    assert all(r[5] == r[7] for r in after)  # recomputed from the new typed row (0009, then 0019) ...
    assert [r[5] for r in after] != [r[5] for r in before]  # ... which did change
    with psycopg.connect(psycopg_dsn(url)) as conn:
        assert conn.execute("select count(*) from public_security.vehicle_registrations").fetchone()[0] == 2
        assert conn.execute("select count(*) from core.person").fetchone()[0] == 0  # core views re-applied
        assert conn.execute("select has_table_privilege('tianyan_engineer', "
                            "'public_security.vehicle_registrations', 'select')").fetchone()[0]

    # The same delivery again, with a changed file name (a new batch): no new version, nothing rewritten.
    day = landing / "public_security" / "vehicle_registrations" / D.isoformat()
    (day / "v.csv").rename(day / "again.csv")
    again = process_delivery(VEHICLES, D, landing=str(landing), url=url, work_root=tmp_path / "w", data_docs=False)
    assert again.status in ("LOADED", "UNCHANGED")
    rows = _history(url)
    assert [r[:6] for r in rows] == [r[:6] for r in after]


def test_0009_refuses_to_drop_a_view_it_cannot_recreate(make_database, monkeypatch):
    url = make_database("view")
    _migrate_until(url, "0008", monkeypatch)
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        conn.execute(sa.text("create view public.my_report as select plate_no, changed_at "
                             "from public_security.vehicle_registrations"))
    eng.dispose()
    with pytest.raises(sa.exc.DBAPIError, match=r"would drop views it cannot re-create: public\.my_report"):
        mig.migrate(url)
    assert mig.current_revision(url) < "0009"


def test_row_text_of_a_timestamptz_is_shanghai_time(warehouse_url):
    """Loads hash the typed row's text, which the session's zone writes: the database's, Shanghai."""
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn:
        h1 = conn.execute("select md5(row(timestamptz '2024-07-12 19:00:58+08')::text)").fetchone()[0]
    assert h1 == hashlib.md5(b'("2024-07-12 19:00:58+08")').hexdigest()


ASSETS = load_feeds()["agriculture.collective_assets"]  # a snapshot: unchanged rows are told by _row_hash


def _asset_versions(url: str) -> list[tuple]:
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute(
            "select asset_id, _valid_from, _deleted, _row_hash, hash_record_extended(row(asset_id, village_code, "
            "asset_type, area, book_value), 0)::text from agriculture.collective_assets__history "
            "order by asset_id, _valid_from").fetchall()


def test_0019_rehashes_an_md5_warehouse_so_an_unchanged_snapshot_adds_no_version(make_database, tmp_path,
                                                                                 monkeypatch):
    url = make_database("rehash")
    _migrate_until(url, "0018", monkeypatch)
    landing = tmp_path / "landing"
    rows = [["ZC5226220010010000", "522622001001", "BUILDING", "1418.05", "247978.00"],
            ["ZC5226220010010011", "522622001001", "POND", "43.87", "46408.00"],
            ["ZC5226220010010012", "522622001001", "OTHER", "", "0"]]
    d1, d2 = dt.date(2026, 11, 2), dt.date(2026, 11, 9)
    for d in (d1, d2):
        write_csv(landing / "agriculture" / "collective_assets" / d.isoformat() / f"assets-{d}.csv",
                  ASSETS.column_names, rows, encoding="gbk")
    first = process_delivery(ASSETS, d1, landing=str(landing), url=url, work_root=tmp_path / "w", data_docs=False)
    assert first.status == "LOADED" and first.loaded == 3
    with psycopg.connect(psycopg_dsn(url)) as conn:  # what a warehouse loaded before 0019 holds
        conn.execute("update agriculture.collective_assets__history set _row_hash = md5(row(asset_id, "
                     "village_code, asset_type, area, book_value)::text)")

    mig.migrate(url)
    assert mig.current_revision(url) >= "0019"
    before = _asset_versions(url)
    assert len(before) == 3 and all(r[3] == r[4] for r in before)

    again = process_delivery(ASSETS, d2, landing=str(landing), url=url, work_root=tmp_path / "w", data_docs=False)
    assert again.status in ("LOADED", "UNCHANGED")
    assert _asset_versions(url) == before  # no version of an unchanged row, no tombstone


def test_row_hash_tells_values_not_their_text(warehouse_url):
    """The hash sees every column, null apart from an empty string and positions; equal numbers are equal."""
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn:
        def h(*values: str) -> str:
            return conn.execute(f"select hash_record_extended(row({', '.join(values)}), 0)::text").fetchone()[0]

        assert h("'a'::text", "null::text", "1.50::numeric") == h("'a'::text", "null::text", "1.5::numeric")
        assert h("'a'::text", "null::text") != h("'a'::text", "''::text")
        assert h("'a'::text", "'b'::text") != h("'b'::text", "'a'::text")
        assert h("timestamptz '2024-07-12 19:00:58+08'") == h("timestamptz '2024-07-12 11:00:58Z'")
