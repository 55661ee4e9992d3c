"""Alert lifecycle: route alerts to inspection offices, apply investigators' outcomes, keep the history.

States: NEW (written by scoring) -> ASSIGNED (routed to the office of its region) -> CONFIRMED /
PARTLY_CONFIRMED / NO_ISSUE / DUPLICATE (from the ``discipline.alert_dispositions`` feed). Scoring
may also move an open alert to RESOLVED (evidence gone) and back to NEW (evidence again).

Every change becomes one row of the append-only ``alerts.alert_event``; each event has a key derived
from what caused it, so ``apply`` can run any number of times for a date and adds nothing the second
time. Dispositions for alert ids the warehouse does not know are quarantined (rule ``unknown_alert``)
and stay in the feed's history: if the alert appears later they are applied then. Alerts ASSIGNED for
more than ``overdue_days`` without an outcome are flagged (``overdue_since``, plus an event).

All steps are set-based statements in one transaction, serialised by an advisory lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
import yaml

from tianyan import paths
from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)

FEED_ID = "discipline.alert_dispositions"
OUTCOMES = ("CONFIRMED", "PARTLY_CONFIRMED", "NO_ISSUE", "DUPLICATE")
ACTOR = "tianyan.lifecycle"


@dataclass(frozen=True)
class LifecycleConfig:
    overdue_days: int = 30  # an office has this many days after assignment to report an outcome
    min_confirmed_share: float = 0.3  # models under this confirmed share are flagged for tuning
    min_decided: int = 5  # ... once at least this many of their alerts have an outcome


def load_config() -> LifecycleConfig:
    """``lifecycle:`` in include/config/pipeline.yaml (or include/config/lifecycle.yaml), else defaults."""
    doc: dict = {}
    for name in ("pipeline.yaml", "lifecycle.yaml"):
        path = paths.CONFIG_DIR / name
        if path.exists():
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            section = loaded.get("lifecycle") if "lifecycle" in loaded else (loaded if name == "lifecycle.yaml" else {})
            doc.update(section or {})
    known = {k: v for k, v in doc.items() if k in LifecycleConfig.__dataclass_fields__}
    return LifecycleConfig(**known)


# Offices: one per district named in the unit register (the district party committee's discipline
# office), one per other district that alerts mention, and a city office (empty prefix) for the rest.
UPSERT_OFFICES = """
with unit_district as (
    select
        left(u.region_code, 6) as region_prefix,
        min(u.name) filter (where u.kind = 'PARTY') as party_name
    from organization.public_units as u
    where u.region_code ~ '^[0-9]{6}'
    group by left(u.region_code, 6)
),

alert_district as (
    select distinct left(a.region_code, 6) as region_prefix
    from alerts.alert as a
    where a.region_code ~ '^[0-9]{6}'
),

offices as (
    select
        'INSP-' || d.region_prefix as office_code,
        coalesce(d.party_name || '纪检监察室', 'Inspection office ' || d.region_prefix) as name,
        d.region_prefix,
        'public_units' as source
    from unit_district as d
    union all
    select
        'INSP-' || s.region_prefix as office_code,
        'Inspection office ' || s.region_prefix as name,
        s.region_prefix,
        'region_codes' as source
    from alert_district as s
    where not exists (select 1 from unit_district as d where d.region_prefix = s.region_prefix)
    union all
    select 'INSP-CITY' as office_code, 'City inspection office' as name, '' as region_prefix, 'default' as source
)

insert into alerts.office as o (office_code, name, region_prefix, source)
select office_code, name, region_prefix, source
from offices
on conflict (office_code) do update set name = excluded.name, source = excluded.source
where (o.name, o.source) is distinct from (excluded.name, excluded.source)
"""

# Routing: the alert's own region, else the region of its unit; the office with the longest matching
# prefix. Assigned alerts keep their office (the assignment happened); new or unrouted ones follow data.
ROUTE = """
with target as (
    select
        a.alert_id,
        coalesce(nullif(a.region_code, ''), u.region_code) as region
    from alerts.alert as a
    left join organization.public_units as u on a.unit_code = u.unit_code
    where a.office_code is null or a.status = 'NEW'
),

routed as (
    select
        t.alert_id,
        t.region,
        best.office_code
    from target as t
    cross join lateral (
        select o.office_code
        from alerts.office as o
        where starts_with(coalesce(t.region, ''), o.region_prefix)
        order by length(o.region_prefix) desc
        limit 1
    ) as best
)

update alerts.alert as a
set routed_region = r.region, office_code = r.office_code
from routed as r
where
    a.alert_id = r.alert_id
    and (a.routed_region is distinct from r.region or a.office_code is distinct from r.office_code)
