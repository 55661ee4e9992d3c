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
)

select a.*
from hit as h
cross join lateral core.operating_subsidy_alert(
    h.payment_id,
    jsonb_build_object(
        'status', h.status,
        'status_date', h.status_date,
        'owner_kind', h.owner_kind,
        'owner_id', h.owner_id
    )
) as a
