"""Helpers of the proportional re-score tests: what a user sees of the alerts, and two scorings of a
date (proportional, full) to compare."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tianyan.scoring.runner import run_model

# Every column of the alerts a user sees, their events and their evidence rows.
ALERTS = sa.text(
    "select alert_id, model_id, subject_kind, subject_id, evidence_key, region_code, unit_code, severity, "
    "amount, first_seen, last_seen, status, resolved_on, cast(evidence as text), model_version, office_code, "
    "overdue_since from alerts.alert order by alert_id")
EVENTS = sa.text("select event_key, alert_id, kind, at, actor, from_status, to_status, note "
                 "from alerts.alert_event order by event_key")
EVIDENCE = sa.text("select alert_id, seq, source_feed, source_key, cast(matched as text) "
                   "from alerts.alert_evidence order by alert_id, seq")


def seen(url: str) -> dict[str, list[tuple]]:
    eng = sa.create_engine(url)
    try:
        with eng.connect() as c:
            return {"alerts": [tuple(r) for r in c.execute(ALERTS)],
                    "events": [tuple(r) for r in c.execute(EVENTS)],
                    "evidence": [tuple(r) for r in c.execute(EVIDENCE)]}
    finally:
        eng.dispose()


def score(url: str, models, as_of: dt.date, *, full: bool) -> dict[str, str]:
    """Every model as of the date (full: forced), then the daily lifecycle; model id -> status."""
    from tianyan.alerts import lifecycle

    out = {m.id: run_model(m, as_of, url, force=full).status for m in models}
    lifecycle.apply(as_of, url)
    return out


def assert_same(prop_url: str, full_url: str, when: str) -> None:
    a, b = seen(prop_url), seen(full_url)
    for part in ("alerts", "events", "evidence"):
        only_prop = sorted(set(a[part]) - set(b[part]))[:5]
        only_full = sorted(set(b[part]) - set(a[part]))[:5]
        assert a[part] == b[part], f"{when}: {part} differ; proportional only {only_prop}, full only {only_full}"