"""

# Birth of an alert (scoring wrote it as NEW on first_seen).
CREATED = """
insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
select
    'created|' || a.alert_id as event_key,
    a.alert_id,
    'created' as kind,
    cast(a.first_seen as timestamp) as at,
    'scoring:' || a.model_id as actor,
    null as from_status,
    'NEW' as to_status,
    'model version ' || coalesce(a.model_version, 'unknown') as note
from alerts.alert as a
where
    a.first_seen <= cast(:as_of as date)
    and not exists (select 1 from alerts.alert_event as e where e.alert_id = a.alert_id)
on conflict (event_key) do nothing
"""

# Changes made by scoring since the last event (RESOLVED when evidence disappears, NEW when it returns).
# The key counts the alert's events so far: the same observation can only be recorded once.
OBSERVED = """
with last_event as (
    select distinct on (e.alert_id)
        e.alert_id,
        e.to_status,
        count(*) over (partition by e.alert_id) as n_events
    from alerts.alert_event as e
    order by e.alert_id asc, e.event_id desc
)

insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
select
    'observed|' || a.alert_id || '|' || l.n_events as event_key,
    a.alert_id,
    'observed' as kind,
    cast(case when a.status = 'RESOLVED' then coalesce(a.resolved_on, cast(:as_of as date)) else a.last_seen end
        as timestamp) as at,
    'scoring:' || a.model_id as actor,
    l.to_status as from_status,
    a.status as to_status,
    case when a.status = 'RESOLVED' then 'evidence no longer produced by the model'
        else 'evidence produced again' end as note
from alerts.alert as a
inner join last_event as l on a.alert_id = l.alert_id
where a.status <> l.to_status
on conflict (event_key) do nothing
"""

# NEW -> ASSIGNED, with the event, in one statement (the CTE's update feeds the insert).
ASSIGN = """
with assigned as (
    update alerts.alert as a
    set status = 'ASSIGNED', assigned_on = cast(:as_of as date), overdue_since = null
    where a.status = 'NEW' and a.first_seen <= cast(:as_of as date) and a.office_code is not null
    returning a.alert_id, a.office_code
)

insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
select
    'assigned|' || x.alert_id || '|' || (select count(*) from alerts.alert_event as e where e.alert_id = x.alert_id)
        as event_key,
    x.alert_id,
    'assigned' as kind,
    cast(cast(:as_of as date) as timestamp) as at,
    :actor as actor,
    'NEW' as from_status,
    'ASSIGNED' as to_status,
    'routed to ' || x.office_code || ' ' || coalesce(o.name, '') as note
from assigned as x
left join alerts.office as o on x.office_code = o.office_code
on conflict (event_key) do nothing
"""

# One event per disposition row (key: alert id + recorded_at, the feed's key), in recorded order.
# from_status: the previous outcome of the same alert, else the alert's status before any outcome.
DISPOSITION_EVENTS = """
with dispositions as (
    select
        d.alert_id,
        d.outcome,
        d.note,
        d.recorded_by,
        d.recorded_at,
        lag(d.outcome) over (partition by d.alert_id order by d.recorded_at) as previous_outcome
    from discipline.alert_dispositions as d
    where d.recorded_at < cast(:as_of as date) + 1
),

fresh as (
    select
        d.*,
        a.status as current_status,
        -- Shanghai wall time: the key's text from before recorded_at became timestamptz (migration 0009)
        'disposition|' || d.alert_id || '|' || cast(d.recorded_at at time zone 'Asia/Shanghai' as text) as event_key
    from dispositions as d
    inner join alerts.alert as a on d.alert_id = a.alert_id
)

insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
select
    f.event_key,
    f.alert_id,
    'disposition' as kind,
    f.recorded_at as at,
    f.recorded_by as actor,
    coalesce(f.previous_outcome, f.current_status) as from_status,
    f.outcome as to_status,
    f.note
from fresh as f
where not exists (select 1 from alerts.alert_event as e where e.event_key = f.event_key)
order by f.alert_id, f.recorded_at
on conflict (event_key) do nothing
"""

# The latest outcome (by recorded_at) is the alert's state; an outcome ends any overdue flag.
DISPOSITION_STATE = """
with latest as (
    select distinct on (d.alert_id)
        d.alert_id,
        d.outcome,
        d.amount_recovered,
        d.recorded_by,
        d.recorded_at
    from discipline.alert_dispositions as d
    where d.recorded_at < cast(:as_of as date) + 1
    order by d.alert_id asc, d.recorded_at desc
)

update alerts.alert as a
set
    status = l.outcome,
    outcome = l.outcome,
    outcome_at = l.recorded_at,
    outcome_by = l.recorded_by,
    amount_recovered = l.amount_recovered,
    overdue_since = null
from latest as l
where
    a.alert_id = l.alert_id
    and (a.status, a.outcome_at, a.outcome_by, a.amount_recovered)
    is distinct from (l.outcome, l.recorded_at, l.recorded_by, l.amount_recovered)
