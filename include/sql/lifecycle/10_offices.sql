-- Offices: one per district named in the unit register (the district party committee's discipline
-- office), one per other district that alerts mention, and a city office (empty prefix) for the rest.
with unit_district as (
    select
        left(u.region_code, 6) as region_prefix,
        min(u.name) filter (where u.kind = 'PARTY') as party_name
    from organization.public_units as u
    where u.region_code ~ '^[0-9]{6}'
    group by left(u.region_code, 6)
),

alert_district as (
    select distinct left(a.region_code, 6) as region_prefix
    from alerts.alert as a
    where a.region_code ~ '^[0-9]{6}'
),

offices as (
    select
        'INSP-' || d.region_prefix as office_code,
        coalesce(d.party_name || '纪检监察室', 'Inspection office ' || d.region_prefix) as name,
        d.region_prefix,
        'public_units' as source
    from unit_district as d
    union all
    select
        'INSP-' || s.region_prefix as office_code,
        'Inspection office ' || s.region_prefix as name,
        s.region_prefix,
        'region_codes' as source
    from alert_district as s
    where
        not exists (
            select 1 from unit_district as d
            where d.region_prefix = s.region_prefix
        )
    union all
    select
        'INSP-CITY' as office_code,
        'City inspection office' as name,
        '' as region_prefix,
        'default' as source
)

insert into alerts.office as o (office_code, name, region_prefix, source)
select
    office_code,
    name,
    region_prefix,
    source
from offices
on conflict (office_code) do update
    set name = excluded.name, source = excluded.source
    where (o.name, o.source) is distinct from (excluded.name, excluded.source)
