"""Waiting for a delivery: the arrival probe of each transport, the trigger that polls it, the window.

Deliveries are written here (files, pages served by pytest-httpserver, rows in a test database),
never by the generator."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time

import pendulum
import psycopg
import pytest
import sqlalchemy as sa
from citylib import write_csv

from tianyan.ingest.arrival import arrived
from tianyan.orchestration import common
from tianyan.orchestration.delivery import DeliveryTrigger
from tianyan.registry import load_feeds

DAY = dt.date(2026, 11, 27)


@pytest.fixture
def feeds():
    return load_feeds()


# ---- file ---------------------------------------------------------------------------------------

def test_file_feed_arrives_with_a_file_of_its_format(tmp_path, feeds):
    feed = feeds["health.death_certificates"]  # csv
    folder = tmp_path / "health" / "death_certificates" / DAY.isoformat()
    assert not arrived(feed, DAY, str(tmp_path))  # no folder
    folder.mkdir(parents=True)
    (folder / ".deaths.csv.part").write_text("upload in progress")
    (folder / "~$deaths.csv").write_text("office lock file")
    (folder / "readme.txt").write_text("not the feed's format")
    assert not arrived(feed, DAY, str(tmp_path))
    write_csv(folder / "DEATHS.CSV", ["certificate_id"], [["DC1"]])
    assert arrived(feed, DAY, str(tmp_path))
    assert not arrived(feed, DAY + dt.timedelta(days=1), str(tmp_path))


def test_file_feed_on_an_fsspec_url(feeds):
    import fsspec

    feed = feeds["health.death_certificates"]
    fs = fsspec.filesystem("memory")
    assert not arrived(feed, DAY, "memory://landing")
    fs.pipe(f"/landing/health/death_certificates/{DAY.isoformat()}/d.csv", b"certificate_id\nDC1\n")
    assert arrived(feed, DAY, "memory://landing")


# ---- http ---------------------------------------------------------------------------------------

def test_http_feed_arrives_when_page_1_is_served(httpserver, monkeypatch, feeds):
    feed = feeds["discipline.complaints"]
    monkeypatch.setenv("AIRFLOW_CONN_DISCIPLINE_API", f"http://:s3cret@127.0.0.1:{httpserver.port}/")
    auth = {"Authorization": "Bearer s3cret"}
    httpserver.expect_request("/discipline/complaints", query_string={"date": DAY.isoformat(), "page": "1"},
                              headers=auth).respond_with_json({"items": [], "next_page": None})
    later = (DAY + dt.timedelta(days=1)).isoformat()
    httpserver.expect_request("/discipline/complaints", query_string={"date": later, "page": "1"},
                              headers=auth).respond_with_json({"error": "Not Found"}, status=404)
    other = (DAY + dt.timedelta(days=2)).isoformat()
    httpserver.expect_request("/discipline/complaints", query_string={"date": other, "page": "1"},
                              headers=auth).respond_with_data("busy", status=503)
    assert arrived(feed, DAY, "unused")  # a quiet day's empty page is a delivery
    assert not arrived(feed, DAY + dt.timedelta(days=1), "unused")
    assert not arrived(feed, DAY + dt.timedelta(days=2), "unused")  # not reachable yet: keep waiting


def test_http_feed_without_a_connection_keeps_waiting(monkeypatch, feeds, caplog):
    monkeypatch.delenv("AIRFLOW_CONN_DISCIPLINE_API", raising=False)
    assert not arrived(feeds["discipline.complaints"], DAY, "unused")
    assert "AIRFLOW_CONN_DISCIPLINE_API" in caplog.text


# ---- database -----------------------------------------------------------------------------------

def test_database_feed_arrives_with_a_row_changed_on_the_date(make_database, monkeypatch, feeds):
    feed = feeds["finance.fiscal_payments"]
    url = make_database("arrival")
    monkeypatch.setenv("AIRFLOW_CONN_FINANCE_DB", sa.engine.make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False))
    assert not arrived(feed, DAY, "unused")  # no table yet
    schema, _, table = feed.delivery.table.rpartition(".")
    dsn = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute(f'create schema if not exists "{schema}"')
        c.execute(f'create table "{schema}"."{table}" (payment_id text, changed_at timestamp)')
        c.execute(f'insert into "{schema}"."{table}" values (%s, %s)', ("P1", dt.datetime(2026, 11, 26, 23, 59)))
        assert not arrived(feed, DAY, "unused")
        c.execute(f'insert into "{schema}"."{table}" values (%s, %s)', ("P2", dt.datetime(2026, 11, 27, 0, 0)))
    assert arrived(feed, DAY, "unused")
    assert not arrived(feed, DAY + dt.timedelta(days=1), "unused")


# ---- the trigger and the window -----------------------------------------------------------------

async def _first_event(trigger):
    async for event in trigger.run():
        return event.payload


def test_trigger_reports_a_delivery_that_arrives_while_it_waits(tmp_path):
    folder = tmp_path / "health" / "death_certificates" / DAY.isoformat()
    deadline = pendulum.now("UTC").add(seconds=30).isoformat()
    trigger = DeliveryTrigger("health.death_certificates", DAY.isoformat(), str(tmp_path), deadline, 0.2)
    classpath, kwargs = trigger.serialize()  # what the triggerer re-creates it from
    assert classpath == "tianyan.orchestration.delivery.DeliveryTrigger"
    threading.Timer(1.0, lambda: write_csv(folder / "d.csv", ["certificate_id"], [["DC1"]])).start()
    t0 = time.monotonic()
    event = asyncio.run(_first_event(DeliveryTrigger(**kwargs)))
    assert event["status"] == "arrived" and 0.9 < time.monotonic() - t0 < 10


def test_trigger_reports_missing_when_the_window_closes(tmp_path):
    deadline = pendulum.now("UTC").add(seconds=1).isoformat()
    t0 = time.monotonic()
    event = asyncio.run(_first_event(DeliveryTrigger("health.death_certificates", DAY.isoformat(), str(tmp_path),
                                                     deadline, 0.2)))
    assert event["status"] == "missing" and time.monotonic() - t0 < 5


def test_window_is_configured_and_counted_from_the_delivery_hour(monkeypatch):
    monkeypatch.delenv("TIANYAN_DELIVERY_WINDOW", raising=False)
    assert common.delivery_window("health.death_certificates") == dt.timedelta(hours=6)  # orchestration.yaml
    deadline = common.delivery_deadline("health.death_certificates", DAY)
    assert deadline == pendulum.datetime(2026, 11, 27, 8, tz="Asia/Shanghai")
    monkeypatch.setenv("TIANYAN_DELIVERY_WINDOW", "90m")
    assert common.delivery_window("health.death_certificates") == dt.timedelta(minutes=90)
    assert [common._seconds(v) for v in ("90s", "30m", "6h", "1d", 15)] == [90, 1800, 21600, 86400, 15]
    with pytest.raises(ValueError, match="not a duration"):
        common._seconds("soon")
