"""The land step of a feed: land today's delivery, or wait for it without holding a worker slot.

``LandOperator`` lands and archives the date's delivery (``pipeline.land_delivery``). When nothing has
arrived:
- a weekly or monthly feed is not due every day: the task is skipped (nothing to load);
- a daily feed is due: the task defers to ``DeliveryTrigger`` (Airflow's triggerer polls
  ``tianyan.ingest.arrival`` every ``delivery_poke_interval``; no worker slot, no pool slot) until the
  delivery arrives -- then it lands it -- or the window closes (``delivery_window`` in
  include/config/orchestration.yaml, counted from the date's delivery hour). A delivery still missing then
  is recorded as MISSING (meta.feed_attempts / meta.feed_runs) and the task fails without retries, so
  the failure notification goes out and the run is not green.
``tianyan run`` does not wait ($TIANYAN_NO_WAIT): a missing daily delivery is recorded MISSING at once
and the task is skipped (the run goes on; the command's summary lists the feeds MISSING).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import pendulum
from airflow.sdk import BaseOperator
from airflow.triggers.base import BaseTrigger, TriggerEvent

from tianyan.orchestration.common import (
    delivery_deadline,
    delivery_poke_interval,
    delivery_window,
    landing_url,
    local_date,
    waits_enabled,
)

log = logging.getLogger(__name__)


def describe_landed(landed: dict) -> str:
    """One line for the task log: batch id and every file (name, bytes, sha256 prefix). No contents."""
    files = ", ".join(f"{f['name']} ({f['bytes']:,} bytes, sha256 {f['sha256'][:12]})" for f in landed["files"])
    return f"landed {len(landed['files'])} file(s) as batch {landed['batch_id']}: {files}"


class DeliveryTrigger(BaseTrigger):
    """Polls for a feed's delivery of one date until it arrives or ``deadline`` passes."""

    def __init__(self, feed_id: str, day: str, landing: str, deadline: str, poke_interval: float) -> None:
        super().__init__()
        self.feed_id = feed_id
        self.day = day
        self.landing = landing
        self.deadline = deadline
        self.poke_interval = poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {"feed_id": self.feed_id, "day": self.day, "landing": self.landing, "deadline": self.deadline,
                 "poke_interval": self.poke_interval})

    async def run(self):
        from tianyan.ingest.arrival import arrived
        from tianyan.registry import load_feeds

        feed = load_feeds()[self.feed_id]
        day = dt.date.fromisoformat(self.day)
        deadline = pendulum.parse(self.deadline)
        while True:
            if await asyncio.to_thread(arrived, feed, day, self.landing):
                yield TriggerEvent({"status": "arrived", "feed_id": self.feed_id, "day": self.day})
                return
            now = pendulum.now("UTC")
            if now >= deadline:
                yield TriggerEvent({"status": "missing", "feed_id": self.feed_id, "day": self.day})
                return
            await asyncio.sleep(min(self.poke_interval, max(0.5, (deadline - now).total_seconds())))


class LandOperator(BaseOperator):
    """Land and archive one feed's delivery of the run's business date (see the module docstring)."""

    ui_color = "#e8f1fa"

    def __init__(self, *, feed_id: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.feed_id = feed_id

    def execute(self, context) -> dict:
        return self._land_or_wait(context)

    def resume(self, context, event: dict | None = None) -> dict:
        """Back from the triggerer: the delivery arrived (land it) or the window closed (MISSING)."""
        if (event or {}).get("status") == "missing":
            self._missing(local_date(context), waited=True)
        return self._land_or_wait(context)

    def _land_or_wait(self, context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from tianyan.ingest.pipeline import DeliveryRejected, land_delivery
        from tianyan.registry import load_feeds

        feed = load_feeds()[self.feed_id]
        day = local_date(context)
        try:
            landed = land_delivery(feed, day, landing=landing_url())
        except DeliveryRejected as exc:
            # Refused at landing (a retry would get the same answer): fail now, with the reason.
            log.error("%s %s rejected at landing: %s", feed.id, day, exc)
            raise AirflowFailException(str(exc)) from exc
        if landed:
            log.info("%s %s: %s", feed.id, day, describe_landed(landed))
            return landed
        if feed.delivery.cadence != "daily":
            raise AirflowSkipException(
                f"{feed.id} {day}: nothing delivered; a {feed.delivery.cadence} feed is not due every day")
        deadline = delivery_deadline(feed.id, day)
        now = pendulum.now("UTC")
        if waits_enabled() and now < deadline:
            log.info("%s %s: not delivered yet; waiting in the triggerer (no worker slot) until %s, looking every "
                     "%.0fs", feed.id, day, deadline.in_timezone("Asia/Shanghai").to_datetime_string(),
                     delivery_poke_interval())
            self.defer(trigger=DeliveryTrigger(feed.id, day.isoformat(), landing_url(), deadline.isoformat(),
                                               delivery_poke_interval()),
                       method_name="resume")
        self._missing(day, waited=waits_enabled())
        raise AssertionError("unreachable")  # _missing raises

    def _missing(self, day: dt.date, *, waited: bool) -> None:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from tianyan.ingest.pipeline import record_missing
        from tianyan.registry import load_feeds

        feed = load_feeds()[self.feed_id]
        deadline = delivery_deadline(feed.id, day).in_timezone("Asia/Shanghai")
        if waited:
            reason = (f"no delivery of daily feed {feed.id} for {day} by {deadline.to_datetime_string()} China time "
                      f"(delivery window {delivery_window(feed.id)})")
        else:
            reason = f"no delivery of daily feed {feed.id} for {day} (tianyan run does not wait for deliveries)"
        record_missing(feed, day, reason)  # logs the reason too
        if not waited:
            # tianyan run keeps going (its summary lists the feeds MISSING); the scheduler's run goes red.
            raise AirflowSkipException(f"MISSING: {reason}")
        # No retry: the window is closed. The failure callback sends the notification.
        raise AirflowFailException(f"MISSING: {reason}")
