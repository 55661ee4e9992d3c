-- SA02 Recipient household owns a car.
-- ACTIVE enrollment whose household(p) (everyone sharing p's household_id in
-- household registration, p included) has a wealthy car (core.wealthy_car,
-- purchase_price >= :car_price_min) registered on or before the enrollment's
-- last active day (end_date, or the as-of date while open).
with car as (
    select
        member.enrollment_id,
        w.id_no,
        w.plate_no,
        w.vehicle_type,
        w.purchase_price,
        w.registration_date
    from core.recipient_household(cast(:as_of as date)) as member
    inner join core.wealthy_car as w on member.member_id = w.id_no
    where
        w.purchase_price >= :car_price_min
        and w.registration_date <= member.last_active_day
),

hits as (
    select
        car.enrollment_id,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'public_security.vehicle_registrations',
                'key', car.plate_no,
                'values', jsonb_build_object(
                    'owner_id', car.id_no, 'vehicle_type', car.vehicle_type,
                    'purchase_price', car.purchase_price, 'registration_date', car.registration_date
                )
            )
            order by car.plate_no
        ) as cars
    from car
    group by car.enrollment_id
)

select a.*
from hits
cross join lateral core.enrollment_alert(hits.enrollment_id, hits.cars) as a
