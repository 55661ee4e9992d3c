-- SA06 Official's household receives assistance.
-- Enrollment active at some d (start_date to end_date, or the as-of date while
-- open) where the recipient or a member of the recipient's household is
-- official(., d): an appointment, the enrollment and the household membership
-- (core.official_kin SELF / HOUSEHOLD, validity from registration history) all
-- cover one common day.
with enrollment as (
    select * from core.assistance_enrollment(cast(:as_of as date))
),

overlap as (
    select
        enrollment.enrollment_id,
        k.appointment_id,
        k.official_id_no,
        k.unit_code,
        k.rank,
        k.kin_kind,
        k.kin_relation,
        k.start_date as appointment_start,
        k.end_date as appointment_end
    from enrollment
    inner join core.official_kin as k on enrollment.id_no = k.kin_id_no
    where
        k.kin_kind in ('SELF', 'HOUSEHOLD')
        and core.official_kin_during(
            k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, enrollment.start_date, enrollment.last_day
        )
),

hits as (
    select
        overlap.enrollment_id,
        min(overlap.unit_code) as unit_code,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'organization.officials',
                'key', overlap.appointment_id,
                'values', jsonb_build_object(
                    'id_no', overlap.official_id_no, 'unit_code', overlap.unit_code, 'rank', overlap.rank,
                    'start_date', overlap.appointment_start, 'end_date', overlap.appointment_end,
                    'relation_to_recipient', overlap.kin_kind, 'relation', overlap.kin_relation
                )
            )
            order by overlap.appointment_id, overlap.kin_kind
        ) as appointments
    from overlap
    group by overlap.enrollment_id
)

select a.*
from hits
inner join enrollment on hits.enrollment_id = enrollment.enrollment_id
cross join lateral core.assistance_enrollment_alert(
    hits.enrollment_id, jsonb_build_object('last_day', enrollment.last_day), hits.unit_code, hits.appointments
) as a
