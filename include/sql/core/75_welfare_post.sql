-- Shared definition of the public-welfare post rules that look at a post's active span (SI03 ghost
-- post, SI05 holder employed elsewhere): the posts started by the as-of date, the last day each is
-- active on (its end_date, or the as-of date while open, never later than the as-of date) and the
-- post's evidence item. A function, as the span depends on the date (the model passes :as_of).
create or replace function core.welfare_post(as_of date)
returns table (
    post_id text,
    id_no text,
    employer_unit_code text,
    region_code text,
    start_date date,
    end_date date,
    monthly_subsidy numeric,
    last_day date,
    item jsonb
)
language sql stable parallel safe
as $$
    select
        p.post_id,
        p.id_no,
        p.employer_unit_code,
        p.region_code,
        p.start_date,
        p.end_date,
        p.monthly_subsidy,
        least(coalesce(p.end_date, as_of), as_of) as last_day,
        jsonb_build_object(
            'feed', 'human_resources.public_welfare_posts',
            'key', p.post_id,
            'values', jsonb_build_object(
                'employer_unit_code', p.employer_unit_code, 'start_date', p.start_date,
                'end_date', p.end_date, 'monthly_subsidy', p.monthly_subsidy
            )
        ) as item
    from human_resources.public_welfare_posts as p
    where p.start_date <= as_of
$$;

comment on function core.welfare_post(date) is
'Public-welfare posts started by as_of: the last day active by as_of (last_day) and the evidence item.';
