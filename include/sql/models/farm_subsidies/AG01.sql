-- AG01 Subsidised farmland exceeds contracted land.
-- Per id_no, village_code and subsidy_year: sum(subsidized_area_mu) >
-- :tolerance x the id_no's contracted_area_mu in that village (sum of its land
-- contracts there; no land contract counts as 0).
with subsidy as (
    select
        f.id_no,
        f.village_code,
        f.subsidy_year,
        sum(f.subsidized_area_mu) as subsidized_area_mu,
        sum(f.amount) as amount,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'agriculture.farm_subsidies',
                'key', f.payment_id,
                'values', jsonb_build_object(
                    'subsidy_year', f.subsidy_year, 'subsidized_area_mu', f.subsidized_area_mu,
                    'amount', f.amount, 'pay_date', f.pay_date
                )
            )
            order by f.payment_id
        ) as payments
    from agriculture.farm_subsidies as f
    group by f.id_no, f.village_code, f.subsidy_year
),

contracted as (
    select
        l.id_no,
        l.village_code,
        sum(l.contracted_area_mu) as contracted_area_mu,
        jsonb_agg(l.right_id order by l.right_id) as right_ids
    from agriculture.land_contracts as l
    group by l.id_no, l.village_code
)

select
    'person' as subject_kind,
    subsidy.id_no as subject_id,
    subsidy.village_code || '/' || cast(subsidy.subsidy_year as text) as evidence_key,
    subsidy.village_code as region_code,
    cast(null as text) as unit_code,
    subsidy.amount,
    subsidy.payments || jsonb_build_array(
        jsonb_build_object(
            'feed', 'agriculture.land_contracts',
            'key', subsidy.id_no || '/' || subsidy.village_code,
            'values', jsonb_build_object(
                'contracted_area_mu', coalesce(contracted.contracted_area_mu, 0),
                'right_ids', coalesce(contracted.right_ids, cast('[]' as jsonb)),
                'subsidized_area_mu', subsidy.subsidized_area_mu
            )
        )
    ) as evidence
from subsidy
left join contracted
    on subsidy.id_no = contracted.id_no and subsidy.village_code = contracted.village_code
where subsidy.subsidized_area_mu > cast(:tolerance as numeric) * coalesce(contracted.contracted_area_mu, 0)
