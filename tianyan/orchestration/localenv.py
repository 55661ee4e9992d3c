"""Environment for running Airflow from the checkout (CLI, Makefile, tests).

Airflow reads its configuration when first imported, so this must run before ``import airflow``.
Values already set in the environment win (docker-compose, CI and tests set their own).

Metadata: ``tianyan run`` and ``make airflow-ui`` share one PostgreSQL database of their own
(``airflow`` on the embedded server, see ``local_metadata_url``) so that the runs of one checkout
are one history. Without an explicit URL, ``apply()`` falls back to SQLite in the Airflow home:
only for callers that never start a scheduler (tests of single DAG runs).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from tianyan import paths

METADATA_DB = "airflow"


class Busy(RuntimeError):
    """Something else of this checkout holds the lock (its description is the message)."""


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME") or paths.ROOT / ".airflow")


def airflow_defaults() -> dict[str, str]:
    home = airflow_home()
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(paths.DAGS_DIR),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(paths.ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        # A checkout is a development machine: DAGs run when triggered, without an unpause step.
        # Unpausing never starts a run for a date nobody asked for (the DAGs have no start_date).
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        # INFO: the task logs carry what a data engineer needs (files, counts, batch ids, reasons).
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW__API__EXPOSE_CONFIG": "False",
        # GX would otherwise start an analytics thread in every worker.
        "GX_ANALYTICS_ENABLED": "False",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(paths.ROOT), os.environ.get("PYTHONPATH")])),
    }


def local_metadata_url() -> str:
    """The checkout's Airflow metadata database: $AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, else the
    database ``airflow`` on the embedded PostgreSQL (created on first use; never the warehouse's)."""
    configured = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    if configured:
        return configured
    from tianyan.warehouse.conn import embedded_url

    return embedded_url(METADATA_DB)


def apply(metadata_url: str | None = None) -> None:
    """Set the defaults (``metadata_url`` replaces the SQLite fallback) unless already set."""
    if metadata_url:
        os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", metadata_url)
    for k, v in airflow_defaults().items():
        os.environ.setdefault(k, v)
    airflow_home().mkdir(parents=True, exist_ok=True)


# ---- one checkout, one writer ---------------------------------------------------------------------

def _lock_path(name: str) -> Path:
    folder = airflow_home() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.lock"


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    return info.get("what") or "another process"


def held_by(name: str) -> str | None:
    """Who holds lock ``name`` (its description), or None when it is free."""
    path = _lock_path(name)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder(path)
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None


@contextlib.contextmanager
def exclusive(name: str, what: str) -> Iterator[None]:
    """Hold lock ``name`` of this checkout's Airflow home for the duration; Busy at once (naming the
    holder) when another process has it. The lock is an flock, so a killed holder frees it."""
    path = _lock_path(name)
    fh = open(path, "a+")  # noqa: SIM115 - held open for the duration
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(_holder(path)) from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"what": f"{what} (pid {os.getpid()}, since {time.strftime('%H:%M:%S')})"}))
        fh.flush()
        yield
    finally:
        fh.close()  # closing releases the flock
