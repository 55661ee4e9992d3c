-- SG05 Student aid to a well-off family.
-- Student aid where household(guardian) (guardian included, household
-- registration) has a wealthy car (core.wealthy_car, purchase_price >=
-- :car_price_min), >= 2 ACTIVE RESIDENTIAL titles or any ACTIVE COMMERCIAL
-- title, or the guardian's total_income >= :income_min in academic_year - 1.
-- Subject: the student receiving the aid; one alert per aid grant.
with guardian as (
    select distinct aid.guardian_id_no
    from core.student_aid as aid
),

member as (
    select
        guardian.guardian_id_no,
        coalesce(h.member_id, guardian.guardian_id_no) as member_id
    from guardian
    left join core.household as h on guardian.guardian_id_no = h.id_no
),

car as (
    select
        member.guardian_id_no,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'public_security.vehicle_registrations',
                'key', w.plate_no,
                'values', jsonb_build_object(
                    'owner_id', w.id_no, 'vehicle_type', w.vehicle_type, 'purchase_price', w.purchase_price
                )
            )
            order by w.plate_no
        ) as items
    from member
    inner join core.wealthy_car as w on member.member_id = w.id_no
    where w.purchase_price >= :car_price_min
    group by member.guardian_id_no
),

property as (
    select
        member.guardian_id_no,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'natural_resources.real_estate',
                'key', r.certificate_no,
                'values', jsonb_build_object(
                    'owner_id', r.owner_id, 'property_type', r.property_type, 'area_sqm', r.area_sqm
                )
            )
            order by r.certificate_no
        ) as items
    from member
    inner join natural_resources.real_estate as r on member.member_id = r.owner_id
    where
        r.owner_kind = 'PERSON'
        and r.status = 'ACTIVE'
        and r.property_type in ('RESIDENTIAL', 'COMMERCIAL')
    group by member.guardian_id_no
    having
        count(*) filter (where r.property_type = 'RESIDENTIAL') >= 2
        or count(*) filter (where r.property_type = 'COMMERCIAL') >= 1
),

income as (
    select
        aid.aid_id,
        jsonb_build_array(
            jsonb_build_object(
                'feed', 'taxation.individual_income',
                'key', i.id_no || '/' || cast(i.tax_year as text),
                'values', jsonb_build_object('tax_year', i.tax_year, 'total_income', i.total_income)
            )
        ) as items
    from core.student_aid as aid
    inner join taxation.individual_income as i
        on aid.guardian_id_no = i.id_no and aid.academic_year - 1 = i.tax_year
    where i.total_income >= :income_min
),

hits as (
    select
        aid.aid_id,
        coalesce(car.items, cast('[]' as jsonb))
        || coalesce(property.items, cast('[]' as jsonb))
        || coalesce(income.items, cast('[]' as jsonb)) as items
    from core.student_aid as aid
    left join car on aid.guardian_id_no = car.guardian_id_no
    left join property on aid.guardian_id_no = property.guardian_id_no
    left join income on aid.aid_id = income.aid_id
    where car.items is not null or property.items is not null or income.items is not null
)

select
    'person' as subject_kind,
    aid.student_id_no as subject_id,
    aid.aid_id as evidence_key,
    aid.region_code,
    cast(null as text) as unit_code,
    aid.amount,
    jsonb_build_array(
        aid.evidence
    ) || hits.items as evidence
from hits
inner join core.student_aid as aid on hits.aid_id = aid.aid_id
