-- TR01: operating subsidy paid after the plate's SCRAPPED or DEREGISTERED status_date.
with hit as (
    select
        s.payment_id,
        s.plate_no,
        s.recipient_kind,
        s.recipient_id,
        s.subsidy_year,
        s.amount,
        s.pay_date,
        v.status,
        v.status_date,
        v.owner_kind,
        v.owner_id
    from transport.operating_subsidies as s
    inner join public_security.vehicle_registrations as v on s.plate_no = v.plate_no
    where
        v.status in ('SCRAPPED', 'DEREGISTERED')
        and s.pay_date > v.status_date
        and s.pay_date <= cast(:as_of as date)
),

alert as (
    select
        'vehicle' as subject_kind,
        h.plate_no as subject_id,
        h.payment_id as evidence_key,
        null as unit_code,
        h.amount,
        coalesce(p.region_code, e.region_code) as region_code,
        jsonb_build_array(
            jsonb_build_object(
                'feed', 'transport.operating_subsidies',
                'key', h.payment_id,
                'values', jsonb_build_object(
                    'recipient_kind', h.recipient_kind,
                    'recipient_id', h.recipient_id,
                    'subsidy_year', h.subsidy_year,
                    'amount', h.amount,
                    'pay_date', h.pay_date
                )
            ),
            jsonb_build_object(
                'feed', 'public_security.vehicle_registrations',
                'key', h.plate_no,
                'values', jsonb_build_object(
                    'status', h.status,
                    'status_date', h.status_date,
                    'owner_kind', h.owner_kind,
                    'owner_id', h.owner_id
                )
            )
        ) as evidence
    from hit as h
    left join public_security.household_registration as p
        on h.recipient_kind = 'PERSON' and h.recipient_id = p.id_no
    left join market_regulation.enterprises as e
        on h.recipient_kind = 'ORG' and upper(h.recipient_id) = e.uscc
)

select
    subject_kind,
    subject_id,
    evidence_key,
    region_code,
    unit_code,
    amount,
    evidence
from alert
