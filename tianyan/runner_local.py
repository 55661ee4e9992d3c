"""Run logical dates through the real DAGs in-process (``dag.test()``), as ``tianyan run`` does.

Airflow stays the orchestrator: the department DAGs and the scoring DAG are parsed from dags/
exactly as the scheduler would, and each run goes through Airflow's task runner with the
metadata DB under .airflow/. Airflow's own chatter goes to a log file; the caller gets results.
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

from tianyan import localenv, paths

log = logging.getLogger(__name__)


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


def prepare_airflow() -> None:
    """Environment + migrated metadata DB (SQLite under .airflow/ unless configured otherwise)."""
    localenv.apply()
    from airflow.utils import db

    marker = localenv.airflow_home() / ".migrated"
    if not marker.exists():
        db.initdb()
        marker.write_text("ok")
    else:
        db.upgradedb()


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
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            yield env
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


def _forget_run(dag_id: str, logical_date) -> None:
    """Delete an earlier run of this DAG for this logical date (a re-run replaces it; dag.test would
    otherwise collide on (dag_id, logical_date), e.g. after an interrupted run)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(DagRun).where(DagRun.dag_id == dag_id, DagRun.logical_date == logical_date))


def run_dates(
    drop: str,
    dates: list[dt.date],
    *,
    departments: list[str] | None = None,
    scoring: bool = True,
    on_step: Callable[[str, DagOutcome], None] | None = None,
    logfile: Path | None = None,
) -> list[DagOutcome]:
    """Each date through every department DAG (sorted), then scoring; returns per-DAG outcomes."""
    import pendulum

    from tianyan.orchestration.common import TIMEZONE
    from tianyan.warehouse.conn import warehouse_url
    from tianyan.warehouse.migrate import migrate

    url = warehouse_url()
    migrate(url)
    os.environ["AIRFLOW_CONN_WAREHOUSE"] = url
    os.environ["TIANYAN_LANDING"] = drop
    logfile = logfile or paths.STATE_DIR / "logs" / "airflow-run.log"
    outcomes: list[DagOutcome] = []
    with exchange_for(drop, dates):
        with _quiet(logfile):
            prepare_airflow()
            bag = _dagbag()
        dept_ids = sorted(d for d in bag.dags if d.startswith("dept_"))
        if departments:
            dept_ids = [d for d in dept_ids if d.removeprefix("dept_") in departments]
        for day in dates:
            logical = pendulum.datetime(day.year, day.month, day.day, 2, tz=TIMEZONE)
            plan = [(d, {"delivery_date": day.isoformat()}) for d in dept_ids]
            if scoring:
                plan.append(("scoring", {"as_of": day.isoformat()}))
            for dag_id, conf in plan:
                with _quiet(logfile):
                    _forget_run(dag_id, logical)
                    dr = bag.dags[dag_id].test(logical_date=logical, run_conf=conf)
                failed = [ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else "")
                          for ti in dr.get_task_instances() if ti.state in ("failed", "upstream_failed")]
                out = DagOutcome(dag_id, str(dr.state), failed)
                outcomes.append(out)
                if on_step:
                    on_step(day.isoformat(), out)
    return outcomes
