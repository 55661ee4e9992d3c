-- SI04 Public-welfare post given to an official's relative.
-- The post holder is in relatives(q) (declared either direction, spouse,
-- household; q itself included as household(q) contains q) for an official q
-- of employer_unit_code, or for a village official q of the post region_code
-- (rank VILLAGE, jurisdiction_region_code = region_code); q in office and the
-- relationship holding on the post start_date (core.official_kin).
with kin as (
    select
        post.post_id,
        k.appointment_id,
        k.official_id_no,
        k.unit_code,
        k.rank,
        k.jurisdiction_region_code,
        k.start_date,
        k.end_date,
        k.kin_kind,
        k.kin_relation
    from core.welfare_post as post
    inner join core.official_kin as k on post.id_no = k.kin_id_no
    where
        (
            k.unit_code = post.employer_unit_code
            or (k.rank = 'VILLAGE' and k.jurisdiction_region_code = post.region_code)
        )
        and core.official_kin_on(k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, post.start_date)
),

hits as (
    select
        kin.post_id,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'organization.officials',
                'key', kin.appointment_id,
                'values', jsonb_build_object(
                    'official_id_no', kin.official_id_no, 'unit_code', kin.unit_code, 'rank', kin.rank,
                    'jurisdiction_region_code', kin.jurisdiction_region_code,
                    'start_date', kin.start_date, 'end_date', kin.end_date,
                    'relation_kind', kin.kin_kind, 'relation', kin.kin_relation
                )
            )
            order by kin.appointment_id, kin.kin_kind
        ) as officials
    from kin
    group by kin.post_id
)

select
    'person' as subject_kind,
    post.id_no as subject_id,
    post.post_id as evidence_key,
    post.region_code,
    post.employer_unit_code as unit_code,
    post.monthly_subsidy as amount,
    jsonb_build_array(
        post.evidence
    ) || hits.officials as evidence
from hits
inner join core.welfare_post as post on hits.post_id = post.post_id
