"""Airflow's side of ``tianyan.connections``: inside a running task, connections not in the environment
are asked of the task SDK (metadata database, secrets backends), and every secret found is registered
with Airflow's log masker. Registered when the DAG modules are imported (``orchestration.common``)."""

from __future__ import annotations

import os

from tianyan import connections


def _in_task() -> bool:
    return bool(os.environ.get("AIRFLOW_CTX_DAG_ID"))


def airflow_connection(conn_id: str) -> connections.ConnectionSettings | None:
    """The task SDK's connection ``conn_id``; None outside a task or when Airflow has none."""
    if not _in_task():
        return None
    from airflow.sdk import Connection

    try:
        c = Connection.get(conn_id)
    except Exception:  # noqa: BLE001 - the SDK raises its own not-found types; tianyan reports its own
        return None
    return connections.ConnectionSettings(
        conn_id=conn_id,
        conn_type=c.conn_type or "",
        host=c.host or None,
        port=c.port,
        login=c.login or None,
        password=c.password or None,
        schema=c.schema or None,
        extra=dict(c.extra_dejson or {}),
    )


def mask_secret(secret: str) -> None:
    """Keep ``secret`` out of task logs."""
    if not _in_task():
        return
    from airflow.sdk.log import mask_secret as airflow_mask

    airflow_mask(secret)


def register() -> None:
    connections.register_lookup(airflow_connection, masker=mask_secret)
