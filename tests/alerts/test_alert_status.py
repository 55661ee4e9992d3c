"""Alert status has one owner (tianyan.alerts.lifecycle): each change writes its event in the same statement,
so the history is complete whenever the lifecycle runs, and no other code changes a status."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from lifecycle_city import alert_id, pr01_hits, score

from tianyan import paths
from tianyan.warehouse.sqlfiles import without_comments

D = dt.date(2025, 5, 1)
PR01 = [alert_id("PR01", "enterprise", f"91520000MA{i:08d}") for i in range(6)]


@pytest.fixture
def warehouse(make_database):
    from tianyan.warehouse.migrate import migrate

    url = make_database("status")
    migrate(url)
    eng = sa.create_engine(url)
    yield eng
    eng.dispose()


def history(conn, aid: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sa.text(
        "select kind, from_status, to_status, cast(at as date) from alerts.alert_event where alert_id = :a "
        "order by event_id"), {"a": aid})]


def test_scoring_writes_each_status_change_with_its_event(warehouse):
    day = [D + dt.timedelta(days=i) for i in range(3)]
    with warehouse.begin() as c:
        assert score(c, "PR01", pr01_hits(), day[0]) == {
            "hits": 6, "alerts_new": 6, "alerts_updated": 0, "alerts_resolved": 0}
    with warehouse.begin() as c:  # [3] gone, then back the day after: both changes are history
        assert score(c, "PR01", pr01_hits(leave_out=(3,)), day[1])["alerts_resolved"] == 1
    with warehouse.begin() as c:
        assert score(c, "PR01", pr01_hits(), day[2]) == {
            "hits": 6, "alerts_new": 0, "alerts_updated": 6, "alerts_resolved": 0}
    with warehouse.begin() as c:  # the same run again changes nothing and adds no event
        score(c, "PR01", pr01_hits(), day[2])
    with warehouse.connect() as c:
        assert history(c, PR01[3]) == [("created", None, "NEW", day[0]), ("observed", "NEW", "RESOLVED", day[1]),
                                       ("observed", "RESOLVED", "NEW", day[2])]
        assert history(c, PR01[0]) == [("created", None, "NEW", day[0])]
        assert c.execute(sa.text("select status, resolved_on from alerts.alert where alert_id = :a"),
                         {"a": PR01[3]}).one() == ("NEW", None)
        assert c.execute(sa.text("select count(*) from alerts.alert_event")).scalar() == 8


def test_an_assigned_alert_resolved_by_data_records_where_it_was(warehouse):
    from tianyan.alerts import lifecycle

    with warehouse.begin() as c:
        score(c, "PR01", pr01_hits(), D)
        lifecycle.apply(D, conn=c)
        score(c, "PR01", pr01_hits(leave_out=(0,)), D + dt.timedelta(days=1))
    with warehouse.connect() as c:
        assert [h[:3] for h in history(c, PR01[0])] == [
            ("created", None, "NEW"), ("assigned", "NEW", "ASSIGNED"), ("observed", "ASSIGNED", "RESOLVED")]


def test_only_the_lifecycle_changes_alert_status():
    """No statement outside include/sql/lifecycle (and the migrations) writes alerts.alert."""
    writes = re.compile(r"(insert\s+into|update)\s+alerts\.alert\b(?!_)", re.IGNORECASE)
    owners = {paths.SQL_DIR / "lifecycle", paths.MIGRATIONS_DIR}
    found = []
    for path in [*paths.SQL_DIR.rglob("*.sql"), *(paths.ROOT / "tianyan").rglob("*.py")]:
        if not any(path.is_relative_to(o) for o in owners) and writes.search(path.read_text(encoding="utf-8")):
            found.append(str(path.relative_to(paths.ROOT)))
    assert found == []


def test_migration_records_the_events_a_legacy_warehouse_owes(warehouse):
    """Alerts scored before the change (no event yet, or resolved since their last event) get the events
    the lifecycle used to reconstruct."""
    legacy, resolved = "a" * 32, "b" * 32
    with warehouse.begin() as c:
        for aid, status in ((legacy, "NEW"), (resolved, "RESOLVED")):
            c.execute(sa.text(
                "insert into alerts.alert (alert_id, model_id, subject_kind, subject_id, evidence_key, severity, "
                "first_seen, last_seen, status, resolved_on, evidence) values (:a, 'SA01', 'person', :a, '', 'high', "
                ":d, :d, :s, :r, '[]')"), {"a": aid, "d": D, "s": status,
                                             "r": D + dt.timedelta(days=2) if status == "RESOLVED" else None})
        c.execute(sa.text(
            "insert into alerts.alert_event (event_key, alert_id, kind, at, actor, to_status) "
            "values ('created|' || :a, :a, 'created', :d, 'scoring:SA01', 'NEW')"), {"a": resolved, "d": D})
        sql = (paths.MIGRATIONS_DIR / "0011_alert_status_events.sql").read_text(encoding="utf-8")
        c.execute(sa.text(without_comments(sql)))
    with warehouse.connect() as c:
        assert history(c, legacy) == [("created", None, "NEW", D)]
        assert history(c, resolved) == [("created", None, "NEW", D),
                                        ("observed", "NEW", "RESOLVED", D + dt.timedelta(days=2))]