"""

# Outcomes for unknown alert ids: recorded in meta.quarantine with the raw values (once per row version).
QUARANTINE_UNKNOWN = """
with unknown as (
    select
        h._delivery_date,
        h._batch_id,
        jsonb_build_object(
            'alert_id', h.alert_id, 'outcome', h.outcome, 'amount_recovered', h.amount_recovered,
            'note', h.note, 'recorded_by', h.recorded_by, 'recorded_at', h.recorded_at at time zone 'Asia/Shanghai'
        ) as raw
    from discipline.alert_dispositions__history as h
    where
        h._valid_to is null
        and not h._deleted
        and h.recorded_at < cast(:as_of as date) + 1
        and not exists (select 1 from alerts.alert as a where a.alert_id = h.alert_id)
)

insert into meta.quarantine (
    feed_id, delivery_date, batch_id, source_file, row_no, rule, column_name, message, raw
)
select
    :feed_id as feed_id,
    u._delivery_date as delivery_date,
    u._batch_id as batch_id,
    'warehouse:discipline.alert_dispositions__history' as source_file,
    0 as row_no,
    'unknown_alert' as rule,
    'alert_id' as column_name,
    'outcome recorded for an alert id the warehouse does not know' as message,
    u.raw
from unknown as u
where not exists (
    select 1 from meta.quarantine as q
    where
        q.feed_id = :feed_id
        and q.rule = 'unknown_alert'
        and q.batch_id = u._batch_id
        and q.raw = u.raw
)
"""

OVERDUE_CLEAR = """
update alerts.alert
set overdue_since = null
where overdue_since is not null and status <> 'ASSIGNED'
"""

OVERDUE_FLAG = """
with flagged as (
    update alerts.alert as a
    set overdue_since = cast(:as_of as date)
    where
        a.status = 'ASSIGNED'
        and a.overdue_since is null
        and a.assigned_on <= cast(:as_of as date) - cast(:overdue_days as integer)
    returning a.alert_id, a.assigned_on
)

insert into alerts.alert_event (event_key, alert_id, kind, at, actor, from_status, to_status, note)
select
    'overdue|' || f.alert_id || '|' || cast(f.assigned_on as text) as event_key,
    f.alert_id,
    'overdue' as kind,
    cast(cast(:as_of as date) as timestamp) as at,
    :actor as actor,
    'ASSIGNED' as from_status,
    'ASSIGNED' as to_status,
    'no outcome ' || cast(:overdue_days as text) || ' days after assignment on ' || cast(f.assigned_on as text)
        as note
from flagged as f
on conflict (event_key) do nothing
"""

# Salted pseudonyms for person-like subjects and investigators, read by marts_masked views.
PSEUDONYMS = """
with personal as (
    select a.subject_id as value
    from alerts.alert as a
    where marts_masked.is_personal(a.subject_kind)
    union
    select a.outcome_by as value
    from alerts.alert as a
    where a.outcome_by is not null
),

salt as (
    select s.value as salt
    from meta.secret as s
    where s.name = 'pseudonym_salt'
)

insert into alerts.pseudonym (value, ref)
select
    p.value,
    'P' || left(md5(salt.salt || '|' || p.value), 16) as ref
from personal as p
cross join salt
where not exists (select 1 from alerts.pseudonym as x where x.value = p.value)
on conflict do nothing
"""

STEPS = (
    ("offices", UPSERT_OFFICES),
    ("routed", ROUTE),
    ("created", CREATED),
    ("observed", OBSERVED),
    ("assigned", ASSIGN),
    ("dispositions", DISPOSITION_EVENTS),
    ("outcomes_applied", DISPOSITION_STATE),
    ("quarantined", QUARANTINE_UNKNOWN),
    ("overdue_cleared", OVERDUE_CLEAR),
    ("overdue", OVERDUE_FLAG),
    ("pseudonyms", PSEUDONYMS),
)


def apply(as_of: dt.date, url: str | None = None, *, overdue_days: int | None = None,
          conn: sa.Connection | None = None) -> dict[str, int]:
    """Move alerts through their lifecycle as of a date; returns rows touched per step."""
    cfg = load_config()
    params = {
        "as_of": as_of,
        "overdue_days": cfg.overdue_days if overdue_days is None else int(overdue_days),
        "actor": ACTOR,
        "feed_id": FEED_ID,
    }
    if conn is None:
        with get_engine(url).begin() as own:
            return _apply(own, params)
    return _apply(conn, params)


def _apply(conn: sa.Connection, params: dict) -> dict[str, int]:
    conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('tianyan.lifecycle'))"))
    counts: dict[str, int] = {}
    for name, sql in STEPS:
        stmt = sa.text(sql)
        used = {k: v for k, v in params.items() if k in stmt.compile().params}
        counts[name] = conn.execute(stmt, used).rowcount
    log.info("lifecycle as of %s: %s", params["as_of"], counts)
    return counts
