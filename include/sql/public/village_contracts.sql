-- Lease and contracting agreements of each village collective with their counterparty: an
-- organisation by its registered name, a person by name (masked to the family name before it is
-- published, tianyan.public.masking) and never by id number. current: not ended on :as_of.
select
    c.village_code,
    c.contract_id,
    c.asset_id,
    a.asset_type,
    c.counterparty_kind,
    case when c.counterparty_kind = 'ORG' then e.name else p.name end as counterparty_name,
    c.annual_rent,
    c.area,
    c.start_date,
    c.end_date,
    c.award_method,
    c.end_date >= cast(:as_of as date) as is_current
from agriculture.collective_contracts as c
left join agriculture.collective_assets as a on c.asset_id = a.asset_id
left join market_regulation.enterprises as e
    on c.counterparty_kind = 'ORG' and c.counterparty_id = e.uscc
left join public_security.household_registration as p
    on c.counterparty_kind = 'PERSON' and c.counterparty_id = p.id_no
order by c.village_code asc, c.start_date desc, c.contract_id asc
