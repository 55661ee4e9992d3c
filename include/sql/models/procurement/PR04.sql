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

split_window as (
    select
        a.contract_id as anchor_id,
        array_agg(b.contract_id) as member_ids
    from contract as a
    inner join contract as b
        on
            a.buyer_unit_code = b.buyer_unit_code
            and a.supplier_uscc = b.supplier_uscc
            and a.sign_date <= b.sign_date
            and b.sign_date < a.sign_date + cast(:window_days as integer)
    group by a.contract_id
    having
        count(*) >= 2
        and sum(b.amount) >= cast(:threshold as numeric)
),

member as (
    select distinct unnest(member_ids) as contract_id
    from split_window
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
