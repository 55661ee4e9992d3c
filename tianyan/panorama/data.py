"""What the panorama pages show, per scope: the city, a district (first 6 digits of the region code,
alerts by ``routed_region`` as the risk index counts them) or a public unit (alerts by ``unit_code``).

Read from alerts.alert / alert_event (status history) and the marts (risk index), aggregates only;
the alert list of a unit is the one place with single alerts, for allowed roles (tianyan.panorama.web).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

TREND_DAYS = 90
LEVELS = ("city", "district", "unit")

SCOPE = """
    (cast(:level as text) = 'city'
    or (cast(:level as text) = 'district' and left(coalesce(a.routed_region, a.region_code, ''), 6) = :code)
    or (cast(:level as text) = 'unit' and a.unit_code = :code))
"""

# Each day of the window: how many of the scope's alerts were open (NEW, ASSIGNED) or closed (any
# other status) that day, per domain, from each alert's status history (its last event that day).
Q_STATES = f"""
with scoped as (
    select a.alert_id, coalesce(m.domain, 'unknown') as domain
    from alerts.alert as a
    left join alerts.model_catalog as m on a.model_id = m.model_id
    where {SCOPE}
),

days as (
    select cast(d as date) as day
    from generate_series(cast(:as_of as date) - (:days - 1), cast(:as_of as date), interval '1 day') as d
),

states as (
    select
        days.day,
        s.domain,
        (
            select e.to_status from alerts.alert_event as e
            where e.alert_id = s.alert_id and cast(e.at as date) <= days.day
            order by e.at desc, e.event_id desc
            limit 1
        ) as status
    from days cross join scoped as s
)

select
    st.day,
    st.domain,
    case when st.status in ('NEW', 'ASSIGNED') then 'open' else 'closed' end as state,
    count(*) as alerts
from states as st
where st.status is not null
group by st.day, st.domain, case when st.status in ('NEW', 'ASSIGNED') then 'open' else 'closed' end
order by st.day, st.domain, state
"""

Q_RISK_UNIT = """
select r.as_of, r.risk_index, r.open_alerts, r.complaints_90d, r.overdue_findings
from marts.risk_index_unit as r
where r.unit_code = :code and r.as_of > cast(:as_of as date) - :days and r.as_of <= cast(:as_of as date)
order by r.as_of
"""

Q_RISK_DISTRICT = """
select r.as_of, r.risk_index, r.open_alerts, r.complaints_90d, r.overdue_findings
from marts.risk_index_region as r
where r.district_code = :code and r.as_of > cast(:as_of as date) - :days and r.as_of <= cast(:as_of as date)
order by r.as_of
"""

Q_RISK_CITY = """
select r.as_of, sum(r.risk_index) as risk_index, sum(r.open_alerts) as open_alerts,
    sum(r.complaints_90d) as complaints_90d, sum(r.overdue_findings) as overdue_findings
from marts.risk_index_region as r
where r.as_of > cast(:as_of as date) - :days and r.as_of <= cast(:as_of as date)
group by r.as_of
order by r.as_of
"""

Q_OUTCOMES = f"""
select
    coalesce(m.domain, 'unknown') as domain,
    count(*) as alerts,
    count(*) filter (where a.status in ('NEW', 'ASSIGNED')) as open_alerts,
    count(*) filter (where a.outcome in ('CONFIRMED', 'PARTLY_CONFIRMED', 'NO_ISSUE')) as decided,
    count(*) filter (where a.outcome in ('CONFIRMED', 'PARTLY_CONFIRMED')) as confirmed,
    round(count(*) filter (where a.outcome in ('CONFIRMED', 'PARTLY_CONFIRMED'))::numeric
        / nullif(count(*) filter (where a.outcome in ('CONFIRMED', 'PARTLY_CONFIRMED', 'NO_ISSUE')), 0), 4)
        as confirmed_share,
    coalesce(sum(a.amount), 0) as amount_flagged,
    coalesce(sum(a.amount_recovered), 0) as amount_recovered
