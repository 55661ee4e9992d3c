-- OF03: an official in office on the as-of date whose current spouse (core.spouse, not divorced)
-- or household CHILD (relation CHILD in the household where the official is HEAD or SPOUSE) is
-- absent from discipline.official_relatives for that official (any declared relation). Relatives
-- who died on or before the as-of date are not expected. One alert per official and relative.
with official as (
    select distinct on (id_no)
        id_no,
        appointment_id,
        unit_code,
        jurisdiction_region_code
    from core.official
    where
        start_date <= cast(:as_of as date)
        and (end_date is null or end_date >= cast(:as_of as date))
    order by id_no asc, start_date desc, appointment_id asc
),

expected as (
    select
        o.id_no as official_id_no,
        s.spouse_id as relative_id_no,
        'SPOUSE' as relation,
        jsonb_build_object(
            'feed', 'civil_affairs.marriage_registrations',
            'key', s.registration_id,
            'values', jsonb_build_object(
                'official_id_no', o.id_no,
                'spouse_id_no', s.spouse_id,
                'marriage_date', s.marriage_date
            )
        ) as source_evidence
    from official as o
    inner join core.spouse as s
        on
            o.id_no = s.person_id
            and s.marriage_date <= cast(:as_of as date)
            and (s.divorce_date is null or s.divorce_date > cast(:as_of as date))
    union
    select
        o.id_no as official_id_no,
        c.id_no as relative_id_no,
        'CHILD' as relation,
        jsonb_build_object(
            'feed', 'public_security.household_registration',
            'key', c.id_no,
            'values', jsonb_build_object(
                'household_id', c.household_id,
                'relation_to_head', c.relation_to_head,
                'official_id_no', o.id_no,
                'official_relation_to_head', p.relation_to_head
            )
        ) as source_evidence
    from official as o
    inner join core.person as p
        on o.id_no = p.id_no and p.relation_to_head in ('HEAD', 'SPOUSE')
    inner join core.person as c
        on p.household_id = c.household_id and c.relation_to_head = 'CHILD' and o.id_no <> c.id_no
),

missing as (
    select e.*
    from expected as e
    where
        not exists (
            select 1
            from discipline.official_relatives as r
            where r.official_id_no = e.official_id_no and r.relative_id_no = e.relative_id_no
        )
        and not exists (
            select 1
            from core.death as d
            where d.id_no = e.relative_id_no and d.death_date <= cast(:as_of as date)
        )
)

select
    'person' as subject_kind,
    m.official_id_no as subject_id,
    m.relative_id_no as evidence_key,
    o.jurisdiction_region_code as region_code,
    o.unit_code,
    cast(null as numeric) as amount,
    jsonb_agg(m.source_evidence order by m.relation) as evidence
from missing as m
inner join official as o on m.official_id_no = o.id_no
group by m.official_id_no, m.relative_id_no, o.jurisdiction_region_code, o.unit_code
