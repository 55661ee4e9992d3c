"""Run business dates through the real DAGs in-process (``dag.test()``), as ``tianyan run`` does.

Airflow stays the orchestrator: the department DAGs and the scoring DAG are parsed from dags/
exactly as the scheduler would, and each run goes through Airflow's task runner. The metadata DB is
the checkout's own (``localenv.local_metadata_url``: the database ``airflow`` on the embedded
PostgreSQL), the same one ``make airflow-ui`` uses, so the UI shows these runs too:

- each run is a new manual run with no logical date (like a REST trigger with ``logical_date: null``)
  and its business date in the conf, so it never collides with a run of the UI for the same date
  and its duration is its own;
- one writer per checkout: a second ``tianyan run``, or one while the checkout's local Airflow is
  up, is refused at once, naming what is running (``localenv.exclusive``);
- tasks do not wait for late deliveries (a missing daily delivery is reported MISSING at once),
  retry after seconds, not minutes, and a warehouse that cannot be reached stops the run at once.

Airflow's own chatter goes to a log file; the caller gets results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tianyan import paths
from tianyan.orchestration import localenv

log = logging.getLogger(__name__)

RUN_LOCK = "run"
UI_LOCK = "airflow-ui"
# In-process runs: short retry delays and connect timeouts, so that a dead warehouse fails the run
# within a minute instead of sitting in the scheduler's 2- and 4-minute backoffs.
IN_PROCESS_ENV = {"TIANYAN_NO_WAIT": "1", "TIANYAN_RETRY_DELAY": "3", "PGCONNECT_TIMEOUT": "10"}


class RunRefused(RuntimeError):
    """Another run (or the local Airflow) of this checkout is active."""


class WarehouseUnreachable(RuntimeError):
    """The warehouse cannot be reached: the run stops instead of failing every remaining task."""


@dataclass
class DagOutcome:
    dag_id: str
    state: str
    failed_tasks: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _quiet(logfile: Path) -> Iterator[None]:
    """Send fd-level stdout/stderr (Airflow's task logs) to a file for the duration."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(logfile, "ab") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def prepare_airflow(metadata_url: str | None = None) -> None:
    """Environment + migrated metadata DB (``metadata_url``; else whatever is configured, else SQLite)."""
    localenv.apply(metadata_url)
    from airflow.utils import db

    db.upgradedb()  # creates a new database, migrates an older one, no-op when current


@contextlib.contextmanager
def exchange_for(
    drop: str, dates: list[dt.date] | None = None, *, db_url: str | None = None
) -> Iterator[dict[str, str]]:
    """Serve the drop folder's http and database feeds through the simulated exchange, with the
    ``AIRFLOW_CONN_*`` variables pointing at it for the duration (``dates`` None: every date;
    ``db_url`` None: the configured or embedded front-end database)."""
    from tianyan.synth.exchange import ExchangeServer, exchange_connections, load_database_feeds
    from tianyan.warehouse.conn import exchange_url

    url = db_url or exchange_url()
    load_database_feeds(drop, url, dates=dates)
    token = secrets.token_urlsafe(16)
    with ExchangeServer(drop, token=token) as server:
        env = exchange_connections(server, url)
        with _env(env):
            yield env


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _dagbag():
    from airflow.dag_processing.dagbag import BundleDagBag

    folder = str(paths.DAGS_DIR)
    bag = BundleDagBag(dag_folder=folder, bundle_path=folder, bundle_name="dags-folder")
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag


@contextlib.contextmanager
def one_writer(what: str) -> Iterator[None]:
    """This process is the checkout's only runner: RunRefused at once otherwise."""
    try:
        with localenv.exclusive(RUN_LOCK, what):
            ui = localenv.held_by(UI_LOCK)
            if ui:
                raise RunRefused(
                    f"the local Airflow of this checkout is running ({ui}): trigger the DAGs there (UI or REST API, "
                    "conf {\"delivery_date\": \"YYYY-MM-DD\"}) or stop it (Ctrl-C) first")
            yield
    except localenv.Busy as exc:
        raise RunRefused(f"another run of this checkout is in progress: {exc}; wait for it to finish") from None


def _close_orphaned_runs() -> int:
    """Runs of ``tianyan run`` left running by an interrupted process (we hold the lock, so none is
    live): mark them failed, or a scheduler sharing the metadata DB would pick up their tasks."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from airflow.utils.types import DagRunTriggeredByType
    from sqlalchemy import select, update

    unfinished = [s for s in TaskInstanceState if s not in (TaskInstanceState.SUCCESS, TaskInstanceState.FAILED,
                                                            TaskInstanceState.SKIPPED,
                                                            TaskInstanceState.UPSTREAM_FAILED,
                                                            TaskInstanceState.REMOVED)]
    with create_session() as session:
        runs = session.execute(select(DagRun.dag_id, DagRun.run_id).where(
            DagRun.triggered_by == DagRunTriggeredByType.TEST,
            DagRun.state.in_([DagRunState.RUNNING, DagRunState.QUEUED]))).all()
        for dag_id, run_id in runs:
            session.execute(update(TaskInstance).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id,
                (TaskInstance.state.is_(None)) | TaskInstance.state.in_(unfinished)).values(state=TaskInstanceState.FAILED))
            session.execute(update(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id).values(
                state=DagRunState.FAILED))
    return len(runs)


def _consume_scoring_queue() -> None:
    """The loads above queued Asset events for the scoring (and public_site) DAG, which this run has just run:
    drop them, or the local Airflow's scheduler would start one more scoring run for them later."""
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id.in_(("scoring", "public_site"))))


