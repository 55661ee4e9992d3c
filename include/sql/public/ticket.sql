-- One complaint as its ticket page shows it: status and dates from the complaints feed (the case
-- system's record), the unit it names and the inspection office it is routed to (the office with
-- the longest region prefix of the complaint's region, as alerts are routed). Nothing else.
select
    c.complaint_id,
    c.received_date,
    c.channel,
    c.category,
    c.status,
    c.closed_date,
    u.name as unit_name,
    best.office_code,
    best.office_name
from discipline.complaints as c
left join organization.public_units as u on c.subject_unit_code = u.unit_code
left join lateral (
    select
        o.office_code,
        o.name as office_name
    from alerts.office as o
    where starts_with(coalesce(c.region_code, ''), o.region_prefix)
    order by length(o.region_prefix) desc
    limit 1
) as best on true
where c.complaint_id = :ticket
