-- VC01: collective asset leased to a village official, a relative, or an enterprise linked to one.
-- Village officials of village_code (rank VILLAGE, jurisdiction = village_code) in office at
-- sign_date, with their relatives valid at sign_date (core.official_kin, SELF included); an ORG
-- counterparty matches when one of those people is its legal rep or in enterprise_persons
-- (core.enterprise_link). One alert per contract.
-- The contract's own columns as delivered (c.*), with the date filter on the feed itself (the
-- carry-forward analysis reads it there).
with contract as (
    select
        c.*,
        upper(trim(c.counterparty_id)) as counterparty_key,
        core.lease_term_years(c.start_date, c.end_date) as term_years
    from agriculture.collective_contracts as c
    where c.sign_date <= cast(:as_of as date)
),

village_kin as materialized (
    select k.*
    from core.official_kin as k
    where k.rank = 'VILLAGE'
),

-- Who a contract of the village may not go to: an official or a relative (PERSON, keyed by id_no), or an
-- enterprise linked to one (ORG, keyed by uscc; core.enterprise_link, as in core.official_enterprise).
village_party as (
    select
        k.*,
        'PERSON' as party_kind,
        k.kin_id_no as party_key,
        null as link_role
    from village_kin as k
    union all
    select
        k.*,
        'ORG' as party_kind,
        l.uscc as party_key,
        l.role as link_role
    from village_kin as k
    inner join core.enterprise_link as l on k.kin_id_no = l.id_no
),

finding as (
    select
        c.contract_id,
        jsonb_agg(
            distinct core.official_link_evidence(
                k.appointment_id, k.official_id_no, k.kin_id_no, k.kin_kind, k.kin_relation, k.link_role
            )
        ) as matches
    from contract as c
    inner join village_party as k
        on
            c.village_code = k.jurisdiction_region_code
            and c.counterparty_kind = k.party_kind
            and c.counterparty_key = k.party_key
            and core.official_kin_on(k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, c.sign_date)
    group by c.contract_id
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
