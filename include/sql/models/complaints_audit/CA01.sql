-- CA01: repeated unresolved complaints about one unit or one person.
-- Subjects are units (subject_unit_code) or persons (subject_id_no). Complaints not CLOSED are
-- counted in windows [d, d + window_days) anchored on each received_date; a window with
-- >= count_min of them is a finding (core.busy_windows). One alert per subject, listing every
-- complaint of a qualifying window.
-- Each complaint once per subject it names (the unit, the person), read in one pass; subject_key
-- (kind:id) is the subject as core.busy_window_events takes it.
with complaint as (
    select
        s.subject_kind,
        s.subject_id,
        s.subject_kind || ':' || s.subject_id as subject_key,
        c.complaint_id,
        c.received_date,
        c.channel,
        c.category,
        c.region_code,
        c.status
    from discipline.complaints as c
    cross join
        lateral (
            values ('unit', trim(c.subject_unit_code)), ('person', c.subject_id_no)
        ) as s (subject_kind, subject_id)
    where
        c.status <> 'CLOSED'
        and nullif(trim(s.subject_id), '') is not null
        and c.received_date <= cast(:as_of as date)
),

-- The complaints of every qualifying window (core.busy_window_events: the overlapping windows of a
-- subject form one batch, whose complaints are those of its windows).
member as (
    select
        w.subject_id as subject_key,
        w.event_id as complaint_id
    from (
        select
            array_agg(c.subject_key) as subject_keys,
            array_agg(c.received_date) as received_dates,
            array_agg(c.complaint_id) as complaint_ids
        from complaint as c
    ) as a
    cross join lateral core.busy_window_events(
        a.subject_keys, a.received_dates, a.complaint_ids, a.complaint_ids, cast(:window_days as integer),
        cast(:count_min as integer)
    ) as w
),

finding as (
    select
        c.subject_kind,
        c.subject_id,
        (array_agg(c.region_code order by c.received_date desc, c.complaint_id desc))[1]
            as latest_region_code,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'discipline.complaints',
                'key', c.complaint_id,
                'values', jsonb_build_object(
                    'received_date', c.received_date,
                    'channel', c.channel,
                    'category', c.category,
                    'status', c.status,
                    'region_code', c.region_code
                )
            )
            order by c.received_date, c.complaint_id
        ) as evidence
    from complaint as c
    inner join member as m
        on
            c.subject_key = m.subject_key
            and c.complaint_id = m.complaint_id
    group by c.subject_kind, c.subject_id
)

select
    f.subject_kind,
    f.subject_id,
    f.subject_id as evidence_key,
    coalesce(u.region_code, f.latest_region_code) as region_code,
    case when f.subject_kind = 'unit' then f.subject_id end as unit_code,
    cast(null as numeric) as amount,
    f.evidence
from finding as f
left join organization.public_units as u
    on f.subject_kind = 'unit' and f.subject_id = u.unit_code
