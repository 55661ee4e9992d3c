-- RE03 Outsized relief to a village official or relative.
-- The recipient is a village official of the paid region_code (rank VILLAGE,
-- jurisdiction_region_code = the payment's region_code) or in their relatives
-- (declared either direction, spouse, household), official and relationship
-- holding on pay_date (core.official_kin), and amount >= :ratio_min x the
-- median amount of all relief payments of the event.
with median as (
    select
        p.event_id,
        percentile_cont(0.5) within group (order by p.amount) as median_amount
    from emergency.relief_payments as p
    group by p.event_id
),

large as (
    select
        p.payment_id,
        p.id_no,
        p.event_id,
        p.region_code,
        p.amount,
        p.pay_date,
        median.median_amount
    from emergency.relief_payments as p
    inner join median on p.event_id = median.event_id
    where p.amount >= cast(:ratio_min as numeric) * cast(median.median_amount as numeric)
),

hits as (
    select
        large.payment_id,
        min(k.unit_code) as unit_code,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'organization.officials',
                'key', k.appointment_id,
                'values', jsonb_build_object(
                    'official_id_no', k.official_id_no, 'rank', k.rank,
                    'jurisdiction_region_code', k.jurisdiction_region_code,
                    'start_date', k.start_date, 'end_date', k.end_date,
                    'relation_kind', k.kin_kind, 'relation', k.kin_relation
                )
            )
            order by k.appointment_id, k.kin_kind
        ) as officials
    from large
    inner join core.official_kin as k
        on
            large.id_no = k.kin_id_no
            and large.region_code = k.jurisdiction_region_code
    where
        k.rank = 'VILLAGE'
        and core.official_kin_on(k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, large.pay_date)
    group by large.payment_id
)

select
    'person' as subject_kind,
    large.id_no as subject_id,
    large.payment_id as evidence_key,
    large.region_code,
    hits.unit_code,
    large.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'emergency.relief_payments',
            'key', large.payment_id,
            'values', jsonb_build_object(
                'event_id', large.event_id, 'region_code', large.region_code, 'amount', large.amount,
                'pay_date', large.pay_date, 'event_median_amount', large.median_amount
            )
        )
    ) || hits.officials as evidence
from hits
inner join large on hits.payment_id = large.payment_id
