"""End to end: a synthetic city's alerts go through routing, outcomes, history, overdue and the marts."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from lifecycle_city import D0, DISTRICT_A, DISTRICT_B, add_dispositions, pr01_hits, score

from tianyan.scoring.marts import refresh

UNKNOWN = "f" * 32


def at(days: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(D0 + dt.timedelta(days=days), dt.time(hour))


def day(days: int) -> dt.date:
    return D0 + dt.timedelta(days=days)


@pytest.fixture(scope="module")
def replayed(city_url):
    """Replay the city's month: refresh on D0, D0+3, D0+10 (twice), D0+20, D0+40; snapshots in between."""
    url, ids = city_url
    of01, pr01 = ids["OF01"], ids["PR01"]
    eng = sa.create_engine(url)
    snap: dict = {}
    refresh(D0, url)
    with eng.connect() as c:
        snap["d0"] = c.execute(sa.text("select alert_id, status, office_code from alerts.alert")).all()
        snap["d0_events"] = c.execute(sa.text("select count(*) from alerts.alert_event")).scalar()
    # PR01 scored on D0+2 no longer produces [3]: resolved by data
    with eng.begin() as c:
        snap["d2_scoring"] = score(c, "PR01", pr01_hits(leave_out=(3,)), day(2))
    # outcomes delivered on D0+5 and D0+6 (recorded on those days)
    add_dispositions(url, [(a, "CONFIRMED", 1000, at(5)) for a in of01[:5]]
                     + [(of01[5], "PARTLY_CONFIRMED", 500, at(5)), (of01[6], "NO_ISSUE", None, at(5)),
                        (pr01[0], "CONFIRMED", 2000, at(5))]
                     + [(pr01[i], "NO_ISSUE", None, at(5)) for i in (1, 2, 3, 4)]
                     + [(pr01[5], "DUPLICATE", None, at(5)), (UNKNOWN, "CONFIRMED", 1, at(5))],
                     day(5), "b-disp-1")
    add_dispositions(url, [(of01[5], "CONFIRMED", 800, at(6))], day(6), "b-disp-2")
    refresh(day(3), url)  # outcomes recorded after D0+3 must not apply yet
    with eng.connect() as c:
        snap["d3"] = dict(c.execute(sa.text("select alert_id, status from alerts.alert")).all())
    with eng.begin() as c:
        c.execute(sa.text(
            "insert into meta.feed_runs (feed_id, delivery_date, batch_id, status, delivered, loaded, quarantined,"
            " collapsed, reason) values (:f, :d, :b, :s, :dl, :l, :q, 0, :r)"), [
            {"f": "organization.public_units", "d": day(8), "b": "r1", "s": "LOADED", "dl": 4, "l": 4, "q": 0,
             "r": None},
            {"f": "discipline.complaints", "d": day(5), "b": "r2", "s": "LOADED", "dl": 100, "l": 90, "q": 10,
             "r": None},
            {"f": "audit.findings", "d": day(2), "b": "r3", "s": "LOADED", "dl": 2, "l": 2, "q": 0, "r": None},
            {"f": "audit.findings", "d": day(9), "b": "r4", "s": "REJECTED", "dl": 10, "l": 0, "q": 0,
             "r": "share of bad rows 0.6 > 0.2"}])
    refresh(day(10), url)
    with eng.connect() as c:
        snap["d10_events"] = c.execute(sa.text("select count(*) from alerts.alert_event")).scalar()
        snap["d10_quarantine"] = c.execute(sa.text("select count(*) from meta.quarantine")).scalar()
        snap["d10_marts"] = c.execute(sa.text(
            "select (select count(*) from marts.outcomes_by_model where as_of = :d), "
            "(select count(*) from marts.risk_index_unit where as_of = :d), "
            "(select count(*) from marts.feed_health where as_of = :d)"), {"d": day(10)}).one()
    refresh(day(10), url)  # replay: nothing new
    refresh(day(20), url)
    with eng.connect() as c:
        snap["d20_overdue"] = c.execute(sa.text(
            "select count(*) from alerts.alert where overdue_since is not null")).scalar()
    refresh(day(40), url, overdue_days=30)
    eng.dispose()
    return url, ids, snap


