"""Airflow's side of the notifications (``tianyan.alerts.notify``): the task-failure callback
``TianyanNotifier`` and the e-mail channel (the smtp provider's ``SmtpNotifier``)."""

from __future__ import annotations

import logging

from airflow.sdk import BaseNotifier

from tianyan.alerts import notify
from tianyan.connections import ConnectionSettings

log = logging.getLogger(__name__)

FAILURE_SUBJECT = "[tianyan] {{ ti.dag_id }}.{{ ti.task_id }} failed"
FAILURE_MESSAGE = (
    "Task {{ ti.task_id }} of DAG {{ ti.dag_id }} failed (run {{ run_id }}, try {{ ti.try_number }}). "
    "For an ingest task this usually means the delivery was rejected: see the task log and "
    "meta.feed_runs / meta.quarantine."
)


def smtp_sender(context: dict | None = None) -> notify.EmailSender:
    """An e-mail sender for ``notify.send``: the smtp provider with the connection's extras."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    def send(conn: ConnectionSettings, subject: str, html: str) -> None:
        to = [a.strip() for a in str(conn.extra.get("to") or "").split(",") if a.strip()]
        SmtpNotifier(to=to, from_email=conn.extra.get("from_email"), subject=subject, html_content=html,
                     smtp_conn_id=conn.conn_id).notify(context or {})

    return send


def notify_new_high_alerts(as_of, url: str | None = None) -> int:
    """``notify.notify_new_high_alerts`` with the e-mail channel available (the scoring DAG's task)."""
    return notify.notify_new_high_alerts(as_of, url, email=smtp_sender())


class TianyanNotifier(BaseNotifier):
    """Airflow notifier for task callbacks, e.g. ``on_failure_callback=TianyanNotifier()``.

    ``subject`` and ``message`` are Jinja templates rendered with the task context.
    """

    template_fields = ("subject", "message")

    def __init__(self, subject: str = FAILURE_SUBJECT, message: str = FAILURE_MESSAGE, *,
                 event: str = "task_failed", conn_id: str = notify.CONN_ID, **kwargs):
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
            notify.send(self.subject, self.message, payload, conn_id=self.conn_id, email=smtp_sender(context))
        except notify.NotifyNotConfigured as err:
            log.warning("notification not sent: %s", err)
