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
)

select a.*
from hit as h
cross join lateral core.operating_subsidy_alert(
    h.payment_id,
    jsonb_build_object(
        'owner_kind', h.owner_kind,
        'owner_id', h.owner_id,
        'status', h.status,
        'owner_since', h.owner_since
    )
) as a
