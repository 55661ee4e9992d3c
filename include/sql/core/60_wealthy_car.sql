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

-- Column meanings for core.wealthy_car (rendered in docs/data-dictionary.md).
comment on column core.wealthy_car.plate_no is
'Licence plate number, key of public_security.vehicle_registrations.';
comment on column core.wealthy_car.id_no is
'Identity number (id18) of the owning person (owner_kind PERSON).';
comment on column core.wealthy_car.vehicle_type is
'SMALL_CAR or LARGE_CAR.';
comment on column core.wealthy_car.purchase_price is
'Purchase price in yuan (never null here); models keep cars with purchase_price >= car_price_min (SA02 default '
'50000).';
comment on column core.wealthy_car.registration_date is
'Date the vehicle was registered to its owner.';
comment on column core.wealthy_car.status is
'Registration status, always ACTIVE in this view.';
comment on column core.wealthy_car.status_date is
'Date the ACTIVE status took effect; null when not delivered.';
