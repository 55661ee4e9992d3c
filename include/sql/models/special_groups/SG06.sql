-- SG06 Student aid to an official's child.
-- Student aid where the guardian is an official of rank above VILLAGE
-- (SECTION, DIVISION or BUREAU) on 1 September of academic_year (appointment
-- [start_date, end_date] covering it; an open appointment runs to the as-of
-- date). Subject: the student receiving the aid; one alert per aid grant.
with aid as (
    select
        a.aid_id,
        a.student_id_no,
        a.guardian_id_no,
        a.school_code,
        a.aid_type,
        a.academic_year,
        a.amount,
        a.region_code,
        make_date(cast(a.academic_year as int), 9, 1) as term_start
    from education.student_aid as a
),

hits as (
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
    from aid
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
        jsonb_build_object(
            'feed', 'education.student_aid',
            'key', aid.aid_id,
            'values', jsonb_build_object(
                'guardian_id_no', aid.guardian_id_no, 'school_code', aid.school_code, 'aid_type', aid.aid_type,
                'academic_year', aid.academic_year, 'amount', aid.amount
            )
        )
    ) || hits.items as evidence
from hits
inner join aid on hits.aid_id = aid.aid_id
