"""`tianyan run` (tianyan.orchestration.inprocess.run_dates): any business date loads, a missing daily delivery is
recorded MISSING at once, one writer per checkout, and a warehouse that goes away stops the run quickly."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa
from citylib import write_csv
from stdnum.cn import ric

from tianyan import paths
from tianyan.orchestration import localenv
from tianyan.orchestration.inprocess import RUN_LOCK, UI_LOCK, RunRefused, WarehouseUnreachable, run_dates

pytestmark = pytest.mark.e2e

OLD = dt.date(2024, 6, 30)  # long before any start date the DAGs ever had
QUIET = dt.date(2024, 7, 1)  # nothing delivered


def pid(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def _deaths(drop, day, rows=1):
    write_csv(drop / "health" / "death_certificates" / day.isoformat() / "deaths.csv",
              ["certificate_id", "id_no", "death_date", "place", "cause_code"],
              [[f"DC{i}", pid(f"3201021950030500{i}"), day.isoformat(), "HOSPITAL", "I21"] for i in range(1, rows + 1)])


@pytest.fixture
def env(monkeypatch, make_database):
    def use(url: str) -> str:
        monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url)
        monkeypatch.setenv("AIRFLOW_CONN_EXCHANGE_DB", make_database("rl_ex"))
        return url

    return use


def _feed_runs(url, feed_id):
    eng = sa.create_engine(url)
    with eng.connect() as c:
        rows = {str(r[0]): (r[1], r[2], r[3]) for r in c.execute(sa.text(
            "select delivery_date, status, loaded, reason from meta.feed_runs where feed_id = :f"), {"f": feed_id})}
    eng.dispose()
    return rows


def test_old_dates_load_missing_daily_deliveries_are_reported_and_weekly_ones_skipped(tmp_path, env, make_database):
    from tianyan.warehouse.migrate import migrate

    url = make_database("rl_old")
    migrate(url)
    env(url)
    drop = tmp_path / "drop"
    _deaths(drop, OLD, rows=2)
    out = run_dates(str(drop), [OLD, QUIET], departments=["health", "audit"], scoring=False)
    states = {(o.dag_id, i // 2): o for i, o in enumerate(out)}
    assert states[("dept_health", 0)].state == "success"  # 2024-06-30 went through the DAG
    assert states[("dept_audit", 0)].state == "success"  # weekly feed, not due: skipped, not failed
    runs = _feed_runs(url, "health.death_certificates")
    assert runs[OLD.isoformat()][:2] == ("LOADED", 2)
    # No delivery of a daily feed: recorded MISSING at once (no waiting in-process); the run goes on.
    assert states[("dept_health", 1)].state == "success"
    status, loaded, reason = runs[QUIET.isoformat()]
    assert status == "MISSING" and loaded == 0 and "tianyan run does not wait" in reason
    assert QUIET.isoformat() not in _feed_runs(url, "audit.findings") or \
        _feed_runs(url, "audit.findings")[QUIET.isoformat()][0] == "NO_DELIVERY"


def test_a_rerun_of_the_same_date_is_a_new_run_with_its_own_duration(tmp_path, env, make_database):
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from tianyan.warehouse.migrate import migrate

    url = make_database("rl_rerun")
    migrate(url)
    env(url)
    drop = tmp_path / "drop"
    _deaths(drop, OLD)
    t0 = time.time()
    for _ in range(2):
        assert run_dates(str(drop), [OLD], departments=["health"], scoring=False)[0].state == "success"
    with create_session() as s:
        runs = s.execute(select(DagRun).where(DagRun.dag_id == "dept_health", DagRun.start_date >= dt.datetime.fromtimestamp(
            t0, dt.UTC))).scalars().all()
        # Both runs are kept: neither replaced the other (nor would either replace a run of the UI).
        assert len(runs) == 2 and all(r.logical_date is None for r in runs)
        assert all(r.conf == {"delivery_date": OLD.isoformat()} for r in runs)
        # Durations are the runs' own (start = when it ran, not the business date).
        assert all(0 < (r.end_date - r.start_date).total_seconds() < 600 for r in runs)


def _hold(name: str, what: str):
    """Another process of this checkout holding a lock (as a second `tianyan run` or the UI would)."""
    code = ("import sys, time; from tianyan.orchestration import localenv\n"
            f"with localenv.exclusive({name!r}, {what!r}):\n    print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=paths.ROOT,
                            env={**os.environ, "AIRFLOW_HOME": str(localenv.airflow_home())})
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.mark.parametrize(("lock", "expect"), [(RUN_LOCK, "another run of this checkout is in progress"),
                                               (UI_LOCK, "the local Airflow of this checkout is running")])
def test_a_second_runner_is_refused_at_once_naming_what_runs(tmp_path, env, warehouse_url, lock, expect):
    env(warehouse_url)
    holder = _hold(lock, "tianyan run 2026-11-27" if lock == RUN_LOCK else "make airflow-ui on http://localhost:8080")
    try:
        t0 = time.monotonic()
        with pytest.raises(RunRefused) as err:
            run_dates(str(tmp_path), [OLD], departments=["health"], scoring=False)
        assert time.monotonic() - t0 < 5
        assert expect in str(err.value)
        assert f"pid {holder.pid}" in str(err.value)
    finally:
        holder.kill()
        holder.wait()


def test_an_unreachable_warehouse_fails_at_once(tmp_path, env):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    env(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nowhere")
    t0 = time.monotonic()
    with pytest.raises(WarehouseUnreachable, match="cannot be reached"):
        run_dates(str(tmp_path), [OLD], departments=["health"], scoring=False)
    assert time.monotonic() - t0 < 15


class _Proxy:
    """TCP proxy to the test PostgreSQL that can be cut, as if the server died."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.socks: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.socks += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        for s in (a, b):
            with contextlib.suppress(OSError):
                s.close()

    def cut(self) -> None:
        self.listener.close()
        for s in self.socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
                s.close()


