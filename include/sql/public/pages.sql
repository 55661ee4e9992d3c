-- The pages of the public site: one per village (the villages of the collective registers and of the
-- village committees) and one per public unit. name: the committee's or unit's registered name.
with villages as (
    select a.village_code from agriculture.collective_assets as a
    union
    select c.village_code from agriculture.collective_contracts as c
    union
    select vc.village_code from core.village_committee as vc
),

village_pages as (
    select
        'village' as page_kind,
        v.village_code as code,
        coalesce(u.name, v.village_code) as name,
        vc.unit_code,
        v.village_code as region_code,
        'VILLAGE' as unit_kind
    from villages as v
    left join core.village_committee as vc on v.village_code = vc.village_code
    left join organization.public_units as u on vc.unit_code = u.unit_code
    where v.village_code ~ '^[0-9]{12}$'
),

unit_pages as (
    select
        'unit' as page_kind,
        u.unit_code as code,
        u.name,
        u.unit_code,
        u.region_code,
        u.kind as unit_kind
    from organization.public_units as u
    where u.unit_code ~ '^[0-9A-Z]{1,32}$'
)

select p.*
from village_pages as p
union all
select p.*
from unit_pages as p
order by page_kind desc, code asc
