-- VC05: collective money paid, outside salary, to a village official of village_code or a relative.
-- Officials in office at entry_date and relatives valid at entry_date (core.official_kin, SELF
-- included). One alert per ledger entry.
with entry as (
    select
        entry_id,
        village_code,
        entry_date,
        amount,
        counterparty_id,
        category,
        payment_method,
        approver_id_no,
        upper(trim(counterparty_id)) as counterparty_key
    from agriculture.collective_ledger
    where
        direction = 'OUT'
        and counterparty_kind = 'PERSON'
        and category <> 'SALARY'
        and entry_date <= cast(:as_of as date)
),

matched as (
    select
        e.entry_id,
        jsonb_agg(
            distinct jsonb_build_object(
                'feed', 'organization.officials',
                'key', k.appointment_id,
                'values', jsonb_build_object(
                    'official_id_no', k.official_id_no,
                    'linked_id_no', k.kin_id_no,
                    'relative_kind', k.kin_kind,
                    'relation', k.kin_relation
                )
            )
        ) as matches
    from entry as e
    inner join core.official_kin as k
        on
            e.village_code = k.jurisdiction_region_code
            and e.counterparty_key = k.kin_id_no
            and k.rank = 'VILLAGE'
            and core.official_kin_on(k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, e.entry_date)
    group by e.entry_id
)

select a.*
from matched as m
cross join lateral core.ledger_alert(m.entry_id, m.matches) as a
