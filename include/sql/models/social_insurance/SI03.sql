-- SI03 Public-welfare post held by a dead or imprisoned person (ghost post).
-- A post active at d (start_date <= d <= end_date, or open up to the as-of
-- date) while dead(id_no, d - 31 days), i.e. still active more than 31 days
-- after the earliest death date; or while in_custody(id_no, d) for a whole
-- month, i.e. a PRISON or DETENTION interval overlapping the post covers at
-- least one entire calendar month inside the post.
-- One alert per post and cause (death, or the custody record).
with post as (
    select * from core.welfare_post_active(cast(:as_of as date))
),

death_hit as (
    select
        post.post_id,
        'death' as cause,
        greatest(post.start_date, d.death_date + 31) as ghost_from,
        core.death_evidence(d.id_no, d.death_date, d.sources, d.earliest_source) as item
    from post
    inner join core.death as d on post.id_no = d.id_no
    where d.death_date + 31 <= post.last_day
),

custody_overlap as (
    select
        post.post_id,
        c.record_id,
        c.custody_kind,
        c.start_date,
        c.end_date,
        greatest(post.start_date, c.start_date) as overlap_from,
        least(post.last_day, coalesce(c.end_date, cast(:as_of as date))) as overlap_to
    from post
    inner join core.custody as c
        on
            post.id_no = c.id_no
            and post.last_day >= c.start_date
            and (c.end_date is null or post.start_date <= c.end_date)
),

custody_hit as (
    select
        o.post_id,
        o.record_id as cause,
        o.first_full_month as ghost_from,
        jsonb_build_object(
            'feed', 'justice.custody_records',
            'key', o.record_id,
            'values', jsonb_build_object(
                'custody_kind', o.custody_kind, 'start_date', o.start_date, 'end_date', o.end_date
            )
        ) as item
    from (
        select
            custody_overlap.*,
            case
                when extract(day from custody_overlap.overlap_from) = 1 then custody_overlap.overlap_from
                else cast(core.month_start(custody_overlap.overlap_from) + interval '1 month' as date)
            end as first_full_month
        from custody_overlap
    ) as o
    where cast(o.first_full_month + interval '1 month' as date) - 1 <= o.overlap_to
),

hits as (
    select
        death_hit.post_id,
        death_hit.cause,
        death_hit.ghost_from,
        death_hit.item
    from death_hit
    union all
    select
        custody_hit.post_id,
        custody_hit.cause,
        custody_hit.ghost_from,
        custody_hit.item
    from custody_hit
)

select
    'person' as subject_kind,
    post.id_no as subject_id,
    post.post_id || '/' || hits.cause as evidence_key,
    post.region_code,
    post.employer_unit_code as unit_code,
    post.monthly_subsidy * (
        (extract(year from post.last_day) - extract(year from hits.ghost_from)) * 12
        + extract(month from post.last_day) - extract(month from hits.ghost_from) + 1
    ) as amount,
    jsonb_build_array(
        post.evidence,
        hits.item
    ) as evidence
from hits
inner join post on hits.post_id = post.post_id
