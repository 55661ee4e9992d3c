-- PR04: direct purchases split below the tendering threshold.
-- Contracts without tender_id from one buyer to one supplier; windows [d, d + window_days) anchored
-- on each sign_date; >= 2 contracts each < threshold and together >= threshold. One alert per
-- supplier and buyer, listing every contract of a qualifying window.
with contract as (
    select
        contract_id,
        buyer_unit_code,
        supplier_uscc,
        amount,
        sign_date,
        signer_id_no
    from public_resources.contracts
    where
        nullif(trim(tender_id), '') is null
        and amount < cast(:threshold as numeric)
        and sign_date <= cast(:as_of as date)
),

member as (
    select s.contract_id
    from (
        select
            array_agg(jsonb_build_array(c.buyer_unit_code, c.supplier_uscc)) as group_keys,
            array_agg(c.contract_id) as contract_ids,
            array_agg(c.sign_date) as sign_dates,
            array_agg(c.amount) as amounts
        from contract as c
    ) as a
    cross join lateral core.split_contracts(
        a.group_keys, a.contract_ids, a.sign_dates, a.amounts,
        cast(:window_days as integer), cast(:threshold as numeric)
    ) as s
),

finding as (
    select
        c.supplier_uscc,
        c.buyer_unit_code,
        sum(c.amount) as total_amount,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'public_resources.contracts',
                'key', c.contract_id,
                'values', jsonb_build_object(
                    'buyer_unit_code', c.buyer_unit_code,
                    'supplier_uscc', c.supplier_uscc,
                    'amount', c.amount,
                    'sign_date', c.sign_date,
                    'signer_id_no', c.signer_id_no
                )
            )
            order by c.sign_date, c.contract_id
        ) as evidence
    from contract as c
    inner join member as m on c.contract_id = m.contract_id
    group by c.supplier_uscc, c.buyer_unit_code
)

select
    'enterprise' as subject_kind,
    f.supplier_uscc as subject_id,
    f.buyer_unit_code as evidence_key,
    u.region_code,
    f.buyer_unit_code as unit_code,
    f.total_amount as amount,
    f.evidence
from finding as f
left join organization.public_units as u on f.buyer_unit_code = u.unit_code
