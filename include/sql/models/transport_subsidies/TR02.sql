-- TR02: operating subsidy paid to someone other than the plate's owner at pay_date.
-- The owner at pay_date is the vehicle_registrations version valid then (history); a payment dated
-- before the first known version is compared with that first version. A plate deleted at pay_date
-- has no owner and is left to TR01.
with subsidy as (
    select
        payment_id,
        plate_no,
        recipient_kind,
        recipient_id,
        subsidy_year,
        amount,
        pay_date
    from transport.operating_subsidies
    where pay_date <= cast(:as_of as date)
),

vehicle_version as (
    select
        plate_no,
        owner_kind,
        owner_id,
        status,
        _valid_from,
        _valid_to,
        _deleted,
        row_number() over (partition by plate_no order by _valid_from) as version_no
    from public_security.vehicle_registrations__history
    where plate_no in (select s.plate_no from subsidy as s)
),

owner_at_pay as (
    select
        s.*,
        v.owner_kind,
        v.owner_id,
        v.status,
        v._valid_from as owner_since
    from subsidy as s
    inner join vehicle_version as v
        on
            s.plate_no = v.plate_no
            and (
                (s.pay_date >= v._valid_from and (v._valid_to is null or s.pay_date < v._valid_to))
                or (v.version_no = 1 and s.pay_date < v._valid_from)
            )
    where not v._deleted
),

hit as (
    select *
    from owner_at_pay
    where
        recipient_kind <> owner_kind
        or upper(trim(recipient_id)) <> upper(trim(owner_id))
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
                    'owner_kind', h.owner_kind,
                    'owner_id', h.owner_id,
                    'status', h.status,
                    'owner_since', h.owner_since
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
