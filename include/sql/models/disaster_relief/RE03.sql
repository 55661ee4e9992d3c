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
            core.village_official_evidence(
                k.appointment_id, k.official_id_no, k.rank, k.jurisdiction_region_code,
                k.start_date, k.end_date, k.kin_kind, k.kin_relation
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

select a.*
from hits
inner join large on hits.payment_id = large.payment_id
cross join lateral core.person_alert(
    jsonb_build_object(
        'feed', 'emergency.relief_payments',
        'key', large.payment_id,
        'values', jsonb_build_object(
            'event_id', large.event_id, 'region_code', large.region_code, 'amount', large.amount,
            'pay_date', large.pay_date, 'event_median_amount', large.median_amount
        )
    ),
    large.id_no, large.region_code, hits.unit_code, large.amount, hits.officials
) as a