def test_a_warehouse_that_dies_mid_run_stops_it_within_a_minute(tmp_path, env, make_database):
    from tianyan.warehouse.migrate import migrate

    url = make_database("rl_dead")
    migrate(url)
    u = sa.engine.make_url(url)
    proxy = _Proxy(u.host or "127.0.0.1", u.port or 5432)
    env(u.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    drop = tmp_path / "drop"
    _deaths(drop, OLD)
    write_csv(drop / "justice" / "custody_records" / OLD.isoformat() / "custody.csv",
              ["record_id", "id_no", "facility", "start_date", "end_date"], [])
    cut_at: list[float] = []

    def step(day, out) -> None:
        if not cut_at:  # the first department ran against a live warehouse; now it is gone
            proxy.cut()
            cut_at.append(time.monotonic())

    with pytest.raises(WarehouseUnreachable) as err:
        run_dates(str(drop), [OLD], departments=["health", "justice"], scoring=False, on_step=step)
    assert time.monotonic() - cut_at[0] < 60
    assert "stopped after dept_justice" in str(err.value) and "re-run" in str(err.value)


@pytest.mark.parametrize("args", [["run", "--date", OLD.isoformat(), "--department", "health", "--no-scoring"],
                                  ["backfill", "--start", OLD.isoformat(), "--end", OLD.isoformat(), "--direct"]])
def test_the_cli_stops_with_one_line_when_the_warehouse_cannot_be_reached(tmp_path, env, args):
    """`tianyan run` and `tianyan backfill --direct` end with exit 1 and a 'stopped:' line, no traceback."""
    from typer.testing import CliRunner

    from tianyan.cli import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    env(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nowhere")
    out = CliRunner().invoke(app, [args[0], "--drop", str(tmp_path), *args[1:]])
    text = " ".join(out.output.split())  # rich wraps at the terminal width
    assert out.exit_code == 1, out.output
    assert text.startswith("stopped: warehouse") and "cannot be reached" in text
    assert "Traceback" not in text