def q(url: str, sql: str, **params):
    eng = sa.create_engine(url)
    with eng.connect() as c:
        rows = c.execute(sa.text(sql), params).all()
    eng.dispose()
    return rows


def test_routing_to_offices(replayed):
    url, ids, snap = replayed
    office = {a: o for a, _, o in snap["d0"]}
    assert {s for _, s, _ in snap["d0"]} == {"ASSIGNED"}
    assert {office[a] for a in ids["OF01"]} == {f"INSP-{DISTRICT_A}"}
    assert {office[a] for a in ids["PR01"][:5]} == {f"INSP-{DISTRICT_B}"}  # [4] through its unit's region
    assert office[ids["PR01"][5]] == "INSP-CITY"  # neither region nor unit
    names = dict(q(url, "select office_code, name from alerts.office"))
    assert names[f"INSP-{DISTRICT_A}"].startswith("甲区委")  # derived from the unit register
    assert snap["d0_events"] == 32  # created + assigned for 16 alerts


def test_outcomes_wait_for_their_date(replayed):
    _, ids, snap = replayed
    assert snap["d3"][ids["OF01"][0]] == "ASSIGNED"
    assert snap["d3"][ids["PR01"][3]] == "RESOLVED"


def test_statuses_after_outcomes(replayed):
    url, ids, _ = replayed
    status = dict(q(url, "select alert_id, status from alerts.alert"))
    of01, pr01 = ids["OF01"], ids["PR01"]
    assert [status[a] for a in of01] == ["CONFIRMED"] * 6 + ["NO_ISSUE"] + ["ASSIGNED"] * 3
    assert [status[a] for a in pr01] == ["CONFIRMED", "NO_ISSUE", "NO_ISSUE", "NO_ISSUE", "NO_ISSUE", "DUPLICATE"]
    (rec,) = q(url, "select amount_recovered, outcome_by from alerts.alert where alert_id = :a", a=of01[5])
    assert float(rec.amount_recovered) == 800 and rec.outcome_by == "investigator-07"


def test_event_history(replayed):
    url, ids, _ = replayed
    hist = q(url, "select kind, from_status, to_status, actor from alerts.alert_event where alert_id = :a "
                  "order by event_id", a=ids["OF01"][5])
    assert [(h.kind, h.from_status, h.to_status) for h in hist] == [
        ("created", None, "NEW"), ("assigned", "NEW", "ASSIGNED"),
        ("disposition", "ASSIGNED", "PARTLY_CONFIRMED"), ("disposition", "PARTLY_CONFIRMED", "CONFIRMED")]
    assert hist[-1].actor == "investigator-07"
    hist = q(url, "select kind, from_status, to_status from alerts.alert_event where alert_id = :a "
                  "order by event_id", a=ids["PR01"][3])
    assert [(h.kind, h.from_status, h.to_status) for h in hist] == [
        ("created", None, "NEW"), ("assigned", "NEW", "ASSIGNED"), ("observed", "ASSIGNED", "RESOLVED"),
        ("disposition", "RESOLVED", "NO_ISSUE")]


def test_replay_is_idempotent(replayed):
    url, _, snap = replayed
    counts = q(url, "select (select count(*) from alerts.alert_event where at < :d), "
                    "(select count(*) from meta.quarantine), "
                    "(select count(*) from marts.outcomes_by_model where as_of = :day), "
                    "(select count(*) from marts.risk_index_unit where as_of = :day), "
                    "(select count(*) from marts.feed_health where as_of = :day)",
               d=dt.datetime.combine(day(11), dt.time()), day=day(10))[0]
    assert counts[0] == snap["d10_events"]
    assert counts[1] == snap["d10_quarantine"]
    assert tuple(counts[2:]) == tuple(snap["d10_marts"])


def test_unknown_alert_quarantined(replayed):
    url, _, _ = replayed
    rows = q(url, "select feed_id, rule, batch_id, raw from meta.quarantine")
    assert len(rows) == 1
    assert (rows[0].feed_id, rows[0].rule, rows[0].batch_id) == ("discipline.alert_dispositions", "unknown_alert",
                                                                 "b-disp-1")
    assert rows[0].raw["alert_id"] == UNKNOWN and rows[0].raw["outcome"] == "CONFIRMED"


