-- OF01: official of a rank not in exempt_ranks runs or holds a business while in office: legal rep
-- or an enterprise_persons row (core.enterprise_link) of an ACTIVE enterprise. The register gives
-- current links only, so the appointment must be in office on the as-of date. One alert per
-- appointment and enterprise.
with official as (
    select
        appointment_id,
        id_no,
        unit_code,
        jurisdiction_region_code,
        evidence
    from core.official
    where
        not (rank = any(cast(:exempt_ranks as text[])))
        and start_date <= cast(:as_of as date)
        and (end_date is null or end_date >= cast(:as_of as date))
),

hit as (
    select
        o.appointment_id,
        o.id_no,
        l.uscc,
        min(o.unit_code) as unit_code,
        min(o.jurisdiction_region_code) as region_code,
        max(l.registered_capital) as registered_capital,
        jsonb_agg(
            jsonb_build_object(
                'feed', case
                    when l.role = 'LEGAL_REP' then 'market_regulation.enterprises'
                    else 'market_regulation.enterprise_persons'
                end,
                'key', case
                    when l.role = 'LEGAL_REP' then l.uscc
                    else l.uscc || '|' || l.id_no || '|' || l.role
                end,
                'values', jsonb_build_object(
                    'name', l.enterprise_name,
                    'role', l.role,
                    'share_ratio', l.share_ratio,
                    'status', l.enterprise_status,
                    'registered_capital', l.registered_capital
                )
            )
            order by l.role
        ) as links,
        o.evidence as appointment
    from official as o
    inner join core.enterprise_link as l on o.id_no = l.id_no
    where l.enterprise_status = 'ACTIVE'
    group by o.appointment_id, o.id_no, o.evidence, l.uscc
)

select
    'person' as subject_kind,
    id_no as subject_id,
    appointment_id || '|' || uscc as evidence_key,
    region_code,
    unit_code,
    cast(null as numeric) as amount,
    jsonb_build_array(appointment) || links as evidence
from hit
