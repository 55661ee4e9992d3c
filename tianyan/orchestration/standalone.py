"""`make airflow-ui`: a local Airflow 3 that runs the daily cycle as production does, in the foreground.

One supervisor (this module) starts and watches Airflow's four components as child processes --
scheduler (LocalExecutor), dag-processor, triggerer, api-server -- with:

- metadata on PostgreSQL: the checkout's own database (``localenv.local_metadata_url``: ``airflow`` on
  the embedded server, shared with ``tianyan run``; ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` overrides),
  migrated at start; the async driver (asyncpg) is derived by Airflow from the same URL;
- one JWT secret for all components and the execution API on the chosen port (``AIRFLOW_PORT``);
- the pools of include/config/pools.json (re)created at start;
- the simulated department exchange serving ``TIANYAN_DROP`` (default: the demo's drop), with the
  department connections (``AIRFLOW_CONN_<DEPT>_API`` / ``_DB``) and the landing (``TIANYAN_LANDING``)
  pointing at it, so a department DAG triggered for a date of the drop loads the drop's deliveries;
- login admin / admin (SimpleAuthManager's passwords file is written first).

A component that dies is restarted (a few times, then everything stops with its log's last lines).
Ctrl-C or SIGTERM stops all of them. Components' logs: ``$AIRFLOW_HOME/logs/<component>.log``.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tianyan import paths
from tianyan.orchestration import localenv

COMPONENTS = ("scheduler", "dag-processor", "triggerer", "api-server")
MAX_RESTARTS = 5  # per component within RESTART_WINDOW_S; more means something is really broken
RESTART_WINDOW_S = 600
STOP_TIMEOUT_S = 30
READY_TIMEOUT_S = 240


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 2


def tuning(cpus: int | None = None) -> dict[str, str]:
    """Settings for a single machine, measured on 2 cores (bench/bench_cycle.py, docs/performance.md)."""
    cpus = cpus or _cpus()
    return {
        # Tasks mostly wait on PostgreSQL and I/O; two per core keeps both cores busy.
        "AIRFLOW__CORE__PARALLELISM": str(max(4, 2 * cpus)),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(max(4, 2 * cpus)),
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__API__WORKERS": "1",
        # The task supervisor notices its task's exit only between two waits of this length (Airflow 3.3
        # races the closing sockets against the exit and then sleeps a full interval): measured ~2 s lost
        # per task at the default 5 (a third of a validate_load), ~0.5 s at 1. Heartbeats get 5x as
        # frequent, one small request a second per running task.
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
    }


def airflow_env(*, port: int, metadata_url: str, secrets_dir: Path) -> dict[str, str]:
    """Environment of every component (in addition to ``localenv.airflow_defaults``)."""
    jwt = _persistent_secret(secrets_dir / "jwt_secret", lambda: secrets.token_urlsafe(32))
    env = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__BASE_URL": f"http://localhost:{port}",
        # The task runner reaches the execution API here (not the default 8080).
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        # One secret for every component: the api-server signs task tokens, workers present them.
        "AIRFLOW__API_AUTH__JWT_SECRET": jwt,
        "AIRFLOW__API__SECRET_KEY": jwt,
        "AIRFLOW__CORE__FERNET_KEY": _persistent_secret(secrets_dir / "fernet_key", _fernet_key),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(secrets_dir / "passwords.json"),
    }
    (secrets_dir / "passwords.json").write_text(json.dumps({"admin": "admin"}), encoding="utf-8")
    return env


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _persistent_secret(path: Path, make) -> str:
    """A local secret kept in the Airflow home (git-ignored) so that a restart keeps tokens and
    connections saved in the UI readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = make()
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


# ---- components -------------------------------------------------------------------------------------

def preload_for_tasks() -> None:
    """Imports and Great Expectations set-up every task needs, done once in the scheduler process:
    LocalExecutor's workers are forked from it and fork each task, so tasks start with them ready
    (measured: ~7 s of GX import and context set-up saved per validate_load task)."""
    import logging

    import pandas  # noqa: F401
    import pyarrow  # noqa: F401

    # GX logs its import-time bookkeeping at INFO; tasks log at INFO.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)

    import tianyan.alerts.report  # noqa: F401
    import tianyan.ingest.pipeline  # noqa: F401
    import tianyan.orchestration.delivery  # noqa: F401
    import tianyan.scoring.marts  # noqa: F401
    import tianyan.scoring.runner  # noqa: F401
    from tianyan.ingest import validate
    from tianyan.orchestration.departments import build_all
    from tianyan.orchestration.scoring import build_scoring_dag
    from tianyan.registry.models import load_models

    validate.warm_up()
    load_models()
    build_all()  # warms every lazy import and cache a DAG file parse touches
    build_scoring_dag()


