-- VC04: large cash payment from collective funds.
with entry as (
    select
        entry_id,
        village_code,
        entry_date,
        amount,
        counterparty_kind,
        counterparty_id,
        category,
        payment_method,
        approver_id_no
    from agriculture.collective_ledger
    where
        direction = 'OUT'
        and payment_method = 'CASH'
        and amount > cast(:cash_max as numeric)
        and entry_date <= cast(:as_of as date)
),

village_unit as (
    select
        region_code as village_code,
        min(unit_code) as unit_code
    from organization.public_units
    where kind = 'VILLAGE_COMMITTEE'
    group by region_code
)

select
    'village' as subject_kind,
    e.village_code as subject_id,
    e.entry_id as evidence_key,
    e.village_code as region_code,
    vu.unit_code,
    e.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'agriculture.collective_ledger',
            'key', e.entry_id,
            'values', jsonb_build_object(
                'entry_date', e.entry_date,
                'direction', 'OUT',
                'amount', e.amount,
                'payment_method', e.payment_method,
                'category', e.category,
                'counterparty_kind', e.counterparty_kind,
                'counterparty_id', e.counterparty_id,
                'approver_id_no', e.approver_id_no
            )
        )
    ) as evidence
from entry as e
left join village_unit as vu on e.village_code = vu.village_code
