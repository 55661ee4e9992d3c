-- marts.feed_health: for every feed of the registry (meta.feed_cadence) on :as_of
--   freshness  MISSING  nothing ever loaded
--              REJECTED the latest delivery up to :as_of was refused whole
--              LATE     the last loaded delivery is older than the feed's cadence allows
--                       (expected_days: daily 1, weekly 7, monthly 31)
--              OK       otherwise
--   quality    quarantined share of the rows delivered in the 30 days up to :as_of
--   volumes    runs, rejections, delivered / loaded / quarantined rows in those 30 days
--   references loaded rows of the last loaded delivery whose ref: value the referenced feed lacks
--              (meta.referential; reported, never dropped)
-- NO_DELIVERY runs (a checked day without a file) do not make a feed fresh. Idempotent per day.
delete from marts.feed_health
where as_of = cast(:as_of as date);

insert into marts.feed_health (
    as_of, feed_id, department, cadence, expected_days, last_delivery_date, last_status, last_reason,
    last_loaded_date, days_since_loaded, freshness, runs_30d, rejected_30d, delivered_30d, loaded_30d,
    quarantined_30d, quarantined_share_30d, loaded_last, ref_missing_last
)
with runs as (
    select r.*
    from meta.feed_runs as r
    where r.delivery_date <= cast(:as_of as date)
),

last_run as (
    select distinct on (r.feed_id)
        r.feed_id,
        r.delivery_date,
        r.status,
        r.reason
    from runs as r
    where r.status <> 'NO_DELIVERY'
    order by r.feed_id asc, r.delivery_date desc
),

last_loaded as (
    select distinct on (r.feed_id)
        r.feed_id,
        r.delivery_date,
        r.loaded
    from runs as r
    where r.status = 'LOADED'
    order by r.feed_id asc, r.delivery_date desc
),

recent as (
    select
        r.feed_id,
        count(*) filter (where r.status <> 'NO_DELIVERY') as runs_30d,
        count(*) filter (where r.status = 'REJECTED') as rejected_30d,
        sum(r.delivered) as delivered_30d,
        sum(r.loaded) as loaded_30d,
        sum(r.quarantined) as quarantined_30d
    from runs as r
    where r.delivery_date > cast(:as_of as date) - 30
    group by r.feed_id
),

refs as (
    select
        x.feed_id,
        x.delivery_date,
        sum(x.missing_rows) as missing
    from meta.referential as x
    group by x.feed_id, x.delivery_date
)

select
    cast(:as_of as date) as as_of,
    c.feed_id,
    c.department,
    c.cadence,
    c.expected_days,
    lr.delivery_date as last_delivery_date,
    lr.status as last_status,
    lr.reason as last_reason,
    ll.delivery_date as last_loaded_date,
    cast(:as_of as date) - ll.delivery_date as days_since_loaded,
    case
        when ll.delivery_date is null then 'MISSING'
        when lr.status = 'REJECTED' then 'REJECTED'
        when cast(:as_of as date) - ll.delivery_date > c.expected_days then 'LATE'
        else 'OK'
    end as freshness,
    coalesce(rc.runs_30d, 0) as runs_30d,
    coalesce(rc.rejected_30d, 0) as rejected_30d,
    coalesce(rc.delivered_30d, 0) as delivered_30d,
    coalesce(rc.loaded_30d, 0) as loaded_30d,
    coalesce(rc.quarantined_30d, 0) as quarantined_30d,
    round(rc.quarantined_30d::numeric / nullif(rc.delivered_30d, 0), 4) as quarantined_share_30d,
    ll.loaded as loaded_last,
    rf.missing as ref_missing_last
from meta.feed_cadence as c
left join last_run as lr on c.feed_id = lr.feed_id
left join last_loaded as ll on c.feed_id = ll.feed_id
left join recent as rc on c.feed_id = rc.feed_id
left join refs as rf on ll.feed_id = rf.feed_id and ll.delivery_date = rf.delivery_date;
