-- SA07 Favoritism - assistance approved for a relative.
-- The recipient is in relatives(approver_id_no) (declared either direction,
-- spouse, or household; the approver included as household(p) contains p)
-- with the relationship holding on the enrollment start date (the approval),
-- or in relatives(q) for a village official q of the enrollment region_code
-- (rank VILLAGE, jurisdiction_region_code = region_code) in office at any time
-- during the enrollment, the relationship holding during that overlap.
with enrollment as (
    select * from core.assistance_enrollment(cast(:as_of as date))
),

approver_kin as (
    select
        enrollment.enrollment_id,
        'SELF' as kind,
        'SELF' as relation
    from enrollment
    where enrollment.approver_id_no = enrollment.id_no
    union all
    select
        enrollment.enrollment_id,
        'DECLARED' as kind,
        d.relation
    from enrollment
    inner join core.declaration as d
        on enrollment.approver_id_no = d.person_id and enrollment.id_no = d.relative_id
    union all
    select
        enrollment.enrollment_id,
        'SPOUSE' as kind,
        'SPOUSE' as relation
    from enrollment
    inner join core.spouse as s
        on
            enrollment.approver_id_no = s.person_id
            and enrollment.id_no = s.spouse_id
            and core.valid_on(enrollment.start_date, s.marriage_date, s.divorce_date)
    union all
    select
        enrollment.enrollment_id,
        'HOUSEHOLD' as kind,
        b.relation_to_head as relation
    from enrollment
    inner join core.household_member as a
        on
            enrollment.approver_id_no = a.id_no
            and core.valid_on(enrollment.start_date, a.valid_from, a.valid_to)
    inner join core.household_member as b
        on
            enrollment.id_no = b.id_no
            and a.household_id = b.household_id
            and core.valid_on(enrollment.start_date, b.valid_from, b.valid_to)
    where enrollment.approver_id_no <> enrollment.id_no
),

approver_hit as (
    select
        approver_kin.enrollment_id,
        cast(null as text) as unit_code,
        jsonb_build_object(
            'feed', 'civil_affairs.assistance_enrollments',
            'key', approver_kin.enrollment_id,
            'values', jsonb_build_object(
                'approver_id_no', min(enrollment.approver_id_no),
                'relation_kinds', jsonb_agg(distinct approver_kin.kind),
                'relations', jsonb_agg(distinct approver_kin.relation)
            )
        ) as item
    from approver_kin
    inner join enrollment on approver_kin.enrollment_id = enrollment.enrollment_id
    group by approver_kin.enrollment_id
),

village_hit as (
    select
        enrollment.enrollment_id,
        k.unit_code,
        core.village_official_evidence(
            k.appointment_id, k.official_id_no, k.rank, k.jurisdiction_region_code,
            k.start_date, k.end_date, k.kin_kind, k.kin_relation
        ) as item
    from enrollment
    inner join core.official_kin as k
        on
            enrollment.id_no = k.kin_id_no
            and enrollment.region_code = k.jurisdiction_region_code
    where
        k.rank = 'VILLAGE'
        and core.official_kin_during(
            k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, enrollment.start_date, enrollment.last_day
        )
),

hits as (
    select
        h.enrollment_id,
        min(h.unit_code) as unit_code,
        jsonb_agg(h.item order by h.item ->> 'feed', h.item ->> 'key', cast(h.item as text)) as items
    from (
        select
            approver_hit.enrollment_id,
            approver_hit.unit_code,
            approver_hit.item
        from approver_hit
        union all
        select
            village_hit.enrollment_id,
            village_hit.unit_code,
            village_hit.item
        from village_hit
    ) as h
    group by h.enrollment_id
)

select a.*
from hits
inner join enrollment on hits.enrollment_id = enrollment.enrollment_id
cross join lateral core.assistance_enrollment_alert(
    hits.enrollment_id, jsonb_build_object('approver_id_no', enrollment.approver_id_no), hits.unit_code, hits.items
) as a
