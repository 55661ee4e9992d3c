-- VC03: large collective contract without public bidding.
-- Contract value = annual_rent x term in years;
-- term = core.lease_term_years: (end_date - start_date) / 365.25 rounded to 0.1 year.
-- The contract's own columns as delivered (c.*), with the date filter on the feed itself (the
-- carry-forward analysis reads it there).
with contract as (
    select
        c.*,
        core.lease_term_years(c.start_date, c.end_date) as term_years
    from agriculture.collective_contracts as c
    where
        c.sign_date <= cast(:as_of as date)
        and c.award_method <> 'PUBLIC_BIDDING'
),

hit as (
    select
        *,
        annual_rent * term_years as contract_value
    from contract
    where annual_rent * term_years >= cast(:value_min as numeric)
)

select
    'village' as subject_kind,
    h.village_code as subject_id,
    h.contract_id as evidence_key,
    h.village_code as region_code,
    vu.unit_code,
    h.contract_value as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'agriculture.collective_contracts',
            'key', h.contract_id,
            'values', jsonb_build_object(
                'asset_id', h.asset_id,
                'counterparty_kind', h.counterparty_kind,
                'counterparty_id', h.counterparty_id,
                'annual_rent', h.annual_rent,
                'start_date', h.start_date,
                'end_date', h.end_date,
                'term_years', h.term_years,
                'contract_value', h.contract_value,
                'award_method', h.award_method,
                'sign_date', h.sign_date
            )
        )
    ) as evidence
from hit as h
left join core.village_committee as vu on h.village_code = vu.village_code
