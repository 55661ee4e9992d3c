-- HO02 Public-housing tenant household owns an expensive car.
-- A lease active at some d (start_date to end_date, or the as-of date while
-- open) while household(tenant) (tenant included) owns a wealthy car
-- (core.wealthy_car, purchase_price >= :car_price_min) registered on or before
-- the lease's last active day.
with hits as (
    select
        member.lease_id,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'public_security.vehicle_registrations',
                'key', w.plate_no,
                'values', jsonb_build_object(
                    'owner_id', w.id_no, 'vehicle_type', w.vehicle_type,
                    'purchase_price', w.purchase_price, 'registration_date', w.registration_date
                )
            )
            order by w.plate_no
        ) as cars
    from core.tenant_household(cast(:as_of as date)) as member
    inner join core.wealthy_car as w on member.member_id = w.id_no
    where
        w.purchase_price >= :car_price_min
        and w.registration_date <= member.last_day
    group by member.lease_id
)

select a.*
from hits
cross join lateral core.lease_alert(hits.lease_id, hits.cars) as a
