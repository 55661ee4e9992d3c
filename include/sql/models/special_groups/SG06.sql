-- SG06 Student aid to an official's child.
-- Student aid where the guardian is an official of rank above VILLAGE
-- (SECTION, DIVISION or BUREAU) on 1 September of academic_year (appointment
-- [start_date, end_date] covering it; an open appointment runs to the as-of
-- date). Subject: the student receiving the aid; one alert per aid grant.
with hits as (
    select
        aid.aid_id,
        min(o.unit_code) as unit_code,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'organization.officials',
                'key', o.appointment_id,
                'values', jsonb_build_object(
                    'id_no', o.id_no, 'unit_code', o.unit_code, 'position', o.position, 'rank', o.rank,
                    'start_date', o.start_date, 'end_date', o.end_date
                )
            )
            order by o.appointment_id
        ) as items
    from core.student_aid as aid
    inner join core.official as o on aid.guardian_id_no = o.id_no
    where
        o.rank in ('SECTION', 'DIVISION', 'BUREAU')
        and o.start_date <= aid.term_start
        and coalesce(o.end_date, cast(:as_of as date)) >= aid.term_start
    group by aid.aid_id
)

select
    'person' as subject_kind,
    aid.student_id_no as subject_id,
    aid.aid_id as evidence_key,
    aid.region_code,
    hits.unit_code,
    aid.amount,
    jsonb_build_array(
        aid.evidence
    ) || hits.items as evidence
from hits
inner join core.student_aid as aid on hits.aid_id = aid.aid_id