def run_component(name: str) -> None:
    """Child process entry: one Airflow component, as ``airflow <name>`` would start it."""
    if name == "scheduler":
        preload_for_tasks()
    args = [name]
    if name == "api-server":
        args += ["--port", os.environ["AIRFLOW__API__PORT"], "--host", os.environ.get("AIRFLOW__API__HOST", "127.0.0.1")]
    sys.argv = ["airflow", *args]
    from airflow.__main__ import main

    main()


@dataclass
class Child:
    name: str
    log: Path
    proc: subprocess.Popen | None = None
    restarts: collections.deque = field(default_factory=collections.deque)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "tianyan.orchestration.standalone", "component", self.name]

    def start(self, env: dict[str, str]) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.log, "ab")  # noqa: SIM115 - the child owns it
        # Own session: the terminal's Ctrl-C reaches the supervisor only, which stops children in order.
        self.proc = subprocess.Popen(self.command(), env=env, stdout=fh, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, cwd=paths.ROOT)
        fh.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self) -> None:
        """SIGTERM to the component itself: it stops its own workers and task processes."""
        if self.alive():
            self.proc.terminate()

    def kill_group(self) -> None:
        """SIGKILL to the component's process group (its workers and tasks): nothing may outlive it."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
        except OSError:
            return ""


class Supervisor:
    def __init__(self, env: dict[str, str], log_dir: Path, say=print, children: list[Child] | None = None,
                 state_file: Path | None = None) -> None:
        self.env = env
        self.children = children or [Child(n, log_dir / f"{n}.log") for n in COMPONENTS]
        self.say = say
        self.stopping = False
        self.state_file = state_file

    def _write_state(self) -> None:
        """Which processes are ours ($AIRFLOW_HOME/local-airflow.json), for people and tests."""
        if self.state_file is not None:
            self.state_file.write_text(json.dumps({
                "supervisor": os.getpid(),
                "components": {c.name: c.proc.pid for c in self.children if c.proc is not None}}))

    def start(self) -> None:
        for c in self.children:
            c.start(self.env)
        self._write_state()

    def watch_once(self) -> str | None:
        """Restart children that died; returns a reason to give up, or None."""
        now = time.monotonic()
        for c in self.children:
            if self.stopping or c.alive():
                continue
            code = c.proc.returncode if c.proc else None
            while c.restarts and now - c.restarts[0] > RESTART_WINDOW_S:
                c.restarts.popleft()
            if len(c.restarts) >= MAX_RESTARTS:
                return (f"{c.name} exited (code {code}) {MAX_RESTARTS} times within {RESTART_WINDOW_S // 60} min; "
                        f"last lines of {c.log}:\n{c.tail()}")
            c.restarts.append(now)
            self.say(f"tianyan: {c.name} exited (code {code}); restarting it ({len(c.restarts)}/{MAX_RESTARTS}); "
                     f"log: {c.log}")
            c.start(self.env)
            self._write_state()
        return None

    def stop(self) -> None:
        self.stopping = True
        deadline = time.monotonic() + STOP_TIMEOUT_S
        # The scheduler first (no new tasks; its running tasks are told to stop and report through the
        # api-server), the api-server last.
        order = sorted(self.children, key=lambda c: c.name != "scheduler")
        for group in (order[:1], order[1:]):
            for c in group:
                c.terminate()
            while time.monotonic() < deadline and any(c.alive() for c in group):
                time.sleep(0.2)
        for c in self.children:
            c.kill_group()
        if self.state_file is not None:
            self.state_file.unlink(missing_ok=True)


# ---- start-up steps -----------------------------------------------------------------------------------

def import_pools(path: Path | None = None) -> dict[str, int]:
    """Create or update the pools of include/config/pools.json in the metadata DB (in-process)."""
    from airflow.models.pool import Pool

    path = path or paths.CONFIG_DIR / "pools.json"
    pools = json.loads(path.read_text(encoding="utf-8"))
    for name, p in pools.items():
        Pool.create_or_update_pool(name=name, slots=int(p["slots"]), description=p.get("description", ""),
                                   include_deferred=bool(p.get("include_deferred", False)))
    return {name: int(p["slots"]) for name, p in pools.items()}


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def wait_ready(port: int, timeout: float, alive) -> int:
    """Until the API answers a login and lists every DAG under dags/; returns how many it lists.

    Counting is not enough: the dag-processor serialises files one by one, so a count reached early
    can still miss a DAG whose file is parsed last (seen in CI: 26 of 27 listed when the test began).
    """
    import httpx

    from tianyan.orchestration.common import dag_ids

    expected = set(dag_ids())
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("a component exited during start-up")
        try:
            r = httpx.post(f"{base}/auth/token", json={"username": "admin", "password": "admin"}, timeout=5)
            if r.status_code in (200, 201):
                auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
                d = httpx.get(f"{base}/api/v2/dags", params={"limit": 1000}, timeout=10, headers=auth)
                if d.status_code == 200:
                    listed = {x["dag_id"] for x in d.json().get("dags", [])}
                    if expected <= listed:
                        return len(listed)
                    last = f"{len(listed & expected)} of {len(expected)} DAGs parsed so far, waiting for " \
                           f"{', '.join(sorted(expected - listed)[:5])}"
                    # Said, not raised: an error recorded by an earlier start stays until its file is re-parsed.
                    errors = httpx.get(f"{base}/api/v2/importErrors", timeout=10, headers=auth)
                    if errors.status_code == 200 and errors.json().get("import_errors"):
                        files = sorted({e.get("filename", "?") for e in errors.json()["import_errors"]})
                        last += f"; import errors in {', '.join(files)} (see the dag-processor log)"
            else:
                last = f"HTTP {r.status_code}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(1)
    raise TimeoutError(f"the local Airflow was not ready after {timeout:.0f}s ({last})")


class Client:
    """The local Airflow's REST API as a data engineer scripts it (token from POST /auth/token)."""

    def __init__(self, base_url: str, username: str = "admin", password: str = "admin") -> None:
        import httpx

        self.base = base_url.rstrip("/")
        r = httpx.post(f"{self.base}/auth/token", json={"username": username, "password": password}, timeout=30)
        r.raise_for_status()
        self.http = httpx.Client(base_url=self.base, timeout=60,
                                 headers={"Authorization": f"Bearer {r.json()['access_token']}"})

    def trigger(self, dag_id: str, conf: dict) -> str:
        """A manual run with no logical date; the business date travels in ``conf``."""
        r = self.http.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})
        if r.status_code >= 400:
            raise RuntimeError(f"trigger {dag_id}: HTTP {r.status_code} {r.text[:300]}")
        return r.json()["dag_run_id"]

    def runs(self, dag_id: str = "~", **params) -> list[dict]:
        out: list[dict] = []
        while True:
            r = self.http.get(f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100, "offset": len(out), **params})
            r.raise_for_status()
            page = r.json()
            out += page["dag_runs"]
            if not page["dag_runs"] or len(out) >= page["total_entries"]:
                return out

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        r = self.http.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})
        r.raise_for_status()
        return r.json()["task_instances"]

    def queued_asset_events(self, dag_id: str) -> int:
        r = self.http.get(f"/api/v2/dags/{dag_id}/assets/queuedEvents")
        if r.status_code == 404:
            return 0
        r.raise_for_status()
        return int(r.json().get("total_entries", 0))


