"""Access: connect as a member of each group role and prove what it can and cannot see or do."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from lifecycle_city import D0, DISTRICT_A, person_id

from tianyan.scoring.marts import refresh

GROUPS = ("tianyan_engineer", "tianyan_analyst", "tianyan_investigator", "tianyan_pipeline")


@pytest.fixture(scope="module")
def logins(city_url, pg_admin_url):
    """One LOGIN user per group role (cluster-wide, so unique names; dropped afterwards)."""
    url, _ = city_url
    refresh(D0, url)
    tag = uuid.uuid4().hex[:6]
    users = {g: f"{g}_t{tag}" for g in GROUPS}
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        for group, user in users.items():
            c.execute(sa.text(f"create role {user} login password 'test-only' in role {group}"))
    owner = sa.create_engine(url)
    with owner.begin() as c:  # the investigator works in district A only
        c.execute(sa.text("insert into alerts.investigator_region (login, region_prefix) values (:u, :p)"),
                  {"u": users["tianyan_investigator"], "p": DISTRICT_A})
    owner.dispose()
    engines = {}
    for group, user in users.items():
        u = sa.engine.make_url(url).set(username=user, password="test-only")
        engines[group] = sa.create_engine(u)
    yield engines
    for e in engines.values():
        e.dispose()
    with admin.connect() as c:
        for user in users.values():
            c.execute(sa.text(f"drop role if exists {user}"))
    admin.dispose()


def can(engine, sql: str, **params) -> bool:
    try:
        with engine.begin() as c:
            c.execute(sa.text(sql), params)
        return True
    except sa.exc.ProgrammingError as exc:
        assert "permission denied" in str(exc) or "row-level security" in str(exc), exc
        return False


def rows(engine, sql: str, **params):
    with engine.connect() as c:
        return c.execute(sa.text(sql), params).all()


def test_engineer_reads_everything_writes_nothing(logins):
    e = logins["tianyan_engineer"]
    assert len(rows(e, "select * from alerts.alert")) == 16
    assert len(rows(e, "select * from marts.alert_detail")) == 16
    assert rows(e, "select count(*) from organization.public_units")[0][0] == 4
    assert can(e, "select * from meta.feed_runs") and can(e, "select * from marts_masked.alert_detail")
    assert not can(e, "select * from meta.secret")  # the pseudonym salt
    assert not can(e, "update alerts.alert set status = 'NO_ISSUE'")
    assert not can(e, "insert into meta.quarantine (feed_id, delivery_date, batch_id, source_file, row_no, rule, "
                      "message, raw) values ('x', current_date, 'b', 'f', 1, 'r', 'm', '{}')")
    assert not can(e, "delete from marts.feed_health")


def test_analyst_reads_masked_marts_only(logins):
    e = logins["tianyan_analyst"]
    detail = rows(e, "select * from marts_masked.alert_detail where subject_kind = 'person' order by alert_id")
    assert len(detail) == 10
    cols = set(detail[0]._fields)
    assert "subject_id" not in cols and "evidence" not in cols and "evidence_key" not in cols
    real = {person_id(i) for i in range(10)}
    for r in detail:
        assert r.subject_masked not in real and r.subject_masked.endswith("*")
        assert r.subject_ref.startswith("P") and len(r.subject_ref) == 17
    assert len({r.subject_ref for r in detail}) == 10  # stable pseudonyms still count subjects
    enterprise = rows(e, "select subject_masked from marts_masked.alert_detail where subject_kind = 'enterprise'")
    assert {r[0][:10] for r in enterprise} == {"91520000MA"}  # not personal: shown as is
    assert can(e, "select * from marts_masked.outcomes_by_model")
    assert can(e, "select * from marts_masked.risk_index_region")
    for table in ("alerts.alert", "marts.alert_detail", "marts.outcomes_by_model", "alerts.pseudonym",
                  "organization.public_units", "meta.quarantine"):
        assert not can(e, f"select * from {table}"), table
    assert not can(e, "delete from marts_masked.feed_health")


def test_investigator_sees_own_region_only(logins):
    e = logins["tianyan_investigator"]
    mine = rows(e, "select subject_id, routed_region from marts.alert_detail")
    assert len(mine) == 10 and all(r.routed_region.startswith(DISTRICT_A) for r in mine)
    assert {r.subject_id for r in mine} == {person_id(i) for i in range(10)}  # full detail
    assert len(rows(e, "select * from alerts.alert")) == 10
    events = rows(e, "select distinct a.routed_region from alerts.alert_event as ev "
                     "join alerts.alert as a using (alert_id)")
    assert {r[0][:6] for r in events} == {DISTRICT_A}
    assert rows(e, "select count(*) from alerts.alert_event")[0][0] == 20  # created + assigned, 10 alerts
    assert can(e, "select * from marts.risk_index_region")  # aggregates: every region
    assert not can(e, "select * from organization.public_units")
    assert not can(e, "select * from marts_masked.alert_detail")
    assert not can(e, "update alerts.alert set status = 'NO_ISSUE'")
    assert not can(e, "insert into alerts.investigator_region values (current_user, '')")  # cannot widen
    assert len(rows(e, "select * from alerts.investigator_region")) == 1


def test_pipeline_role_writes(logins):
    e = logins["tianyan_pipeline"]
    assert can(e, "update alerts.alert set last_seen = last_seen where alert_id is not null")
    assert can(e, "insert into alerts.alert_event (event_key, alert_id, kind, at, actor, to_status) "
                  "select 'test|' || alert_id, alert_id, 'observed', now(), 'test', status from alerts.alert limit 1")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), e.begin() as c:
        c.execute(sa.text("delete from alerts.alert_event"))
