"""Notifications to the owners: rejected deliveries (task failures) and new high-severity alerts.

The channel is the Airflow connection ``tianyan_notify``:
- ``http`` / ``https``: a JSON webhook POST to ``<scheme>://host[:port]/<schema>``; a password is sent
  as ``Authorization: Bearer <password>``; extra ``{"headers": {...}}`` adds headers.
- ``smtp`` (or ``email``): an e-mail through the smtp provider's ``SmtpNotifier``; recipients in the
  connection's extra ``{"to": "a@x.cn,b@x.cn", "from_email": "tianyan@x.cn"}`` (plus the usual smtp
  extras such as ``disable_tls``).
No connection configured -> a warning in the log, nothing sent (development machines).

Messages leave the warehouse, so they never carry personal identifiers: alert ids, models, offices
and amounts only; the detail is in the warehouse behind row-level security.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import httpx
import sqlalchemy as sa
from airflow.sdk import BaseNotifier

from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)

CONN_ID = "tianyan_notify"
TIMEOUT_S = 20
MAX_LISTED = 50  # alerts listed one by one in a message; the rest are counted

FAILURE_SUBJECT = "[tianyan] {{ ti.dag_id }}.{{ ti.task_id }} failed"
FAILURE_MESSAGE = (
    "Task {{ ti.task_id }} of DAG {{ ti.dag_id }} failed (run {{ run_id }}, try {{ ti.try_number }}). "
    "For an ingest task this usually means the delivery was rejected: see the task log and "
    "meta.feed_runs / meta.quarantine."
)


class NotifyNotConfigured(RuntimeError):
    pass


def _connection(conn_id: str):
    from airflow.sdk import Connection

    try:
        return Connection.get(conn_id)
    except Exception as exc:  # noqa: BLE001 - AirflowNotFoundException and friends
        raise NotifyNotConfigured(f"connection {conn_id!r} is not configured: {exc}") from exc


def _webhook(conn, subject: str, message: str, payload: dict) -> None:
    scheme = "https" if conn.conn_type == "https" else "http"
    port = f":{conn.port}" if conn.port else ""
    path = (conn.schema or "").lstrip("/")
    url = f"{scheme}://{conn.host}{port}/{path}"
    extra = conn.extra_dejson or {}
    headers = {"Content-Type": "application/json", **(extra.get("headers") or {})}
    if conn.password:
        headers["Authorization"] = f"Bearer {conn.password}"
    body = json.dumps({"subject": subject, "message": message, **payload}, default=str, ensure_ascii=False)
    resp = httpx.post(url, content=body.encode("utf-8"), headers=headers, timeout=TIMEOUT_S)
    resp.raise_for_status()


def _email(conn, conn_id: str, subject: str, message: str, payload: dict, context: dict | None) -> None:
    from html import escape

    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    extra = conn.extra_dejson or {}
    to = [a.strip() for a in str(extra.get("to") or "").split(",") if a.strip()]
    if not to:
        raise NotifyNotConfigured(f"connection {conn_id!r}: extra 'to' (recipients) is missing")
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(json.dumps(v, default=str, ensure_ascii=False))}"
                   f"</td></tr>" for k, v in payload.items())
    html = f"<p>{escape(message)}</p><table>{rows}</table>"
    SmtpNotifier(to=to, from_email=extra.get("from_email"), subject=subject, html_content=html,
                 smtp_conn_id=conn_id).notify(context or {})


def send(subject: str, message: str, payload: dict[str, Any], *, conn_id: str = CONN_ID,
         context: dict | None = None) -> str:
    """Deliver one message through the configured channel; returns the channel used ('webhook'/'email')."""
    conn = _connection(conn_id)
    if conn.conn_type in ("http", "https"):
        _webhook(conn, subject, message, payload)
        return "webhook"
    if conn.conn_type in ("smtp", "email"):
        _email(conn, conn_id, subject, message, payload, context)
        return "email"
    raise NotifyNotConfigured(f"connection {conn_id!r} has type {conn.conn_type!r}; use http, https or smtp")


class TianyanNotifier(BaseNotifier):
    """Airflow notifier for task callbacks, e.g. ``on_failure_callback=TianyanNotifier()``.

    ``subject`` and ``message`` are Jinja templates rendered with the task context.
    """

    template_fields = ("subject", "message")

    def __init__(self, subject: str = FAILURE_SUBJECT, message: str = FAILURE_MESSAGE, *,
                 event: str = "task_failed", conn_id: str = CONN_ID, **kwargs):
        super().__init__(**kwargs)
        self.subject = subject
        self.message = message
        self.event = event
        self.conn_id = conn_id

    def notify(self, context) -> None:
        ti = context.get("ti") or context.get("task_instance")
        exc = context.get("exception")
        payload = {
            "event": self.event,
            "dag_id": getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", None),
            "task_id": getattr(ti, "task_id", None),
            "map_index": getattr(ti, "map_index", None),
            "run_id": context.get("run_id") or getattr(ti, "run_id", None),
            "try_number": getattr(ti, "try_number", None),
            "logical_date": context.get("logical_date"),
            "exception": None if exc is None else f"{type(exc).__name__}: {exc}"[:2000],
        }
        try:
            send(self.subject, self.message, payload, conn_id=self.conn_id, context=context)
        except NotifyNotConfigured as err:
            log.warning("notification not sent: %s", err)


NEW_HIGH_ALERTS = """
with fresh as (
    select
        a.alert_id,
        a.model_id,
        coalesce(m.title_en, a.model_id) as model_title,
        a.office_code,
        a.region_code,
        a.amount,
        a.first_seen
    from alerts.alert as a
    left join alerts.model_catalog as m on a.model_id = m.model_id
    where
        a.severity = 'high'
        and a.status in ('NEW', 'ASSIGNED')
        and a.first_seen <= cast(:as_of as date)
        and not exists (select 1 from alerts.notified as n where n.alert_id = a.alert_id)
)

