-- RV01: project contractor linked to the project's approver or to a village official of the project
-- region_code (in office at start_date). "Linked": the person or a relative valid at start_date is
-- the contractor's legal rep or in its enterprise_persons (core.enterprise_link). Approver
-- relatives come from core.relative, village officials' from core.official_kin (SELF included).
with project as (
    select
        project_id,
        region_code,
        fund_amount,
        contractor_uscc,
        approver_id_no,
        start_date,
        status
    from rural_revitalization.projects
    where start_date <= cast(:as_of as date)
),

contractor_person as materialized (
    select
        p.project_id,
        p.region_code,
        p.approver_id_no,
        p.start_date,
        l.id_no,
        l.role
    from project as p
    inner join core.enterprise_link as l on p.contractor_uscc = l.uscc
),

person_behind as (
    select
        c.project_id,
        'approver' as linked_to,
        c.approver_id_no as official_id_no,
        null as appointment_id,
        c.id_no as linked_id_no,
        'SELF' as relative_kind,
        'SELF' as relation,
        c.role
    from contractor_person as c
    where c.id_no = c.approver_id_no
    union all
    select
        c.project_id,
        'approver' as linked_to,
        c.approver_id_no as official_id_no,
        null as appointment_id,
        c.id_no as linked_id_no,
        r.kind as relative_kind,
        r.relation,
        c.role
    from contractor_person as c
    inner join core.relative as r
        on
            c.approver_id_no = r.person_id
            and c.id_no = r.relative_id
            and core.valid_on(c.start_date, r.valid_from, r.valid_to)
    union all
    select
        c.project_id,
        'village_official' as linked_to,
        k.official_id_no,
        k.appointment_id,
        c.id_no as linked_id_no,
        k.kin_kind as relative_kind,
        k.kin_relation as relation,
        c.role
    from contractor_person as c
    inner join core.official_kin as k
        on
            c.region_code = k.jurisdiction_region_code
            and c.id_no = k.kin_id_no
            and k.rank = 'VILLAGE'
            and core.official_kin_on(k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, c.start_date)
),

matched as (
    select
        project_id,
        jsonb_agg(
            distinct jsonb_build_object(
                'feed', case
                    when linked_to = 'approver' then 'rural_revitalization.projects'
                    else 'organization.officials'
                end,
                'key', coalesce(appointment_id, project_id),
                'values', jsonb_build_object(
                    'linked_to', linked_to,
                    'official_id_no', official_id_no,
                    'linked_id_no', linked_id_no,
                    'relative_kind', relative_kind,
                    'relation', relation,
                    'link_role', role
                )
            )
        ) as matches
    from person_behind
    group by project_id
)

select
    'enterprise' as subject_kind,
    p.contractor_uscc as subject_id,
    p.project_id as evidence_key,
    p.region_code,
    null as unit_code,
    p.fund_amount as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'rural_revitalization.projects',
            'key', p.project_id,
            'values', jsonb_build_object(
                'region_code', p.region_code,
                'fund_amount', p.fund_amount,
                'contractor_uscc', p.contractor_uscc,
                'approver_id_no', p.approver_id_no,
                'start_date', p.start_date,
                'status', p.status
            )
        )
    ) || m.matches as evidence
from matched as m
inner join project as p on m.project_id = p.project_id
