-- Complaints about each page's unit or village received in the :complaint_days days up to :as_of, by
-- category: how many, how many are still open (OPEN or IN_PROGRESS), how many closed and in how
-- many days on average. A unit's page counts the complaints naming the unit; a village's page those
-- made in the village or naming its committee. Nothing about the complainant is read.
with recent as (
    select
        c.complaint_id,
        c.subject_unit_code,
        c.region_code,
        c.category,
        c.status,
        c.received_date,
        c.closed_date
    from discipline.complaints as c
    where
        c.received_date <= cast(:as_of as date)
        and c.received_date > cast(:as_of as date) - cast(:complaint_days as integer)
),

about as (
    select
        'unit' as page_kind,
        r.subject_unit_code as code,
        r.*
    from recent as r
    where r.subject_unit_code is not null
    union
    select
        'village' as page_kind,
        r.region_code as code,
        r.*
    from recent as r
    where r.region_code ~ '^[0-9]{9}[0-9]*[1-9]'
    union
    select
        'village' as page_kind,
        vc.village_code as code,
        r.*
    from recent as r
    inner join core.village_committee as vc on r.subject_unit_code = vc.unit_code
)

select
    a.page_kind,
    a.code,
    a.category,
    count(*) as received,
    count(*) filter (where a.status in ('OPEN', 'IN_PROGRESS')) as open,
    count(*) filter (where a.status = 'CLOSED') as closed,
    round(avg(a.closed_date - a.received_date) filter (where a.status = 'CLOSED'), 1) as avg_days_to_close
from about as a
group by a.page_kind, a.code, a.category
order by a.page_kind, a.code, a.category
