"""Notifications to the owners: rejected deliveries (task failures) and new high-severity alerts.

The channel is the Airflow connection ``tianyan_notify`` (read with ``tianyan.connections``):
- ``http`` / ``https``: a JSON webhook POST to ``<scheme>://host[:port]/<schema>``; a password is sent
  as ``Authorization: Bearer <password>``; extra ``{"headers": {...}}`` adds headers.
- ``smtp`` (or ``email``): an e-mail through the smtp provider's ``SmtpNotifier``; recipients in the
  connection's extra ``{"to": "a@x.cn,b@x.cn", "from_email": "tianyan@x.cn"}`` (plus the usual smtp
  extras such as ``disable_tls``). Sending mail is Airflow's provider, so the sender comes from
  ``tianyan.orchestration.notifier`` (the Airflow task callback ``TianyanNotifier`` lives there too).
No connection configured -> a warning in the log, nothing sent (development machines).

Messages leave the warehouse, so they never carry personal identifiers: alert ids, models, offices
and amounts only; the detail is in the warehouse behind row-level security.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from html import escape
from typing import Any

import httpx
import sqlalchemy as sa

from tianyan.connections import ConnectionNotFound, ConnectionSettings, get_connection
from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)

CONN_ID = "tianyan_notify"
TIMEOUT_S = 20
MAX_LISTED = 50  # alerts listed one by one in a message; the rest are counted

# Sends one e-mail: (connection, subject, html body).
EmailSender = Callable[[ConnectionSettings, str, str], None]


class NotifyNotConfigured(RuntimeError):
    pass


def _connection(conn_id: str) -> ConnectionSettings:
    try:
        return get_connection(conn_id)
    except ConnectionNotFound as exc:
        raise NotifyNotConfigured(str(exc)) from exc


def _webhook(conn: ConnectionSettings, subject: str, message: str, payload: dict) -> None:
    url = f"{'https' if conn.conn_type == 'https' else 'http'}://{conn.host}"
    url += (f":{conn.port}" if conn.port else "") + "/" + (conn.schema or "").lstrip("/")
    headers = {"Content-Type": "application/json", **(conn.extra.get("headers") or {})}
    if conn.password:
        headers["Authorization"] = f"Bearer {conn.password}"
    body = json.dumps({"subject": subject, "message": message, **payload}, default=str, ensure_ascii=False)
    resp = httpx.post(url, content=body.encode("utf-8"), headers=headers, timeout=TIMEOUT_S)
    resp.raise_for_status()


def email_html(message: str, payload: dict) -> str:
    """The e-mail body: the message and the payload as a table, every value escaped."""
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(json.dumps(v, default=str, ensure_ascii=False))}"
                   f"</td></tr>" for k, v in payload.items())
    return f"<p>{escape(message)}</p><table>{rows}</table>"


def send(subject: str, message: str, payload: dict[str, Any], *, conn_id: str = CONN_ID,
         email: EmailSender | None = None) -> str:
    """Deliver one message through the configured channel; returns the channel used ('webhook'/'email').

    ``email`` sends an e-mail channel's message (``tianyan.orchestration.notifier.smtp_sender``)."""
    conn = _connection(conn_id)
    if conn.conn_type in ("http", "https"):
        _webhook(conn, subject, message, payload)
        return "webhook"
    if conn.conn_type in ("smtp", "email"):
        to = [a.strip() for a in str(conn.extra.get("to") or "").split(",") if a.strip()]
        if not to:
            raise NotifyNotConfigured(f"connection {conn_id!r}: extra 'to' (recipients) is missing")
        if email is None:
            raise NotifyNotConfigured(f"connection {conn_id!r} is an e-mail channel: send from an Airflow task")
        email(conn, subject, email_html(message, payload))
        return "email"
    raise NotifyNotConfigured(f"connection {conn_id!r} has type {conn.conn_type!r}; use http, https or smtp")


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


def notify_new_high_alerts(as_of: dt.date, url: str | None = None, *, conn_id: str = CONN_ID,
                           email: EmailSender | None = None) -> int:
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
        channel = send(subject, message, payload, conn_id=conn_id, email=email)
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
