"""The spec's `ref:` rule is reported, never a reason to drop: after each loaded delivery, meta.referential
holds per ref column how many loaded rows name a key the referenced feed lacks, with a sample of the
keys; feed health and `tianyan feeds` show the count. Deliveries are written here."""

from __future__ import annotations

import datetime as dt
import json

import psycopg
import pytest
import sqlalchemy as sa
from citylib import write_csv
from typer.testing import CliRunner
from unhappy_lib import D1, D2, current, id18, reset, runs

from tianyan import cli
from tianyan.ingest import referential
from tianyan.ingest.pipeline import process_delivery
from tianyan.registry import load_feeds
from tianyan.scoring.marts import refresh
from tianyan.warehouse.conn import psycopg_dsn
from tianyan.warehouse.migrate import migrate

UNITS, POSTS = "organization.public_units", "human_resources.public_welfare_posts"


@pytest.fixture(scope="module")
def wh(make_database):
    url = make_database("referential")
    migrate(url)
    return url


@pytest.fixture
def city(wh, tmp_path):
    reset(wh, UNITS, POSTS)
    with psycopg.connect(psycopg_dsn(wh)) as conn:
        conn.execute("truncate meta.referential")
    return wh, tmp_path / "landing"


def deliver(landing, feed_id, d, rows):
    feed = load_feeds()[feed_id]
    write_csv(landing / feed.department / feed.name / d.isoformat() / "delivery.csv", feed.column_names, rows)


def load(url, landing, feed_id, d, tmp_path):
    return process_delivery(load_feeds()[feed_id], d, landing=str(landing), url=url, work_root=tmp_path / "w",
                            data_docs=False)


def unit(code: str) -> list:
    return [code, f"{code} office", None, "GOVERNMENT", "320102000000"]


def post(i: int, employer: str) -> list:
    return [f"P{i:03d}", id18(i), employer, "320102000000", "2026-01-01", None, "1200.00"]


def report(url, feed_id):
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute(
            "select delivery_date, column_name, ref_feed, ref_column, checked_rows, missing_rows, sample"
            " from meta.referential where feed_id = %s order by 1, 2", (feed_id,)).fetchall()


def test_missing_references_are_reported_and_the_rows_loaded(city, tmp_path):
    url, landing = city
    deliver(landing, UNITS, D1, [unit("U001"), unit("U002")])
    load(url, landing, UNITS, D1, tmp_path)
    deliver(landing, POSTS, D1, [post(1, "U001"), post(2, "U404"), post(3, "U002"), post(4, "U404"),
                                 post(5, "U003")])
    result = load(url, landing, POSTS, D1, tmp_path)

    assert (result.status, result.loaded, result.quarantined) == ("LOADED", 5, 0)  # never a reason to drop
    assert len(current(url, POSTS)) == 5
    assert report(url, POSTS) == [
        (D1, "employer_unit_code", UNITS, "unit_code", 5, 3, ["U003", "U404"])]
    assert report(url, UNITS) == []  # no ref: rule, no report

    # feed health (the mart) and `tianyan feeds` show the count
    refresh(D1, url)
    with sa.create_engine(url).connect() as c:
        got = c.execute(sa.text("select ref_missing_last from marts.feed_health where as_of = :d and feed_id = :f"),
                        {"d": D1, "f": POSTS}).scalar()
    assert got == 3


def test_the_report_follows_the_referenced_feed_and_reloads_replace_it(city, tmp_path, monkeypatch):
    url, landing = city
    deliver(landing, UNITS, D1, [unit("U001")])
    load(url, landing, UNITS, D1, tmp_path)
    deliver(landing, POSTS, D1, [post(1, "U001"), post(2, "U002")])
    load(url, landing, POSTS, D1, tmp_path)
    assert [r[4:6] for r in report(url, POSTS)] == [(2, 1)]

    # the unit arrives; the next posts delivery (same rows again in a snapshot feed) is checked against it
    deliver(landing, UNITS, D2, [unit("U001"), unit("U002")])
    load(url, landing, UNITS, D2, tmp_path)
    deliver(landing, POSTS, D2, [post(1, "U001"), post(2, "U002"), post(3, "U009")])
    load(url, landing, POSTS, D2, tmp_path)
    rows = report(url, POSTS)
    assert [(r[0], r[5], r[6]) for r in rows] == [(D1, 1, ["U002"]), (D2, 1, ["U009"])]

    # loading D1 again re-checks it and replaces its row, nothing duplicated; U002 still counts as missing
    # at D1: the register did not hold it then (the answer is as of the delivery date, whatever was loaded since)
    load(url, landing, POSTS, D1, tmp_path)
    assert [(r[0], r[5], r[6]) for r in report(url, POSTS)] == [(D1, 1, ["U002"]), (D2, 1, ["U009"])]

    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url)
    out = CliRunner().invoke(cli.app, ["feeds", "--format", "csv", "--date", D2.isoformat()])
    assert out.exit_code == 0, out.output
    header, *lines = out.output.strip().splitlines()
    assert header.split(",")[-1] == "ref_missing"
    assert any(line.startswith(f"{POSTS},{D2}") and line.endswith(",1") for line in lines)
    assert any(line.startswith(f"{UNITS},{D2}") and line.endswith(",") for line in lines)  # no ref: rule


