-- VC01: collective asset leased to a village official, a relative, or an enterprise linked to one.
-- Village officials of village_code (rank VILLAGE, jurisdiction = village_code) in office at
-- sign_date, with their relatives valid at sign_date (core.official_kin, SELF included); an ORG
-- counterparty matches when one of those people is its legal rep or in enterprise_persons
-- (core.enterprise_link). One alert per contract.
with contract as (
    select
        contract_id,
        village_code,
        asset_id,
        counterparty_kind,
        counterparty_id,
        annual_rent,
        start_date,
        end_date,
        award_method,
        sign_date,
        upper(trim(counterparty_id)) as counterparty_key,
        round((end_date - start_date) / 365.25, 1) as term_years
    from agriculture.collective_contracts
    where sign_date <= cast(:as_of as date)
),

village_kin as materialized (
    select
        k.appointment_id,
        k.official_id_no,
        k.jurisdiction_region_code,
        k.start_date,
        k.end_date,
        k.kin_id_no,
        k.kin_kind,
        k.kin_relation,
        k.kin_valid_from,
        k.kin_valid_to
    from core.official_kin as k
    where k.rank = 'VILLAGE'
),

village_linked as materialized (
    select
        k.*,
        l.uscc,
        l.role
    from village_kin as k
    inner join core.enterprise_link as l on k.kin_id_no = l.id_no
),

matched as (
    select
        c.contract_id,
        k.official_id_no,
        k.appointment_id,
        k.kin_id_no,
        k.kin_kind,
        k.kin_relation,
        null as link_role
    from contract as c
    inner join village_kin as k
        on
            c.village_code = k.jurisdiction_region_code
            and c.counterparty_key = k.kin_id_no
            and core.official_kin_on(k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, c.sign_date)
    where c.counterparty_kind = 'PERSON'
    union all
    select
        c.contract_id,
        k.official_id_no,
        k.appointment_id,
        k.kin_id_no,
        k.kin_kind,
        k.kin_relation,
        k.role as link_role
    from contract as c
    inner join village_linked as k
        on
            c.village_code = k.jurisdiction_region_code
            and c.counterparty_key = k.uscc
            and core.official_kin_on(k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, c.sign_date)
    where c.counterparty_kind = 'ORG'
),

finding as (
    select
        contract_id,
        jsonb_agg(
            distinct jsonb_build_object(
                'feed', 'organization.officials',
                'key', appointment_id,
                'values', jsonb_build_object(
                    'official_id_no', official_id_no,
                    'linked_id_no', kin_id_no,
                    'relative_kind', kin_kind,
                    'relation', kin_relation,
                    'link_role', link_role
                )
            )
        ) as matches
    from matched
    group by contract_id
)

select
    'village' as subject_kind,
    c.village_code as subject_id,
    c.contract_id as evidence_key,
    c.village_code as region_code,
    vu.unit_code,
    c.annual_rent * c.term_years as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'agriculture.collective_contracts',
            'key', c.contract_id,
            'values', jsonb_build_object(
                'asset_id', c.asset_id,
                'counterparty_kind', c.counterparty_kind,
                'counterparty_id', c.counterparty_id,
                'annual_rent', c.annual_rent,
                'start_date', c.start_date,
                'end_date', c.end_date,
                'award_method', c.award_method,
                'sign_date', c.sign_date
            )
        )
    ) || f.matches as evidence
from finding as f
inner join contract as c on f.contract_id = c.contract_id
left join core.village_committee as vu on c.village_code = vu.village_code