FINAL_STATES = ("success", "failed")


def wait_for_cycle(client: Client, triggered: dict[str, str], *, timeout: float, poll: float = 2.0) -> dict:
    """Until every triggered department run has finished and the scoring they set off has settled
    (no scoring run queued or running, no Asset event waiting for one). Returns the runs seen."""
    deadline = time.monotonic() + timeout
    calm = 0
    while time.monotonic() < deadline:
        runs = {(r["dag_id"], r["dag_run_id"]): r for r in client.runs()}
        depts = [runs.get((d, rid)) for d, rid in triggered.items()]
        scoring = [r for (d, _), r in runs.items() if d == "scoring"]
        settled = (all(r is not None and r["state"] in FINAL_STATES for r in depts)
                   and all(r["state"] in FINAL_STATES for r in scoring)
                   and client.queued_asset_events("scoring") == 0)
        calm = calm + 1 if settled else 0
        if calm >= 2:  # twice in a row: the scheduler had a loop to turn the last events into a run
            return {"departments": depts, "scoring": scoring}
        time.sleep(poll)
    raise TimeoutError(f"the cycle had not settled after {timeout:.0f}s")


class LocalAirflow:
    """``make airflow-ui`` as a child process (tests, benches): start, wait for the ready line, stop.

    ``env`` is added to this process's environment (AIRFLOW_HOME, TIANYAN_STATE_DIR, metadata and
    warehouse URLs, ...); the supervisor's output goes to ``log``."""

    def __init__(self, *, port: int, drop: str | Path, env: dict[str, str], log: Path,
                 ready_timeout: float = READY_TIMEOUT_S) -> None:
        self.port, self.drop, self.env, self.log, self.ready_timeout = port, str(drop), env, log, ready_timeout
        self.proc: subprocess.Popen | None = None
        self.ready_s: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LocalAirflow:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen([sys.executable, "-m", "tianyan.orchestration.standalone", "--port", str(self.port),
                                          "--drop", self.drop], env={**os.environ, **self.env}, stdout=fh,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=paths.ROOT)
        deadline = t0 + self.ready_timeout + 120
        while time.monotonic() < deadline:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            if "tianyan: ready in" in text:
                self.ready_s = time.monotonic() - t0
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"make airflow-ui exited with {self.proc.returncode}:\n{text[-4000:]}")
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise TimeoutError(f"make airflow-ui not ready; log {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S + 30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def client(self) -> Client:
        return Client(self.url)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drop_dates(drop: Path) -> list[str]:
    try:
        return list(json.loads((drop / "manifest.json").read_text(encoding="utf-8")).get("dates") or [])
    except (OSError, ValueError):
        return []


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["component"]:
        import warnings

        # Import-time notices of libraries (pgserver's runtime dir, Starlette's test client) are noise
        # on the foreground console; the components keep theirs in their logs.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    if argv[:1] == ["component"]:
        run_component(argv[1])
        return 0
    if argv[:1] == ["stop-db"]:
        from tianyan.orchestration.inprocess import stop_embedded_server

        print("embedded PostgreSQL stopped" if stop_embedded_server() else "embedded PostgreSQL was not running")
        return 0
    parser = argparse.ArgumentParser(prog="make airflow-ui", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("AIRFLOW_PORT") or 8080))
    parser.add_argument("--drop", default=os.environ.get("TIANYAN_DROP") or "demo-drop",
                        help="exchange drop folder served to the DAGs (default: the demo's)")
    parser.add_argument("--exchange-port", type=int, default=int(os.environ.get("TIANYAN_EXCHANGE_PORT") or 0))
    args = parser.parse_args(argv)
    return serve(port=args.port, drop=args.drop, exchange_port=args.exchange_port)


