"""The warehouse connection: read by the one connection parser (extras kept, secrets masked), and every
session in Asia/Shanghai whatever the server's or the role's default time zone."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from tianyan import connections
from tianyan.warehouse import conn as wconn

# 20:30 UTC on 1 January is 04:30 on 2 January in Shanghai: the date a model derives depends on the session.
INSTANT = "select cast(timestamptz '2024-01-01 20:30:00+00' as date)::text, current_setting('timezone')"


@pytest.fixture
def utc_role_url(pg_admin_url, warehouse_url):
    """A login whose own default time zone is UTC (another role / server than the one 0009 configured)."""
    role = f"tianyan_utc_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'create role "{role}" login'))
        c.execute(sa.text(f"alter role \"{role}\" set timezone = 'UTC'"))
    url = sa.engine.make_url(warehouse_url).set(username=role, password=None)
    raw = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(raw) as plain:  # without tianyan: the role's default applies
        assert plain.execute(INSTANT).fetchone() == ("2024-01-01", "UTC")
    yield url.render_as_string(hide_password=False)
    wconn._engine.cache_clear()
    with admin.connect() as c:
        c.execute(sa.text(f'drop owned by "{role}"'))
        c.execute(sa.text(f'drop role "{role}"'))
    admin.dispose()


def test_engine_and_copy_connections_run_in_shanghai(utc_role_url):
    with wconn.engine(utc_role_url).connect() as c:
        assert tuple(c.execute(sa.text(INSTANT)).one()) == ("2024-01-02", "Asia/Shanghai")
    with psycopg.connect(wconn.psycopg_dsn(utc_role_url)) as c:
        assert c.execute(INSTANT).fetchone() == ("2024-01-02", "Asia/Shanghai")


def test_configured_warehouse_runs_in_shanghai_and_keeps_its_options(utc_role_url, monkeypatch):
    u = sa.engine.make_url(utc_role_url)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps({
        "conn_type": "postgres", "host": u.host, "port": u.port, "login": u.username, "schema": u.database,
        "extra": {"options": "-c statement_timeout=4321", "application_name": "tianyan-test"}}))
    url = wconn.warehouse_url()
    with wconn.engine(url).connect() as c:
        got = c.execute(sa.text("select current_setting('statement_timeout'), current_setting('application_name'),"
                                " current_setting('timezone')")).one()
    assert tuple(got) == ("4321ms", "tianyan-test", "Asia/Shanghai")
    with psycopg.connect(wconn.psycopg_dsn(url)) as c:
        assert c.execute("select current_setting('statement_timeout')").fetchone() == ("4321ms",)


def test_an_explicit_other_time_zone_is_overridden():
    url = "postgresql+psycopg://u@h/db?options=-c%20timezone%3DUTC"
    options = sa.engine.make_url(wconn.with_session_time_zone(url)).query["options"]
    assert options == "-c timezone=UTC -c timezone=Asia/Shanghai"  # libpq: the last setting wins
    once = wconn.with_session_time_zone(url)
    assert wconn.with_session_time_zone(once) == once


def test_warehouse_uri_with_sslmode_and_socket_dir(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://wh:s%40cret@db.internal:6432/dw?sslmode=require")
    url = sa.engine.make_url(wconn.configured_url())
    assert (url.host, url.port, url.username, url.password, url.database) == ("db.internal", 6432, "wh", "s@cret", "dw")
    assert url.query["sslmode"] == "require"
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql+psycopg://postgres:@/tianyan?host=/run/pg")
    assert "host=/run/pg" in wconn.psycopg_dsn(wconn.configured_url())
    monkeypatch.delenv("AIRFLOW_CONN_WAREHOUSE")
    assert wconn.configured_url() is None


def test_warehouse_password_goes_to_the_masker(monkeypatch):
    masked: list[str] = []
    monkeypatch.setattr(connections, "_MASKERS", [masked.append])
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://wh:pw-123@db.internal/dw")
    wconn.configured_url()
    assert masked == ["pw-123"]
    assert "pw-123" not in repr(connections.get_connection("warehouse"))
