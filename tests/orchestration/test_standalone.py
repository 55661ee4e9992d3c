"""`make airflow-ui`'s supervisor (tianyan.orchestration.standalone) without starting Airflow: restarts, stopping,
refusals, settings shared by the components; and `tianyan exchange serve`'s ready output."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tianyan import paths
from tianyan.orchestration import localenv, standalone
from tianyan.orchestration.inprocess import RUN_LOCK, UI_LOCK


class Scripted(standalone.Child):
    """A component that runs a small Python script instead of Airflow."""

    def __init__(self, name: str, log: Path, script: str) -> None:
        super().__init__(name, log)
        self.script = script

    def command(self) -> list[str]:
        return [sys.executable, "-c", self.script]


def test_a_crashed_component_is_restarted_then_given_up_on(tmp_path, monkeypatch):
    monkeypatch.setattr(standalone, "MAX_RESTARTS", 3)
    said: list[str] = []
    crasher = Scripted("scheduler", tmp_path / "scheduler.log", "print('boom: metadata gone'); raise SystemExit(3)")
    steady = Scripted("api-server", tmp_path / "api.log", "import time; time.sleep(60)")
    sup = standalone.Supervisor({**os.environ}, tmp_path, say=said.append, children=[crasher, steady],
                                state_file=tmp_path / "state.json")
    sup.start()
    try:
        problem = None
        deadline = time.monotonic() + 30
        while problem is None and time.monotonic() < deadline:
            time.sleep(0.3)
            problem = sup.watch_once()
        assert problem is not None, "never gave up"
        assert "scheduler exited (code 3) 3 times" in problem and "boom: metadata gone" in problem
        assert sum("restarting it" in s for s in said) == 3
        assert steady.alive()  # the healthy component was left alone
        state = json.loads((tmp_path / "state.json").read_text())
        assert set(state["components"]) == {"scheduler", "api-server"}
    finally:
        sup.stop()
    assert not steady.alive() and not (tmp_path / "state.json").exists()


def test_stopping_ends_components_and_their_children(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    # A component that starts a worker process of its own and ignores SIGTERM for a while.
    script = ("import signal, subprocess, sys, time\n"
              "signal.signal(signal.SIGTERM, lambda *a: None)\n"
              f"p = subprocess.Popen(['sleep', '300']); open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
              "time.sleep(300)")
    child = Scripted("scheduler", tmp_path / "s.log", script)
    sup = standalone.Supervisor({**os.environ}, tmp_path, say=lambda s: None, children=[child])
    sup.start()
    deadline = time.monotonic() + 20
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    grandchild = int(pid_file.read_text())
    old = standalone.STOP_TIMEOUT_S
    standalone.STOP_TIMEOUT_S = 1
    try:
        sup.stop()
    finally:
        standalone.STOP_TIMEOUT_S = old
    assert not child.alive()
    time.sleep(0.2)
    assert not psutil.pid_exists(grandchild) or psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE


def test_components_share_one_secret_and_the_chosen_port(tmp_path):
    env1 = standalone.airflow_env(port=8123, metadata_url="postgresql+psycopg://x/airflow", secrets_dir=tmp_path)
    env2 = standalone.airflow_env(port=8123, metadata_url="postgresql+psycopg://x/airflow", secrets_dir=tmp_path)
    assert env1["AIRFLOW__API_AUTH__JWT_SECRET"] == env2["AIRFLOW__API_AUTH__JWT_SECRET"]  # kept across restarts
    assert len(env1["AIRFLOW__API_AUTH__JWT_SECRET"]) >= 32
    assert env1["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    assert env1["AIRFLOW__API__PORT"] == "8123" and env1["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert json.loads((tmp_path / "passwords.json").read_text()) == {"admin": "admin"}
    assert oct((tmp_path / "jwt_secret").stat().st_mode & 0o777) == "0o600"
    assert standalone.tuning(2)["AIRFLOW__CORE__PARALLELISM"] == "4"


@pytest.mark.parametrize(("lock", "expect"), [(UI_LOCK, "already running"), (RUN_LOCK, "is in progress")])
def test_the_ui_refuses_to_start_next_to_another_runner(capsys, lock, expect):
    with localenv.exclusive(lock, "tianyan run 2026-11-27" if lock == RUN_LOCK else "make airflow-ui"):
        assert standalone.serve(port=standalone.free_port(), drop="demo-drop") == 2
    assert expect in capsys.readouterr().out


def test_the_ui_refuses_a_port_in_use(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert standalone.serve(port=s.getsockname()[1], drop="demo-drop") == 2
    out = capsys.readouterr().out
    assert "is in use" in out and "AIRFLOW_PORT=" in out


def test_exchange_serve_prints_token_connections_and_a_ready_line(tmp_path, make_database):
    drop = tmp_path / "drop"
    page = drop / "discipline" / "complaints" / "2026-11-27" / "page-1.json"
    page.parent.mkdir(parents=True)
    page.write_text(json.dumps({"items": [], "next_page": None}))
    env = {**os.environ, "AIRFLOW_CONN_EXCHANGE_DB": make_database("serve_ex")}
    proc = subprocess.Popen([sys.executable, "-m", "tianyan.cli", "exchange", "serve", "--drop", str(drop), "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=paths.ROOT,
                            # as a shell's background job starts it: Ctrl-C must still stop it
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if line.startswith("tianyan exchange: ready at "):
                break
        text = "\n".join(lines)
        assert lines and lines[-1].startswith("tianyan exchange: ready at http://127.0.0.1:"), text
        token = next(ln for ln in lines if ln.startswith("# token: ")).removeprefix("# token: ")
        api = next(ln for ln in lines if ln.startswith("export AIRFLOW_CONN_DISCIPLINE_API="))
        assert token in api
        assert any(ln.startswith("export AIRFLOW_CONN_FINANCE_DB=") for ln in lines)
        assert f"export TIANYAN_LANDING='{drop.resolve()}'" in lines
        base = lines[-1].removeprefix("tianyan exchange: ready at ").split(",")[0]
        r = httpx.get(f"{base}/discipline/complaints", params={"date": "2026-11-27", "page": "1"},
                      headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json() == {"items": [], "next_page": None}
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0


def test_ready_waits_for_every_dag_not_a_count(httpserver):
    """The dag-processor lists DAGs file by file: 26 of 27 is not ready (CI once began a run there)."""
    from tianyan.orchestration.common import dag_ids

    every = dag_ids()
    assert len(every) == 27 and {"scoring", "public_site", "rules_whatif"} <= set(every)
    calls = {"n": 0}

    def dags(_request):
        calls["n"] += 1
        listed = every if calls["n"] >= 3 else [d for d in every if d != "rules_whatif"]
        from werkzeug import Response

        return Response(json.dumps({"dags": [{"dag_id": d} for d in listed], "total_entries": len(listed)}),
                        content_type="application/json")

    httpserver.expect_request("/auth/token", method="POST").respond_with_json({"access_token": "t"})
    httpserver.expect_request("/api/v2/dags").respond_with_handler(dags)
    httpserver.expect_request("/api/v2/importErrors").respond_with_json(
        {"import_errors": [{"filename": "dags/rules.py", "stack_trace": "boom"}], "total_entries": 1})
    assert standalone.wait_ready(httpserver.port, timeout=30, alive=lambda: True) == 27
    assert calls["n"] == 3


def test_ready_timeout_names_the_missing_dags_and_import_errors(httpserver):
    httpserver.expect_request("/auth/token", method="POST").respond_with_json({"access_token": "t"})
    httpserver.expect_request("/api/v2/dags").respond_with_json({"dags": [{"dag_id": "scoring"}], "total_entries": 1})
    httpserver.expect_request("/api/v2/importErrors").respond_with_json(
        {"import_errors": [{"filename": "dags/departments.py", "stack_trace": "x"}], "total_entries": 1})
    with pytest.raises(TimeoutError) as exc:
        standalone.wait_ready(httpserver.port, timeout=2, alive=lambda: True)
    assert "1 of 27 DAGs" in str(exc.value) and "dept_agriculture" in str(exc.value)
    assert "dags/departments.py" in str(exc.value)