def _new_dagrun(*, dag, logical_date, session, **kwargs):
    """dag.test()'s get_or_create_dagrun without its "replace the run of this logical date" step:
    with no logical date that step would delete an arbitrary earlier run without one (a UI's)."""
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunType

    assert logical_date is None
    return dag.create_dagrun(logical_date=None, run_type=DagRunType.MANUAL, state=DagRunState.RUNNING,
                             session=session, **kwargs)


def _test_run(dag, conf: dict):
    """One in-process run with no logical date (a new run id each time, as a REST trigger with
    ``logical_date: null``): the business date travels in ``conf``. Two steps of dag.test() assume a
    logical date and are replaced: it clears the task instances in [logical_date, logical_date] --
    unbounded without one, i.e. every earlier run of the DAG -- and it deletes the run that has the
    same logical date -- any run without one. The run is new: nothing to clear or replace."""
    from unittest import mock

    from airflow.serialization.definitions.dag import SerializedDAG

    with mock.patch.object(SerializedDAG, "clear_dags", return_value=0), \
            mock.patch("airflow.models.dagrun.get_or_create_dagrun", _new_dagrun):
        return dag.test(logical_date=None, run_conf=conf)


def warehouse_problem(url: str) -> str | None:
    """None when the warehouse answers within a few seconds, else the reason (no password in it)."""
    import psycopg

    from tianyan.warehouse.conn import psycopg_dsn

    try:
        with psycopg.connect(psycopg_dsn(url), connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return None


def run_dates(
    drop: str,
    dates: list[dt.date],
    *,
    departments: list[str] | None = None,
    scoring: bool = True,
    on_step: Callable[[str, DagOutcome], None] | None = None,
    logfile: Path | None = None,
    full_rescore: bool = False,
) -> list[DagOutcome]:
    """Each date through every department DAG (sorted), then scoring; returns per-DAG outcomes.

    Scoring is proportional (models whose inputs did not change carry their result forward,
    tianyan.scoring.proportional) unless ``full_rescore``."""
    from tianyan.warehouse.conn import redact, warehouse_url
    from tianyan.warehouse.migrate import migrate

    what = f"tianyan run {', '.join(d.isoformat() for d in dates)}" + (
        f" (departments {', '.join(departments)})" if departments else "")
    with one_writer(what):
        url = warehouse_url()
        problem = warehouse_problem(url)
        if problem:
            raise WarehouseUnreachable(f"warehouse {redact(url)} cannot be reached: {problem}")
        migrate(url)
        logfile = logfile or paths.STATE_DIR / "logs" / "airflow-run.log"
        outcomes: list[DagOutcome] = []
        base_env = {"AIRFLOW_CONN_WAREHOUSE": url, "TIANYAN_LANDING": drop, **IN_PROCESS_ENV}
        with _env(base_env), exchange_for(drop, dates):
            with _quiet(logfile):
                prepare_airflow(localenv.local_metadata_url())
                _close_orphaned_runs()
                bag = _dagbag()
            dept_ids = sorted(d for d in bag.dags if d.startswith("dept_"))
            if departments:
                dept_ids = [d for d in dept_ids if d.removeprefix("dept_") in departments]
            try:
                for day in dates:
                    plan = [(d, {"delivery_date": day.isoformat()}) for d in dept_ids]
                    if scoring:
                        plan.append(("scoring", {"as_of": day.isoformat(), "full_rescore": full_rescore}))
                        plan += [("public_site", {"as_of": day.isoformat()})] if "public_site" in bag.dags else []
                    for dag_id, conf in plan:
                        with _quiet(logfile):
                            dr = _test_run(bag.dags[dag_id], conf)
                        tis = dr.get_task_instances()
                        failed = [ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else "")
                                  for ti in tis if ti.state in ("failed", "upstream_failed")]
                        out = DagOutcome(dag_id, str(dr.state), failed)
                        outcomes.append(out)
                        if on_step:
                            on_step(day.isoformat(), out)
                        if out.state != "success":
                            problem = warehouse_problem(url)
                            if problem:
                                raise WarehouseUnreachable(
                                    f"warehouse {redact(url)} cannot be reached ({problem}); stopped after {dag_id} "
                                    f"for {day}: re-run the date once it is back (re-running gives the same state)")
                if scoring:
                    with _quiet(logfile):
                        _consume_scoring_queue()
            finally:
                with _quiet(logfile):
                    _close_orphaned_runs()  # an interrupted run must not be left for a scheduler to finish
    return outcomes


# ---- the embedded PostgreSQL ------------------------------------------------------------------------

def embedded_server_running() -> bool:
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(paths.STATE_DIR / "pgdata")
    return info is not None and info.is_running()


def stop_embedded_server_at_exit() -> None:
    """Stop the embedded PostgreSQL when this process exits, unless another live process uses it.

    pgserver stops a server when its last user exits (``cleanup_mode='stop'``); our connection module
    starts it to keep running. Users that died without saying goodbye stay in its list of users and
    would keep it up forever, so the list is pruned to live processes first."""
    import psutil
    from pgserver.postgres_server import PostgresServer

    from tianyan.warehouse.conn import embedded_server

    server = embedded_server()
    with PostgresServer._lock:
        users = server.global_process_id_list
        users.put([p for p in users.get() if p == os.getpid() or psutil.pid_exists(p)])
    server.cleanup_mode = "stop"


def stop_embedded_server() -> bool:
    """Stop the embedded PostgreSQL now (``make stop-db``); False when it was not running."""
    if not embedded_server_running():
        return False
    from pgserver._commands import pg_ctl

    from tianyan.warehouse.conn import embedded_server

    server = embedded_server()
    pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)
    server.global_process_id_list.put([])
    return True