def test_history_is_append_only(replayed):
    url, _, _ = replayed
    eng = sa.create_engine(url)
    for sql in ("update alerts.alert_event set note = 'x'", "delete from alerts.alert_event",
                "truncate alerts.alert_event"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), eng.begin() as c:
            c.execute(sa.text(sql))
    eng.dispose()


def test_precision_per_model(replayed):
    url, _, _ = replayed
    rows = {r.model_id: r for r in q(url, "select * from marts.outcomes_by_model where as_of = :d", d=day(10))}
    of, pr = rows["OF01"], rows["PR01"]
    assert (of.domain, of.confirmed, of.no_issue, of.decided, of.open_alerts) == ("official_conduct", 6, 1, 7, 3)
    assert float(of.confirmed_share) == pytest.approx(6 / 7, abs=1e-4)
    assert float(of.amount_recovered) == 5 * 1000 + 800 and not of.needs_tuning
    assert (pr.confirmed, pr.no_issue, pr.duplicate, pr.decided) == (1, 4, 1, 6)
    assert float(pr.confirmed_share) == pytest.approx(0.2) and pr.needs_tuning  # under 0.3 with >= 5 decided
    (dom,) = q(url, "select * from marts.outcomes_by_domain where as_of = :d and domain = 'procurement'", d=day(10))
    assert dom.models_needing_tuning == 1


def test_overdue_flag(replayed):
    url, ids, snap = replayed
    assert snap["d20_overdue"] == 0
    flagged = dict(q(url, "select alert_id, overdue_since from alerts.alert where overdue_since is not null"))
    assert set(flagged) == set(ids["OF01"][7:]) and set(flagged.values()) == {day(40)}
    (office,) = q(url, "select sum(overdue_alerts), sum(open_alerts) from marts.open_alerts_by_office "
                       "where as_of = :d and office_code = :o", d=day(40), o=f"INSP-{DISTRICT_A}")
    assert tuple(office) == (3, 3)
    events = q(url, "select count(*) from alerts.alert_event where kind = 'overdue'")
    assert events[0][0] == 3


def test_risk_index_and_trend(replayed):
    url, _, _ = replayed
    unit = {r.unit_code: r for r in q(url, "select * from marts.risk_index_unit where as_of = :d", d=day(10))}
    a = unit["U-A-CIVIL"]
    # 3 open high alerts (5 each) + 6 confirmed (10 each) + 4 complaints in 90 days
    assert (a.open_alerts, a.confirmed_alerts, float(a.alert_score), a.complaints_90d) == (3, 6, 75, 4)
    assert float(a.risk_index) == 79
    b = unit["U-B-FIN"]  # one confirmed alert + one overdue, unrectified finding (weight 2)
    assert (float(b.alert_score), b.overdue_findings, float(b.risk_index)) == (10, 1, 12)
    # trend: the D0+3 row is the 7-days-ago point for D0+10
    (prev,) = q(url, "select risk_index from marts.risk_index_unit where as_of = :d and unit_code = 'U-A-CIVIL'",
                d=day(3))
    assert float(a.risk_index_7d_ago) == float(prev.risk_index)
    assert float(a.change_7d) == float(a.risk_index) - float(prev.risk_index)
    days = q(url, "select count(distinct as_of) from marts.risk_index_region")
    assert days[0][0] == 5
    region = {r.district_code: r for r in q(url, "select * from marts.risk_index_region where as_of = :d",
                                            d=day(10))}
    assert float(region[DISTRICT_A].risk_index) == 79 and float(region[DISTRICT_B].risk_index) == 12


def test_feed_health(replayed):
    url, _, _ = replayed
    rows = {r.feed_id: r for r in q(url, "select * from marts.feed_health where as_of = :d", d=day(10))}
    assert rows["organization.public_units"].freshness == "OK"  # weekly, 2 days old
    assert rows["discipline.complaints"].freshness == "LATE"  # daily, 5 days old
    assert float(rows["discipline.complaints"].quarantined_share_30d) == pytest.approx(0.1)
    assert rows["audit.findings"].freshness == "REJECTED"
    assert rows["audit.findings"].last_reason.startswith("share of bad rows")
    assert rows["civil_affairs.assistance_payments"].freshness == "MISSING"
    from tianyan.registry import load_feeds

    assert set(rows) == set(load_feeds())
