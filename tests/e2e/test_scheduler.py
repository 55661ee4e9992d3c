"""The daily cycle under Airflow's own scheduler, as a data engineer runs it from the UI.

`make airflow-ui` (tianyan.orchestration.standalone: scheduler with LocalExecutor, dag-processor, triggerer and
api-server as child processes) is started against PostgreSQL metadata of its own, on a port other
than 8080, serving a small generated city through the simulated exchange. The 24 department DAGs
are triggered through the REST API (logical_date null, conf delivery_date); the test waits for the
runs and the Asset-triggered scoring, then compares the alerts with those of `tianyan run` on the
same drop (run at the same time, in its own warehouse and metadata database).

The same start also exercises the waits: a daily feed triggered for two dates without a delivery
waits in the triggerer (state deferred, no worker slot); one date's file arrives while it waits and
is loaded; the other ends MISSING after its window, with a notification and a failed run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pendulum
import psutil
import pytest
import sqlalchemy as sa
from citylib import write_csv
from pytest_httpserver import HTTPServer
from stdnum.cn import ric

from tianyan import paths

pytestmark = pytest.mark.e2e

DAY = dt.date(2026, 11, 27)
D_MISSING = DAY - dt.timedelta(days=2)  # never delivered: MISSING when its window closes
D_LATE = DAY - dt.timedelta(days=1)  # delivered while the land task waits
# The window of D_MISSING closes this long after the start: after the start-up (~40-80 s quiet, 223 s
# seen on a 2-core machine under heavy load) and the few seconds its land task needs to be seen
# waiting (it is triggered before the day's runs, which run while it waits, so this costs little).
MISSING_AFTER_S = 330


def _q(url: str, sql: str, params: dict | None = None) -> list[tuple]:
    eng = sa.create_engine(url)
    with eng.connect() as c:
        out = [tuple(r) for r in c.execute(sa.text(sql), params or {})]
    eng.dispose()
    return out


ALERTS = ("select alert_id, model_id, subject_kind, subject_id, region_code, severity, amount, first_seen, "
          "last_seen, status from alerts.alert where status <> 'RESOLVED' order by alert_id")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from tianyan.synth import generate

    drop = tmp_path_factory.mktemp("sched") / "city"
    generate(drop, residents=1500, seed=7, as_of=DAY, days=1)
    return drop


@pytest.fixture(scope="module")
def hook():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    server.start()
    yield server
    server.clear()
    server.stop()


def _wait(what: str, check, timeout: float, poll: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def cycle(city, make_database, tmp_path_factory, hook):
    from tianyan.orchestration.standalone import LocalAirflow, free_port, wait_for_cycle

    root = tmp_path_factory.mktemp("sched-run")
    # In-process reference, started first, at the same time: `tianyan run` on the same drop.
    ref_wh = make_database("sched_ref")
    ref_env = {**os.environ, "AIRFLOW_HOME": str(root / "ref-airflow"), "TIANYAN_STATE_DIR": str(root / "ref-state"),
               "AIRFLOW_CONN_WAREHOUSE": ref_wh, "AIRFLOW_CONN_EXCHANGE_DB": make_database("sched_ref_ex"),
               "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": make_database("sched_ref_meta")}
    ref_log = root / "tianyan-run.log"
    with open(ref_log, "wb") as fh:
        ref = subprocess.Popen([sys.executable, "-m", "tianyan.cli", "run", "--drop", str(city), "--date",
                                DAY.isoformat()], env=ref_env, stdout=fh, stderr=subprocess.STDOUT, cwd=paths.ROOT)

    wh = make_database("sched_wh")
    started = pendulum.now("UTC")
    due = pendulum.datetime(D_MISSING.year, D_MISSING.month, D_MISSING.day, 2, tz="Asia/Shanghai")
    window = (started.add(seconds=MISSING_AFTER_S) - due).total_seconds()
    env = {
        "AIRFLOW_HOME": str(root / "airflow"),
        "TIANYAN_STATE_DIR": str(root / "state"),
        "AIRFLOW_CONN_WAREHOUSE": wh,
        "AIRFLOW_CONN_EXCHANGE_DB": make_database("sched_ex"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": make_database("sched_meta"),
        "AIRFLOW_CONN_TIANYAN_NOTIFY": f"http://127.0.0.1:{hook.port}/hook",
        # D_MISSING's window closes MISSING_AFTER_S from now; D_LATE's a day later.
        "TIANYAN_DELIVERY_WINDOW": f"{window:.0f}s",
        "TIANYAN_DELIVERY_POKE": "2s",
        "TIANYAN_SCORING_SETTLE_POKE": "3s",
    }
    port = free_port()
    out: dict = {"port": port}
    with LocalAirflow(port=port, drop=city, env=env, log=root / "supervisor.log") as af:
        out["components"] = json.loads((root / "airflow" / "local-airflow.json").read_text())
        client = af.client()
        dags = sorted(d["dag_id"] for d in client.http.get("/api/v2/dags", params={"limit": 100}).json()["dags"])
        out["dags"] = dags
        waiting = {day: client.trigger("dept_health", {"delivery_date": day.isoformat()}) for day in (D_MISSING, D_LATE)}

        def land_state(day):
            tis = client.task_instances("dept_health", waiting[day])
            return next((t["state"] for t in tis if t["task_id"] == "death_certificates.land"), None)

        out["deferred"] = _wait("both land tasks deferred",
                                lambda: [land_state(d) for d in waiting] if all(
                                    land_state(d) == "deferred" for d in waiting) else None, timeout=120)
        # The day's cycle runs while they wait (no worker slot, no pool slot held).
        triggered = {d: client.trigger(d, {"delivery_date": DAY.isoformat()}) for d in dags if d.startswith("dept_")}
        seen = wait_for_cycle(client, triggered, timeout=900)
        out["runs"], out["scoring"] = seen["departments"], seen["scoring"]
        out["alerts"] = _q(wh, ALERTS)

        # Now the department delivers D_LATE (a file written here, not by the generator).
        body = "11010519491231002"
        write_csv(city / "health" / "death_certificates" / D_LATE.isoformat() / "late.csv",
                  ["certificate_id", "id_no", "death_date", "place", "cause_code"],
                  [["LATE-1", body + ric.calc_check_digit(body + "0"), D_LATE.isoformat(), "HOME", "I21"]])

        def finished(day):
            r = client.http.get(f"/api/v2/dags/dept_health/dagRuns/{waiting[day]}").json()
            return r if r["state"] in ("success", "failed") else None

        out["late_run"] = _wait("the late delivery's run", lambda: finished(D_LATE), timeout=300)
        out["missing_run"] = _wait("the missing delivery's run", lambda: finished(D_MISSING), timeout=300)
        out["missing_tis"] = {t["task_id"]: t["state"] for t in client.task_instances("dept_health", waiting[D_MISSING])}
        out["feed_runs"] = {str(r[0]): r[1:] for r in _q(
            wh, "select delivery_date, status, loaded, reason from meta.feed_runs "
                "where feed_id = 'health.death_certificates' order by delivery_date")}
        out["log_dir"] = root / "airflow" / "logs"
    out["alive_after_stop"] = [n for n, pid in out["components"]["components"].items() if psutil.pid_exists(pid)
                               and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    ref.wait(timeout=900)
    out["ref_returncode"], out["ref_output"] = ref.returncode, ref_log.read_text(encoding="utf-8", errors="replace")
    out["ref_alerts"] = _q(ref_wh, ALERTS)
    out["hook"] = [json.loads(req.get_data()) for req, _ in hook.log]
    return out


def test_24_department_runs_succeed_under_the_scheduler(cycle):
    from tianyan.orchestration.common import dag_ids

    assert len(cycle["dags"]) == 27 and cycle["dags"] == dag_ids()
    states = {r["dag_id"]: r["state"] for r in cycle["runs"]}
    assert len(states) == 24 and set(states.values()) == {"success"}, states
    # Manual runs without a logical date: no collision with any other run of the same date.
    assert all(r["logical_date"] is None and r["run_type"] == "manual" for r in cycle["runs"])


def test_scoring_is_triggered_by_the_feed_assets(cycle):
    assert cycle["scoring"], "no scoring run"
    assert {r["run_type"] for r in cycle["scoring"]} == {"asset_triggered"}
    assert {r["state"] for r in cycle["scoring"]} == {"success"}
    # The scoring waited for the loads: one run scored the day, at most one more found little left.
    assert len(cycle["scoring"]) <= 3


def test_alerts_equal_those_of_tianyan_run(cycle):
    assert cycle["ref_returncode"] == 0, cycle["ref_output"][-3000:]
    assert cycle["alerts"], "no alerts at all"
    assert cycle["alerts"] == cycle["ref_alerts"]


def test_a_late_delivery_is_awaited_in_the_triggerer_and_loaded(cycle):
    assert cycle["deferred"] == ["deferred", "deferred"]
    assert cycle["late_run"]["state"] == "success"
    status, loaded, _ = cycle["feed_runs"][D_LATE.isoformat()]
    assert (status, loaded) == ("LOADED", 1)


def test_a_missing_delivery_fails_as_missing_with_a_notification(cycle):
    assert cycle["missing_run"]["state"] == "failed"
    assert cycle["missing_tis"]["death_certificates.land"] == "failed"
    assert cycle["missing_tis"]["death_certificates.validate_load"] == "upstream_failed"
    status, loaded, reason = cycle["feed_runs"][D_MISSING.isoformat()]
    assert status == "MISSING" and loaded == 0
    assert "health.death_certificates" in reason and D_MISSING.isoformat() in reason
    notes = [n for n in cycle["hook"] if n.get("event") == "task_failed" and n.get("dag_id") == "dept_health"]
    assert len(notes) == 1 and notes[0]["task_id"] == "death_certificates.land"
    assert "MISSING" in notes[0]["exception"]


def test_task_logs_say_what_happened(cycle):
    logs = cycle["log_dir"]
    land = next(logs.glob("dag_id=dept_civil_affairs/run_id=*/task_id=assistance_payments.land/attempt=1.log"))
    text = land.read_text(encoding="utf-8")
    assert "as batch civil_affairs.assistance_payments-" in text and "sha256" in text and "bytes" in text
    load = next(logs.glob("dag_id=dept_civil_affairs/run_id=*/task_id=assistance_payments.validate_load/attempt=1.log"))
    text = load.read_text(encoding="utf-8")
    assert "delivered" in text and "= loaded" in text and "quarantined" in text and "collapsed" in text
    plans = "".join(p.read_text(encoding="utf-8") for p in logs.glob("dag_id=scoring/run_id=*/task_id=plan/attempt=1.log"))
    assert "model(s) to run" in plans
    scores = "".join(p.read_text(encoding="utf-8") for p in logs.glob("dag_id=scoring/run_id=*/task_id=score/*/attempt=1.log"))
    assert "hit(s)" in scores


def test_stopping_stops_every_component(cycle):
    assert set(cycle["components"]["components"]) == {"scheduler", "dag-processor", "triggerer", "api-server"}
    assert cycle["alive_after_stop"] == []
