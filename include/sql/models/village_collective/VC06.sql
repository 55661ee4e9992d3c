-- VC06: collective contracts split to avoid bidding.
-- Windows are [d, d + window_days) anchored on each contract's sign_date; a window holding >= 2
-- contracts of one village and counterparty, each below value_min, together >= value_min, is a
-- split. One alert per village and counterparty, listing every contract of a qualifying window.
-- The contract's own columns as delivered (c.*), with the date filter on the feed itself (the
-- carry-forward analysis reads it there).
with contract as (
    select
        c.*,
        c.annual_rent * core.lease_term_years(c.start_date, c.end_date) as contract_value
    from agriculture.collective_contracts as c
    where c.sign_date <= cast(:as_of as date)
),

small as (
    select *
    from contract
    where contract_value < cast(:value_min as numeric)
),

member as (
    select s.contract_id
    from (
        select
            array_agg(jsonb_build_array(c.village_code, c.counterparty_kind, c.counterparty_id)) as group_keys,
            array_agg(c.contract_id) as contract_ids,
            array_agg(c.sign_date) as sign_dates,
            array_agg(c.contract_value) as amounts
        from small as c
    ) as a
    cross join lateral core.split_contracts(
        a.group_keys, a.contract_ids, a.sign_dates, a.amounts,
        cast(:window_days as integer), cast(:value_min as numeric)
    ) as s
),

finding as (
    select
        s.village_code,
        s.counterparty_kind,
        s.counterparty_id,
        sum(s.contract_value) as total_value,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'agriculture.collective_contracts',
                'key', s.contract_id,
                'values', jsonb_build_object(
                    'counterparty_kind', s.counterparty_kind,
                    'counterparty_id', s.counterparty_id,
                    'annual_rent', s.annual_rent,
                    'start_date', s.start_date,
                    'end_date', s.end_date,
                    'contract_value', s.contract_value,
                    'award_method', s.award_method,
                    'sign_date', s.sign_date
                )
            )
            order by s.sign_date, s.contract_id
        ) as evidence
    from small as s
    inner join member as m on s.contract_id = m.contract_id
    group by s.village_code, s.counterparty_kind, s.counterparty_id
)

select
    'village' as subject_kind,
    f.village_code as subject_id,
    f.counterparty_kind || ':' || f.counterparty_id as evidence_key,
    f.village_code as region_code,
    vu.unit_code,
    f.total_value as amount,
    f.evidence
from finding as f
left join core.village_committee as vu on f.village_code = vu.village_code
