-- AG04 Forest compensation exceeds forest tenure.
-- Per id_no, village_code and comp_year: compensated forest_area_mu (sum of the
-- year's payments) > :tolerance x the id_no's forest_rights area in that
-- village (sum of its rights there; no right counts as 0).
with compensation as (
    select
        c.id_no,
        c.village_code,
        c.comp_year,
        sum(c.forest_area_mu) as forest_area_mu,
        sum(c.amount) as amount,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'forestry.eco_compensation',
                'key', c.payment_id,
                'values', jsonb_build_object(
                    'comp_year', c.comp_year, 'forest_area_mu', c.forest_area_mu, 'amount', c.amount
                )
            )
            order by c.payment_id
        ) as payments
    from forestry.eco_compensation as c
    group by c.id_no, c.village_code, c.comp_year
),

tenure as (
    select
        r.id_no,
        r.village_code,
        sum(r.forest_area_mu) as forest_area_mu,
        jsonb_agg(r.right_id order by r.right_id) as right_ids
    from forestry.forest_rights as r
    group by r.id_no, r.village_code
)

select
    'person' as subject_kind,
    compensation.id_no as subject_id,
    compensation.village_code || '/' || cast(compensation.comp_year as text) as evidence_key,
    compensation.village_code as region_code,
    cast(null as text) as unit_code,
    compensation.amount,
    compensation.payments || jsonb_build_array(
        jsonb_build_object(
            'feed', 'forestry.forest_rights',
            'key', compensation.id_no || '/' || compensation.village_code,
            'values', jsonb_build_object(
                'forest_area_mu', coalesce(tenure.forest_area_mu, 0),
                'right_ids', coalesce(tenure.right_ids, cast('[]' as jsonb)),
                'compensated_area_mu', compensation.forest_area_mu
            )
        )
    ) as evidence
from compensation
left join tenure
    on compensation.id_no = tenure.id_no and compensation.village_code = tenure.village_code
where compensation.forest_area_mu > cast(:tolerance as numeric) * coalesce(tenure.forest_area_mu, 0)