@pytest.mark.parametrize("units_first", [True, False])
def test_the_report_is_the_same_whichever_feed_loads_first(city, tmp_path, units_first):
    """Department DAGs load in parallel and backfills run dates in any order: a delivery loaded before the
    register it refers to is re-checked when the register loads, and a register delivered for a later date
    changes nothing of an earlier delivery's report."""
    url, landing = city
    deliver(landing, UNITS, D1, [unit("U001"), unit("U002")])
    deliver(landing, UNITS, D2, [unit("U001"), unit("U002"), unit("U003")])
    deliver(landing, POSTS, D1, [post(1, "U001"), post(2, "U002"), post(3, "U003"), post(4, "U404")])
    deliver(landing, POSTS, D2, [post(1, "U001"), post(3, "U003"), post(5, "U505")])
    order = [(UNITS, D1), (UNITS, D2), (POSTS, D2), (POSTS, D1)] if units_first else \
        [(POSTS, D2), (POSTS, D1), (UNITS, D2), (UNITS, D1)]
    for feed_id, d in order:
        assert load(url, landing, feed_id, d, tmp_path).status == "LOADED"
    # U003 joined the register on D2: missing at D1, present at D2, in both orders
    assert [(r[0], r[4], r[5], r[6]) for r in report(url, POSTS)] == [
        (D1, 4, 2, ["U003", "U404"]), (D2, 3, 1, ["U505"])]


def test_a_broken_report_does_not_fail_the_load(city, tmp_path, monkeypatch, caplog):
    url, landing = city

    def broken(*args, **kwargs):
        raise psycopg.errors.UndefinedTable("relation meta.referential does not exist")

    monkeypatch.setattr(referential, "report", broken)
    deliver(landing, POSTS, D1, [post(1, "U001")])
    assert load(url, landing, POSTS, D1, tmp_path).status == "LOADED"
    assert runs(url, POSTS)[D1]["status"] == "LOADED"
    assert "referential report not written" in caplog.text


def test_check_counts_distinct_sample_and_skips_nulls(wh):
    """The set-based check itself, on rows inserted here: nulls are not checked, the sample is sorted and
    distinct, at most SAMPLE_SIZE; a register row from after the date does not count."""
    feeds = load_feeds()
    reset(wh, UNITS, POSTS)
    with psycopg.connect(psycopg_dsn(wh)) as conn:
        rows = [(f"P{i:03d}", id18(i), f"X{i % 12:02d}", "320102000000", dt.date(2026, 1, 1)) for i in range(30)]
        with conn.cursor() as cur:
            cur.executemany(
                "insert into human_resources.public_welfare_posts__history (post_id, id_no, employer_unit_code,"
                " region_code, start_date, _valid_from, _row_hash, _batch_id, _delivery_date)"
                " values (%s, %s, %s, %s, %s, '2026-03-02', 'h', 'b1', '2026-03-02')", rows)
            cur.execute("insert into organization.public_units__history (unit_code, name, kind, region_code,"
                        " _valid_from, _row_hash, _batch_id, _delivery_date) values"
                        " ('X00', 'n', 'GOVERNMENT', '320102000000', '2026-03-01', 'h', 'b0', '2026-03-01'),"
                        " ('X01', 'n', 'GOVERNMENT', '320102000000', '2026-03-03', 'h', 'b2', '2026-03-03')")
            got = referential.check(cur, feeds[POSTS], dt.date(2026, 3, 2), feeds)
    (r,) = got
    assert (r.checked, r.missing) == (30, 27)  # X00 exists (3 rows); X01..X11 do not
    assert r.sample == [f"X{i:02d}" for i in range(1, 11)]
    assert json.dumps(r.sample)
