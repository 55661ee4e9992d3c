-- Collective assets and resources (三资) of each village, as registered.
select
    a.village_code,
    a.asset_id,
    a.asset_type,
    a.area,
    a.book_value
from agriculture.collective_assets as a
order by a.village_code, a.asset_id
