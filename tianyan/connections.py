"""Connection settings by Airflow conn id, usable with or without a running Airflow.

Order of lookup for ``conn_id``:
1. ``AIRFLOW_CONN_<CONN_ID upper>`` in the environment, in either form Airflow accepts: a URI
   (``http://:TOKEN@127.0.0.1:8765/``, ``postgresql://user:pw@host:5432/db?sslmode=require``) or
   a JSON document (``{"conn_type": "postgres", "host": ..., "password": ..., "extra": {...}}``).
2. The lookups registered with ``register_lookup``: inside an Airflow task, the task SDK's
   ``Connection.get`` (registered by ``tianyan.orchestration.connections``, the only Airflow code) so
   that the metadata database and any secrets backend can answer.

Secrets found are handed to the registered maskers (Airflow's log masker inside a task).

The one parser of Airflow connections: ingest transports, the warehouse (``tianyan.warehouse.conn``) and
the notifications (``tianyan.alerts.notify``) all read their connections here.

Conn ids used by the ingest transports: ``<department>_api`` (http feeds: host/port of the
exchange, password = bearer token) and ``<department>_db`` (database feeds: the department's
front-end PostgreSQL).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

# Airflow's URI form keeps a JSON extra in this query parameter when it is not a flat dict.
_EXTRA_KEY = "__extra__"
# libpq keywords that may ride along in a postgres connection's extra.
_LIBPQ_EXTRAS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
)


class ConnectionNotFound(LookupError):
    """No connection with this id is configured anywhere we may look."""


@dataclass(frozen=True)
class ConnectionSettings:
    conn_id: str
    conn_type: str
    host: str | None = None
    port: int | None = None
    login: str | None = None
    # repr=False: a connection printed in a log or traceback must not leak the secret.
    password: str | None = field(default=None, repr=False)
    schema: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def database(self) -> str | None:
        """Airflow stores a postgres database name in ``schema``."""
        return self.schema

    def http_base_url(self) -> str:
        """Base URL of an http connection, without a trailing slash.

        Follows Airflow's HttpHook: a host may carry its own protocol (``https://host``) and a
        schema of ``http``/``https`` is the protocol; any other schema (or extra ``base_path``)
        is a path prefix under the host.
        """
        host = (self.host or "").strip()
        if not host:
            raise ValueError(f"connection {self.conn_id!r}: no host")
        schema = (self.schema or "").strip()
        schema_is_protocol = schema.lower() in ("http", "https")
        path = str(self.extra.get("base_path") or ("" if schema_is_protocol else schema))
        if "://" in host:
            base = host.rstrip("/")
        else:
            if schema_is_protocol:
                scheme = schema.lower()
            else:
                scheme = str(self.extra.get("scheme") or ("https" if self.conn_type == "https" else "http"))
            if ":" in host and not host.startswith("["):  # bare IPv6 literal
                host = f"[{host}]"
            base = f"{scheme}://{host}" + (f":{self.port}" if self.port else "")
        path = path.strip("/")
        return f"{base}/{path}" if path else base

    def sqlalchemy_url(self) -> str:
        """``postgresql+psycopg://...`` URL (password included: pass it to an engine, never log it)."""
        import sqlalchemy as sa

        query = {k: str(self.extra[k]) for k in _LIBPQ_EXTRAS if self.extra.get(k) not in (None, "")}
        if not self.host and self.extra.get("host"):  # a unix-socket directory as ?host=/path
            query["host"] = str(self.extra["host"])
        url = sa.engine.URL.create(
            "postgresql+psycopg",
            username=self.login or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port,
            database=self.schema or None,
            query=query,
        )
        return url.render_as_string(hide_password=False)

    def psycopg_conninfo(self, **overrides: Any) -> str:
        """libpq conninfo string for ``psycopg.connect`` (COPY needs the raw driver)."""
        from psycopg.conninfo import make_conninfo

        params: dict[str, Any] = {k: self.extra[k] for k in _LIBPQ_EXTRAS if self.extra.get(k) not in (None, "")}
        params.update(
            # A unix-socket directory may come as ?host=/path (SQLAlchemy's form, used by the embedded server).
            host=self.host or self.extra.get("host") or None,
            port=self.port,
            user=self.login or None,
            password=self.password or None,
            dbname=self.schema or None,
        )
        params.update(overrides)
        return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def _normalize_conn_type(conn_type: str) -> str:
    # Same normalisation as airflow.sdk.Connection so ids/types agree with the Airflow UI.
    if conn_type == "postgresql":
        return "postgres"
    return conn_type.replace("-", "_")


