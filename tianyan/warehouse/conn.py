"""Which warehouse to use, and how to reach it.

Order: the Airflow connection ``warehouse`` (``AIRFLOW_CONN_WAREHOUSE``, URI or JSON form, or any
secrets backend when running inside an Airflow task; read by ``tianyan.connections``, so libpq extras
such as ``sslmode`` are kept and the password is masked in task logs); otherwise an embedded PostgreSQL
started from the ``pgserver`` wheel under ``.tianyan/pgdata`` so that a fresh machine needs no server.

Every warehouse session runs in the contract's time zone (``TIME_ZONE``): ``engine`` and
``psycopg_dsn`` add ``options=-c timezone=Asia/Shanghai`` to whatever URL they are given, so dates
derived from timestamptz values do not depend on the server's or the role's default (migration 0009
sets the database default, but a warehouse on another server or behind another role may differ).
"""

from __future__ import annotations

import logging
import warnings
from functools import cache
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

from tianyan import paths
from tianyan.connections import ConnectionNotFound, get_connection

log = logging.getLogger(__name__)

EMBEDDED_DB = "tianyan"
EMBEDDED_EXCHANGE_DB = "tianyan_exchange"
TIME_ZONE = "Asia/Shanghai"  # the contract's wall time (docs/contract.md); sessions run in it
_SESSION_OPTION = f"-c timezone={TIME_ZONE}"


def _to_sqlalchemy(uri: str) -> str:
    parts = urlsplit(uri)
    scheme = parts.scheme
    if scheme in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        scheme = "postgresql+psycopg"
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def configured_url(conn_id: str = "warehouse") -> str | None:
    """The URL of a configured connection, or None when nothing is configured."""
    try:
        return get_connection(conn_id).sqlalchemy_url()
    except ConnectionNotFound:
        return None


def with_session_time_zone(url: str) -> str:
    """``url`` with ``-c timezone=<TIME_ZONE>`` appended to its libpq ``options`` (last one wins)."""
    u = sa.engine.make_url(url)
    options = u.query.get("options") or ""
    if isinstance(options, tuple):
        options = " ".join(options)
    if options.split()[-2:] == _SESSION_OPTION.split():
        return url
    u = u.update_query_dict({"options": f"{options} {_SESSION_OPTION}".strip()})
    return u.render_as_string(hide_password=False)


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
    return _engine(with_session_time_zone(url or warehouse_url()))


def psycopg_dsn(url: str | None = None) -> str:
    """libpq conninfo for psycopg (COPY) from a SQLAlchemy URL, in the session time zone."""
    from psycopg.conninfo import make_conninfo

    u = sa.engine.make_url(with_session_time_zone(url or warehouse_url()))
    params = {k: " ".join(v) if isinstance(v, tuple) else v for k, v in u.query.items()}
    params.update(host=u.host or params.get("host"), port=u.port, user=u.username, password=u.password,
                  dbname=u.database)
    return make_conninfo("", **{k: v for k, v in params.items() if v not in (None, "")})
