-- VC04: large cash payment from collective funds.
with entry as (
    select entry_id
    from agriculture.collective_ledger
    where
        direction = 'OUT'
        and payment_method = 'CASH'
        and amount > cast(:cash_max as numeric)
        and entry_date <= cast(:as_of as date)
)

select a.*
from entry as e
cross join lateral core.ledger_alert(e.entry_id, cast('[]' as jsonb)) as a
