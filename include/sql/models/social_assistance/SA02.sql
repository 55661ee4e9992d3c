-- SA02 Recipient household owns a car.
-- ACTIVE enrollment whose household(p) (everyone sharing p's household_id in
-- household registration, p included) has a wealthy car (core.wealthy_car,
-- purchase_price >= :car_price_min) registered on or before the enrollment's
-- last active day (end_date, or the as-of date while open).
with enrollment as (
    select
        e.enrollment_id,
        e.id_no,
        e.program,
        e.region_code,
        e.monthly_amount,
        e.start_date,
        least(coalesce(e.end_date, cast(:as_of as date)), cast(:as_of as date)) as last_active_day
    from civil_affairs.assistance_enrollments as e
    where e.status = 'ACTIVE' and e.start_date <= cast(:as_of as date)
),

member as (
    select
        enrollment.enrollment_id,
        m.id_no as member_id
    from enrollment
    inner join core.person as p on enrollment.id_no = p.id_no
    inner join core.person as m on p.household_id = m.household_id
    union
    select
        enrollment.enrollment_id,
        enrollment.id_no as member_id
    from enrollment
),

car as (
    select
        member.enrollment_id,
        w.id_no,
        w.plate_no,
        w.vehicle_type,
        w.purchase_price,
        w.registration_date
    from member
    inner join enrollment on member.enrollment_id = enrollment.enrollment_id
    inner join core.wealthy_car as w on member.member_id = w.id_no
    where
        w.purchase_price >= :car_price_min
        and w.registration_date <= enrollment.last_active_day
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

select
    'person' as subject_kind,
    enrollment.id_no as subject_id,
    enrollment.enrollment_id as evidence_key,
    enrollment.region_code,
    cast(null as text) as unit_code,
    enrollment.monthly_amount as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'civil_affairs.assistance_enrollments',
            'key', enrollment.enrollment_id,
            'values', jsonb_build_object(
                'program', enrollment.program, 'start_date', enrollment.start_date,
                'monthly_amount', enrollment.monthly_amount, 'status', 'ACTIVE'
            )
        )
    ) || hits.cars as evidence
from hits
inner join enrollment on hits.enrollment_id = enrollment.enrollment_id
