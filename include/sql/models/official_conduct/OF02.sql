-- OF02: ghost official. (a) The appointment is still open (end_date null -> as-of date) more than
-- 31 days after the holder's death (core.death, earliest date of all sources); (b) the appointment
-- overlaps a PRISON custody by >= 31 days (closed intervals, both counted inclusively, open ends
-- run to the as-of date). One alert per appointment and cause.
with appointment as (
    select * from core.appointment(cast(:as_of as date))
),

after_death as (
    select
        a.*,
        'death' as cause,
        d.id_no as cause_key,
        jsonb_build_object(
            'feed', case
                when d.certificate_date = d.death_date then 'health.death_certificates'
                when d.cremation_date = d.death_date then 'civil_affairs.cremation_records'
                else 'public_security.household_registration'
            end,
            'key', d.id_no,
            'values', jsonb_build_object(
                'death_date', d.death_date,
                'sources', to_jsonb(d.sources),
                'days_open_after_death', a.effective_end - d.death_date
            )
        ) as cause_evidence
    from appointment as a
    inner join core.death as d on a.id_no = d.id_no
    where
        d.death_date <= cast(:as_of as date)
        and core.date_after_death(a.effective_end, d.death_date)
),

in_prison as (
    select
        a.*,
        'custody' as cause,
        c.record_id as cause_key,
        jsonb_build_object(
            'feed', 'justice.custody_records',
            'key', c.record_id,
            'values', jsonb_build_object(
                'custody_kind', c.custody_kind,
                'start_date', c.start_date,
                'end_date', c.end_date,
                'overlap_days',
                least(coalesce(c.end_date, cast(:as_of as date)), a.effective_end)
                - greatest(c.start_date, a.start_date) + 1
            )
        ) as cause_evidence
    from appointment as a
    inner join core.custody as c on a.id_no = c.id_no
    where
        c.custody_kind = 'PRISON'
        and c.start_date <= cast(:as_of as date)
        and least(coalesce(c.end_date, cast(:as_of as date)), a.effective_end)
        - greatest(c.start_date, a.start_date) + 1 >= 31
),

hit as (
    select * from after_death
    union all
    select * from in_prison
)

select
    'person' as subject_kind,
    id_no as subject_id,
    appointment_id || '|' || cause || ':' || cause_key as evidence_key,
    jurisdiction_region_code as region_code,
    unit_code,
    cast(null as numeric) as amount,
    jsonb_build_array(
        appointment_evidence,
        cause_evidence
    ) as evidence
from hit
