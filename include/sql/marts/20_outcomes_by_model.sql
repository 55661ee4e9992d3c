-- marts.outcomes_by_model: investigators' feedback per model on :as_of.
-- confirmed_share = (CONFIRMED + PARTLY_CONFIRMED) / (CONFIRMED + PARTLY_CONFIRMED + NO_ISSUE):
-- precision as investigators saw it. DUPLICATE outcomes are left out of the denominator (they say
-- the alert was raised twice, not that it was wrong). needs_tuning flags models with at least
-- :min_decided decided alerts whose confirmed share is under :min_confirmed_share.
-- Idempotent: the day's rows are replaced.
delete from marts.outcomes_by_model
where as_of = cast(:as_of as date);

insert into marts.outcomes_by_model (
    as_of, model_id, domain, title_en, severity, alerts_total, open_alerts, overdue_alerts,
    resolved_by_data, confirmed, partly_confirmed, no_issue, duplicate, decided, confirmed_share,
    amount_flagged, amount_recovered, needs_tuning
)
with per_model as (
    select
        a.model_id,
        count(*) as alerts_total,
        count(*) filter (where a.status in ('NEW', 'ASSIGNED')) as open_alerts,
        count(*) filter (where a.overdue_since is not null) as overdue_alerts,
        count(*) filter (where a.status = 'RESOLVED') as resolved_by_data,
        count(*) filter (where a.status = 'CONFIRMED') as confirmed,
        count(*) filter (where a.status = 'PARTLY_CONFIRMED') as partly_confirmed,
        count(*) filter (where a.status = 'NO_ISSUE') as no_issue,
        count(*) filter (where a.status = 'DUPLICATE') as duplicate,
        sum(a.amount) as amount_flagged,
        coalesce(sum(a.amount_recovered), 0) as amount_recovered
    from alerts.alert as a
    where a.first_seen <= cast(:as_of as date)
    group by a.model_id
),

shares as (
    select
        p.*,
        p.confirmed + p.partly_confirmed + p.no_issue + p.duplicate as decided,
        round(
            (p.confirmed + p.partly_confirmed)::numeric / nullif(p.confirmed + p.partly_confirmed + p.no_issue, 0), 4
        ) as confirmed_share
    from per_model as p
)

select
    cast(:as_of as date) as as_of,
    s.model_id,
    coalesce(m.domain, 'unknown') as domain,
    m.title_en,
    m.severity,
    s.alerts_total,
    s.open_alerts,
    s.overdue_alerts,
    s.resolved_by_data,
    s.confirmed,
    s.partly_confirmed,
    s.no_issue,
    s.duplicate,
    s.decided,
    s.confirmed_share,
    s.amount_flagged,
    s.amount_recovered,
    coalesce(
        s.confirmed + s.partly_confirmed + s.no_issue >= cast(:min_decided as integer)
        and s.confirmed_share < cast(:min_confirmed_share as numeric),
        false
    ) as needs_tuning
from shares as s
left join alerts.model_catalog as m on s.model_id = m.model_id;
