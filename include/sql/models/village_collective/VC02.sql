-- VC02: collective asset leased far below the local rent.
-- Rent per area of each contract (its own area) against the median rent per area of all contracts
-- of the same asset type in the same district (first 6 digits of village_code); the median and the
-- peer count include the contract itself.
with contract as (
    select
        c.contract_id,
        c.village_code,
        c.asset_id,
        a.asset_type,
        c.counterparty_kind,
        c.counterparty_id,
        c.annual_rent,
        c.area,
        c.start_date,
        c.end_date,
        c.sign_date,
        c.award_method,
        left(c.village_code, 6) as district_code,
        c.annual_rent / c.area as rent_per_area,
        core.lease_term_years(c.start_date, c.end_date) as term_years
    from agriculture.collective_contracts as c
    inner join agriculture.collective_assets as a on c.asset_id = a.asset_id
    where
        c.area > 0
        and c.sign_date <= cast(:as_of as date)
),

peer as (
    select
        district_code,
        asset_type,
        count(*) as peers,
        percentile_cont(0.5) within group (order by rent_per_area) as median_rent_per_area
    from contract
    group by district_code, asset_type
),

hit as (
    select
        c.*,
        p.peers,
        p.median_rent_per_area
    from contract as c
    inner join peer as p
        on c.district_code = p.district_code and c.asset_type = p.asset_type
    where
        p.peers >= cast(:peers_min as integer)
        and c.rent_per_area < cast(:ratio_max as numeric) * p.median_rent_per_area
)

select
    'village' as subject_kind,
    h.village_code as subject_id,
    h.contract_id as evidence_key,
    h.village_code as region_code,
    vu.unit_code,
    round(
        greatest(cast(h.median_rent_per_area as numeric) * h.area - h.annual_rent, 0)
        * greatest(h.term_years, 1),
        2
    ) as amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'agriculture.collective_contracts',
            'key', h.contract_id,
            'values', jsonb_build_object(
                'asset_id', h.asset_id,
                'counterparty_kind', h.counterparty_kind,
                'counterparty_id', h.counterparty_id,
                'annual_rent', h.annual_rent,
                'area', h.area,
                'rent_per_area', round(h.rent_per_area, 4),
                'sign_date', h.sign_date
            )
        ),
        jsonb_build_object(
            'feed', 'agriculture.collective_assets',
            'key', h.asset_id,
            'values', jsonb_build_object(
                'asset_type', h.asset_type,
                'district_code', h.district_code,
                'peers', h.peers,
                'median_rent_per_area', round(cast(h.median_rent_per_area as numeric), 4)
            )
        )
    ) as evidence
from hit as h
left join core.village_committee as vu on h.village_code = vu.village_code
