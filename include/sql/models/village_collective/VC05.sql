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
                'counterparty_kind', 'PERSON',
                'counterparty_id', e.counterparty_id,
                'category', e.category,
                'payment_method', e.payment_method,
                'approver_id_no', e.approver_id_no
            )
        )
    ) || m.matches as evidence
from matched as m
inner join entry as e on m.entry_id = e.entry_id
left join village_unit as vu on e.village_code = vu.village_code