def serve(*, port: int, drop: str, exchange_port: int = 0, ready_timeout: float = READY_TIMEOUT_S) -> int:
    from tianyan.orchestration.inprocess import (
        RUN_LOCK,
        UI_LOCK,
        embedded_server_running,
        stop_embedded_server_at_exit,
    )
    from tianyan.warehouse.conn import configured_url

    def say(msg: str) -> None:
        print(msg, flush=True)

    try:
        lock = localenv.exclusive(UI_LOCK, f"make airflow-ui on http://localhost:{port}")
        lock.__enter__()
    except localenv.Busy as exc:
        say(f"tianyan: the local Airflow of this checkout is already running: {exc}")
        return 2
    try:
        running = localenv.held_by(RUN_LOCK)
        if running:
            say(f"tianyan: refused: {running} is in progress in this checkout; start the UI when it has finished")
            return 2
        if not port_free(port):
            say(f"tianyan: port {port} is in use; choose another with AIRFLOW_PORT=8081 make airflow-ui")
            return 2
        return _serve(port=port, drop=drop, exchange_port=exchange_port, ready_timeout=ready_timeout, say=say,
                      # The embedded PostgreSQL this starts is stopped at the end (unless something else uses it).
                      stop_embedded=None if (configured_url("warehouse") or embedded_server_running())
                      else stop_embedded_server_at_exit)
    finally:
        lock.__exit__(None, None, None)