def _parse_extra(raw: Any) -> dict[str, Any]:
    if raw in (None, ""):
        return {}
    if isinstance(raw, dict):
        return dict(raw)
    try:
        doc = json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"extra is not a JSON object ({exc})") from None
    if not isinstance(doc, dict):
        raise ValueError("extra is not a JSON object")
    return doc


def parse_uri(conn_id: str, uri: str) -> ConnectionSettings:
    """Parse Airflow's URI form (including ``scheme://protocol://host`` and ``__extra__``)."""
    uri = uri.strip()
    if uri.count("://") > 2 or "://" not in uri:
        raise ValueError(f"connection {conn_id!r}: not a connection URI")
    conn_type, rest = uri.split("://", 1)
    protocol = None
    if "://" in rest:  # host given with its own protocol, e.g. http://https%3A%2F%2Fhost or http://https://host
        protocol, rest = rest.split("://", 1)
    parts = urlsplit("//" + rest)
    host = unquote(parts.hostname or "") or None
    if host and protocol:
        host = f"{protocol}://{host}"
    elif host and "%3a%2f%2f" in (parts.netloc or "").lower():
        host = unquote(parts.netloc.rsplit("@", 1)[-1])  # percent-encoded protocol inside the host
    extra: dict[str, Any] = {}
    if parts.query:
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        extra = _parse_extra(query[_EXTRA_KEY]) if _EXTRA_KEY in query else query
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"connection {conn_id!r}: bad port ({exc})") from None
    return ConnectionSettings(
        conn_id=conn_id,
        conn_type=_normalize_conn_type(conn_type),
        host=host,
        port=port,
        login=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        schema=unquote(parts.path[1:]) if parts.path[1:] else None,
        extra=extra,
    )


def parse_json(conn_id: str, doc: str) -> ConnectionSettings:
    """Parse Airflow's JSON form of a connection."""
    try:
        c = json.loads(doc)
    except ValueError as exc:
        raise ValueError(f"connection {conn_id!r}: not valid JSON ({exc.msg})") from None
    if not isinstance(c, dict):
        raise ValueError(f"connection {conn_id!r}: JSON form must be an object")
    port = c.get("port")
    try:
        port = int(port) if port not in (None, "") else None
    except (TypeError, ValueError):
        raise ValueError(f"connection {conn_id!r}: port {port!r} is not an integer") from None
    return ConnectionSettings(
        conn_id=conn_id,
        conn_type=_normalize_conn_type(str(c.get("conn_type") or "")),
        host=c.get("host") or None,
        port=port,
        login=c.get("login") or None,
        password=c.get("password") or None,
        schema=c.get("schema") or None,
        extra=_parse_extra(c.get("extra")),
    )


def parse(conn_id: str, raw: str) -> ConnectionSettings:
    """A connection from either Airflow serialisation (JSON if it starts with ``{``)."""
    raw = raw.strip()
    return parse_json(conn_id, raw) if raw.startswith("{") else parse_uri(conn_id, raw)


Lookup = Callable[[str], "ConnectionSettings | None"]
_LOOKUPS: list[Lookup] = []
_MASKERS: list[Callable[[str], None]] = []


def register_lookup(lookup: Lookup, *, masker: Callable[[str], None] | None = None) -> None:
    """Add a lookup asked after the environment (returns None when it has no such connection) and a
    masker every secret found is given to. Registering the same function twice adds it once."""
    if lookup not in _LOOKUPS:
        _LOOKUPS.append(lookup)
    if masker is not None and masker not in _MASKERS:
        _MASKERS.append(masker)


def _from_lookups(conn_id: str) -> ConnectionSettings | None:
    for lookup in _LOOKUPS:
        found = lookup(conn_id)
        if found is not None:
            return found
    return None


def _mask(secret: str | None) -> None:
    if secret:
        for masker in _MASKERS:
            masker(secret)


def env_var(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def get_connection(conn_id: str) -> ConnectionSettings:
    """Settings of ``conn_id``; ConnectionNotFound naming the env var when nothing is configured."""
    raw = os.environ.get(env_var(conn_id))
    if raw and raw.strip():
        conn = parse(conn_id, raw)
    else:
        found = _from_lookups(conn_id)
        if found is None:
            raise ConnectionNotFound(
                f"connection {conn_id!r} is not configured: set {env_var(conn_id)} "
                "(URI or JSON form) or define it in Airflow"
            )
        conn = found
    _mask(conn.password)
    return conn
