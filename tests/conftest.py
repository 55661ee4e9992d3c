"""Session fixtures shared by every test: a PostgreSQL server and fresh warehouses on it.

The server is ``$TIANYAN_TEST_PG`` (an admin database URL; .ci/run points it at the machine's
PostgreSQL when one is up), else 127.0.0.1:5432, else the embedded pgserver wheel.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid

import pytest
import sqlalchemy as sa

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# Each test session gets its own Airflow home (SQLite metadata), so tests never share state with
# a developer's .airflow/ or with another test run. Set before anything imports airflow.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="tianyan-airflow-")
os.environ.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
# Likewise the archive, work folders, Data Docs and reports: nothing of a test lands in .tianyan/.
os.environ["TIANYAN_STATE_DIR"] = tempfile.mkdtemp(prefix="tianyan-state-")
os.environ.pop("TIANYAN_ARCHIVE", None)
# Airflow reads its configuration on first import: apply the checkout's settings (DAGs folder,
# SQLite metadata in the session's home) now, whichever test module imports airflow first.
from tianyan.orchestration import localenv  # noqa: E402

localenv.apply()


def _sa(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def find_admin_url() -> str:
    for url in (os.environ.get("TIANYAN_TEST_PG"), DEFAULT_SERVER):
        if not url:
            continue
        try:
            eng = sa.create_engine(_sa(url), isolation_level="AUTOCOMMIT")
            with eng.connect() as c:
                c.execute(sa.text("select 1"))
            eng.dispose()
            return _sa(url)
        except Exception:  # noqa: BLE001 - try the next candidate
            continue
    from tianyan.warehouse.conn import _to_sqlalchemy, embedded_server

    return _to_sqlalchemy(embedded_server().get_uri("postgres"))


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return find_admin_url()


@pytest.fixture(scope="session")
def make_database(pg_admin_url):
    """Factory: a new empty database on the test server (dropped at the end of the session)."""
    created: list[str] = []
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")

    def make(prefix: str = "t") -> str:
        name = f"tianyan_{prefix}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(sa.text(f'create database "{name}"'))
        created.append(name)
        return sa.engine.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as c:
        for name in created:
            c.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@pytest.fixture(scope="session")
def warehouse_url(make_database) -> str:
    """A migrated warehouse (migrations + core definitions) shared by the session."""
    from tianyan.warehouse.migrate import migrate

    url = make_database("wh")
    migrate(url)
    return url


def pytest_sessionfinish(session, exitstatus):
    # pgserver logs from an atexit hook after the streams are closed; its "Logging error" tracebacks
    # would otherwise print after pytest's summary line.
    logging.getLogger("pgserver").disabled = True
    logging.raiseExceptions = False