def _serve(*, port, drop, exchange_port, ready_timeout, say, stop_embedded) -> int:
    from tianyan.warehouse.conn import exchange_url, redact, warehouse_url
    from tianyan.warehouse.migrate import migrate

    t0 = time.monotonic()
    home = localenv.airflow_home()
    drop_path = (paths.ROOT / drop) if not Path(drop).is_absolute() else Path(drop)
    metadata = localenv.local_metadata_url()
    warehouse = warehouse_url()
    migrate(warehouse)
    localenv.apply(metadata)  # the checkout's defaults where the environment sets nothing
    env = {**tuning(), **os.environ}  # tuning is a default too (AIRFLOW__CORE__PARALLELISM=8 wins)
    env.update(airflow_env(port=port, metadata_url=metadata, secrets_dir=home / "secrets"))
    env.update({"AIRFLOW_CONN_WAREHOUSE": warehouse, "TIANYAN_LANDING": str(drop_path)})
    os.environ.update(env)  # the in-process steps below (migrate, pools) import airflow with it
    # The components log at INFO to their files; this foreground process prints its own lines only.
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"

    from tianyan.orchestration.inprocess import prepare_airflow

    prepare_airflow(metadata)
    pools = import_pools()
    server = None
    if drop_path.is_dir():
        from tianyan.synth.exchange import ExchangeServer, exchange_connections, load_database_feeds

        ex_db = exchange_url()
        load_database_feeds(drop_path, ex_db)
        server = ExchangeServer(drop_path, token=secrets.token_urlsafe(24), port=exchange_port).start()
        env.update(exchange_connections(server, ex_db))
    else:
        say(f"tianyan: warning: drop folder {drop_path} not found (run `make demo` or set TIANYAN_DROP); the DAGs "
            "will find no deliveries")
    sup = Supervisor(env, home / "logs", say=say, state_file=home / "local-airflow.json")
    stop_reason: list[str] = []

    def on_signal(signum, _frame) -> None:
        stop_reason.append(signal.Signals(signum).name)

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        sup.start()
        say(f"tianyan: starting the local Airflow (metadata {redact(metadata)}, warehouse {redact(warehouse)}, "
            f"pools {len(pools)}, parallelism {env['AIRFLOW__CORE__PARALLELISM']}; logs in {home / 'logs'}) ...")
        try:
            wait_ready(port, ready_timeout, alive=lambda: not stop_reason and all(c.alive() for c in sup.children))
        except (RuntimeError, TimeoutError) as exc:
            if stop_reason:
                return 0
            dead = [c for c in sup.children if not c.alive()]
            detail = "\n".join(f"--- {c.name} ({c.log}):\n{c.tail()}" for c in dead) if dead else ""
            say(f"tianyan: start-up failed: {exc}\n{detail}")
            return 1
        dates = drop_dates(drop_path)
        example = dates[0] if dates else "YYYY-MM-DD"
        ex = f"; exchange {server.base_url}" if server else ""
        say(f"tianyan: ready in {time.monotonic() - t0:.0f}s: http://localhost:{port} (login admin / admin); "
            f"drop {drop} (dates {', '.join(dates) or 'none'}){ex}: trigger the dept_* DAGs with conf "
            f"{{\"delivery_date\": \"{example}\"}} (UI: Trigger; REST: POST /api/v2/dags/<dag_id>/dagRuns with "
            f"logical_date null); scoring follows on its own. Ctrl-C stops.")
        while not stop_reason:
            problem = sup.watch_once()
            if problem:
                say(f"tianyan: giving up: {problem}")
                return 1
            time.sleep(1)
        return 0
    finally:
        say("tianyan: stopping the local Airflow ...")
        sup.stop()
        if server is not None:
            server.stop()
        for s, h in old.items():
            signal.signal(s, h)
        if stop_embedded is not None:
            stop_embedded()
        say("tianyan: stopped")


if __name__ == "__main__":
    sys.exit(main())