from alerts.alert as a
left join alerts.model_catalog as m on a.model_id = m.model_id
where {SCOPE} and a.first_seen <= cast(:as_of as date)
group by coalesce(m.domain, 'unknown')
order by alerts desc, domain
"""

Q_TOP_MODELS = f"""
select
    a.model_id || ' ' || coalesce(m.title_en, '') as model,
    count(*) as alerts,
    count(*) filter (where a.status in ('NEW', 'ASSIGNED')) as open_alerts,
    coalesce(sum(a.amount), 0) as amount
from alerts.alert as a
left join alerts.model_catalog as m on a.model_id = m.model_id
where {SCOPE} and a.first_seen <= cast(:as_of as date)
group by a.model_id, m.title_en
order by alerts desc, a.model_id
limit 10
"""

Q_DISTRICTS = """
select r.district_code as code, coalesce(r.district_name, r.district_code) as name, r.risk_index, r.open_alerts,
    r.change_7d
from marts.risk_index_region as r
where r.as_of = cast(:as_of as date)
order by r.risk_index desc, r.district_code
"""

Q_UNITS = """
select r.unit_code as code, coalesce(r.unit_name, r.unit_code) as name, r.unit_kind, r.risk_index, r.open_alerts,
    r.change_7d
from marts.risk_index_unit as r
where r.as_of = cast(:as_of as date) and (cast(:code as text) is null or r.district_code = :code)
order by r.risk_index desc, r.unit_code
"""

Q_NAME = """
select coalesce(
    (select max(u.unit_name) from marts.risk_index_unit as u where cast(:level as text) = 'unit' and u.unit_code = :code),
    (select max(r.district_name) from marts.risk_index_region as r
        where cast(:level as text) = 'district' and r.district_code = :code)
) as name, (
    select max(u.district_code) from marts.risk_index_unit as u where u.unit_code = :code
) as district_code
"""

Q_ALERTS = """
select a.alert_id, a.model_id, coalesce(m.domain, 'unknown') as domain, a.severity, a.status, a.subject_kind,
    a.subject_id, a.first_seen, a.last_seen, a.amount, a.outcome, a.amount_recovered, a.routed_region
from alerts.alert as a
left join alerts.model_catalog as m on a.model_id = m.model_id
where a.unit_code = :code
    and (cast(:prefixes as text []) is null or exists (
        select 1 from unnest(cast(:prefixes as text []) ) as p (prefix)
        where starts_with(coalesce(a.routed_region, ''), p.prefix)
    ))
order by a.status in ('NEW', 'ASSIGNED') desc, a.first_seen desc, a.alert_id
"""


@dataclass
class Scope:
    level: str
    code: str | None
    as_of: dt.date
    name: str | None = None
    district_code: str | None = None

    @property
    def binds(self) -> dict:
        return {"level": self.level, "code": self.code, "as_of": self.as_of, "days": TREND_DAYS}


def latest_as_of(conn: sa.Connection) -> dt.date | None:
    return conn.execute(sa.text("select max(as_of) from marts.risk_index_region")).scalar()


def scope(conn: sa.Connection, level: str, code: str | None, as_of: dt.date) -> Scope:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    row = conn.execute(sa.text(Q_NAME), {"level": level, "code": code}).one()
    return Scope(level, code, as_of, row.name, row.district_code if level == "unit" else None)


def panorama(conn: sa.Connection, s: Scope) -> dict:
    p = s.binds
    risk_q = {"unit": Q_RISK_UNIT, "district": Q_RISK_DISTRICT, "city": Q_RISK_CITY}[s.level]
    out = {
        "states": conn.execute(sa.text(Q_STATES), p).all(),
        "risk": conn.execute(sa.text(risk_q), p).all(),
        "outcomes": conn.execute(sa.text(Q_OUTCOMES), p).all(),
        "top_models": conn.execute(sa.text(Q_TOP_MODELS), p).all(),
    }
    if s.level == "city":
        out["children"] = conn.execute(sa.text(Q_DISTRICTS), p).all()
    elif s.level == "district":
        out["children"] = conn.execute(sa.text(Q_UNITS), p).all()
    return out


def unit_alerts(conn: sa.Connection, code: str, prefixes: list[str] | None) -> list:
    """A unit's alerts; ``prefixes`` limits them to those routed to these regions (investigators)."""
    return conn.execute(sa.text(Q_ALERTS), {"code": code, "prefixes": prefixes}).all()
