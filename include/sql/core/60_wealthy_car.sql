-- Shared definition "wealthy car" (include/spec/models.yaml header):
-- ACTIVE person-owned SMALL_CAR or LARGE_CAR with purchase_price >= car_price_min.
-- core.wealthy_car lists the candidates (current registrations); each model
-- applies its own car_price_min parameter:  w.purchase_price >= :car_price_min

create or replace view core.wealthy_car as
select
    v.plate_no,
    v.owner_id as id_no,
    v.vehicle_type,
    v.purchase_price,
    v.registration_date,
    v.status,
    v.status_date
from public_security.vehicle_registrations as v
where
    v.status = 'ACTIVE'
    and v.owner_kind = 'PERSON'
    and v.vehicle_type in ('SMALL_CAR', 'LARGE_CAR')
    and v.purchase_price is not null;

comment on view core.wealthy_car is
'Wealthy-car candidates: ACTIVE person-owned SMALL_CAR / LARGE_CAR with a purchase price '
'(threshold car_price_min applied by each model).';
