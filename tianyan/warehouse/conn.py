"""Which warehouse to use, and how to reach it.

Order: the Airflow connection ``warehouse`` (``AIRFLOW_CONN_WAREHOUSE``, URI or JSON form, or any
secrets backend when running inside an Airflow task); otherwise an embedded PostgreSQL started from
the ``pgserver`` wheel under ``.tianyan/pgdata`` so that a fresh machine needs no server.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from functools import cache
from urllib.parse import quote, urlsplit, urlunsplit

import sqlalchemy as sa

from tianyan import paths

log = logging.getLogger(__name__)

EMBEDDED_DB = "tianyan"
EMBEDDED_EXCHANGE_DB = "tianyan_exchange"


def _to_sqlalchemy(uri: str) -> str:
    parts = urlsplit(uri)
    scheme = parts.scheme
    if scheme in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        scheme = "postgresql+psycopg"
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def _from_json(doc: str) -> str:
    c = json.loads(doc)
    user = quote(c.get("login") or "", safe="")
    pw = quote(c.get("password") or "", safe="")
    auth = f"{user}:{pw}@" if pw else (f"{user}@" if user else "")
    port = f":{c['port']}" if c.get("port") else ""
    return f"postgresql://{auth}{c.get('host') or ''}{port}/{c.get('schema') or ''}"


def configured_url(conn_id: str = "warehouse") -> str | None:
    """The URL of a configured connection, or None when nothing is configured."""
    raw = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if raw:
        raw = raw.strip()
        return _to_sqlalchemy(_from_json(raw) if raw.startswith("{") else raw)
    if os.environ.get("AIRFLOW_CTX_DAG_ID"):  # inside a task: let secrets backends answer
        try:
            from airflow.sdk import Connection

            return _to_sqlalchemy(Connection.get(conn_id).get_uri())
        except Exception:  # noqa: BLE001 - not configured anywhere: fall back to embedded
            return None
    return None


def embedded_server():
    """Start (or reuse) the embedded PostgreSQL under .tianyan/pgdata; it keeps running."""
    import pgserver

    paths.STATE_DIR.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pgserver.get_server(paths.STATE_DIR / "pgdata", cleanup_mode=None)


def _ensure_database(admin_url: str, name: str) -> None:
    eng = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        if not c.execute(sa.text("select 1 from pg_database where datname = :n"), {"n": name}).first():
            c.execute(sa.text(f'create database "{name}"'))  # name is a constant of ours, not input
    eng.dispose()


@cache
def embedded_url(database: str = EMBEDDED_DB) -> str:
    server = embedded_server()
    admin = _to_sqlalchemy(server.get_uri("postgres"))
    _ensure_database(admin, database)
    return _to_sqlalchemy(server.get_uri(database))


def warehouse_url() -> str:
    """SQLAlchemy URL of the warehouse in use (starting the embedded one if needed)."""
    return configured_url("warehouse") or embedded_url(EMBEDDED_DB)


def exchange_url() -> str:
    """Front-end database of the simulated department exchange (separate from the warehouse)."""
    url = configured_url("exchange_db")
    if url:
        return url
    wh = configured_url("warehouse")
    if wh:  # same server, separate database
        parts = urlsplit(wh)
        name = (parts.path.lstrip("/") or "tianyan") + "_exchange"
        admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
        _ensure_database(admin, name)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    return embedded_url(EMBEDDED_EXCHANGE_DB)


def redact(url: str) -> str:
    """URL with the password hidden, for logs."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)


@cache
def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, pool_pre_ping=True)


def engine(url: str | None = None) -> sa.Engine:
    return _engine(url or warehouse_url())


def psycopg_dsn(url: str | None = None) -> str:
    """libpq conninfo for psycopg (COPY) from a SQLAlchemy URL."""
    u = sa.engine.make_url(url or warehouse_url())
    return u.set(drivername="postgresql").render_as_string(hide_password=False)