select f.alert_id, f.model_id, f.model_title, f.office_code, f.region_code, f.amount, f.first_seen
from fresh as f
order by f.amount desc nulls last, f.alert_id
"""


def notify_new_high_alerts(as_of: dt.date, url: str | None = None, *, conn_id: str = CONN_ID) -> int:
    """Announce open high-severity alerts not announced before (one message); returns how many.

    Alerts are marked in alerts.notified only after the message went out, so a failed send is
    retried by the next run and a retried task does not announce twice.
    """
    eng = get_engine(url)
    with eng.connect() as conn:
        rows = conn.execute(sa.text(NEW_HIGH_ALERTS), {"as_of": as_of}).mappings().all()
    if not rows:
        return 0
    per_model: dict[str, int] = {}
    for r in rows:
        per_model[r["model_id"]] = per_model.get(r["model_id"], 0) + 1
    payload = {
        "event": "new_high_alerts",
        "as_of": as_of.isoformat(),
        "count": len(rows),
        "by_model": per_model,
        "alerts": [{k: r[k] for k in ("alert_id", "model_id", "model_title", "office_code", "region_code",
                                      "amount", "first_seen")} for r in rows[:MAX_LISTED]],
        "more": max(0, len(rows) - MAX_LISTED),
    }
    subject = f"[tianyan] {len(rows)} new high-severity alert(s) as of {as_of}"
    message = "New high-severity alerts: " + ", ".join(f"{m} x{n}" for m, n in sorted(per_model.items()))
    try:
        channel = send(subject, message, payload, conn_id=conn_id)
    except NotifyNotConfigured as err:
        log.warning("high-severity alerts not announced: %s", err)
        return 0
    with eng.begin() as conn:
        conn.execute(sa.text(
            "insert into alerts.notified (alert_id, as_of, channel) values (:alert_id, :as_of, :channel) "
            "on conflict (alert_id) do nothing"),
            [{"alert_id": r["alert_id"], "as_of": as_of, "channel": channel} for r in rows])
    log.info("announced %d new high-severity alerts via %s", len(rows), channel)
    return len(rows)
