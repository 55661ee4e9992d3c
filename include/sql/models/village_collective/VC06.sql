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

split_window as (
    select
        a.contract_id as anchor_id,
        array_agg(b.contract_id) as member_ids
    from small as a
    inner join small as b
        on
            a.village_code = b.village_code
            and a.counterparty_kind = b.counterparty_kind
            and a.counterparty_id = b.counterparty_id
            and a.sign_date <= b.sign_date
            and b.sign_date < a.sign_date + cast(:window_days as integer)
    group by a.contract_id
    having
        count(*) >= 2
        and sum(b.contract_value) >= cast(:value_min as numeric)
),

member as (
    select distinct unnest(member_ids) as contract_id
    from split_window
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
