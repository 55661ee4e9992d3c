-- Shared definitions of the public-welfare post rules (SI03 ghost post, SI04 post given to an official's
-- relative, SI05 holder employed elsewhere).

-- core.welfare_post: every post with its alert evidence item.
create or replace view core.welfare_post as
select
    p.post_id,
    p.id_no,
    p.employer_unit_code,
    p.region_code,
    p.start_date,
    p.end_date,
    p.monthly_subsidy,
    jsonb_build_object(
        'feed', 'human_resources.public_welfare_posts',
        'key', p.post_id,
        'values', jsonb_build_object(
            'employer_unit_code', p.employer_unit_code, 'start_date', p.start_date,
            'end_date', p.end_date, 'monthly_subsidy', p.monthly_subsidy
        )
    ) as evidence
from human_resources.public_welfare_posts as p;

comment on view core.welfare_post is
'Public-welfare posts (human_resources.public_welfare_posts) with their alert evidence item.';

-- Column meanings for core.welfare_post (rendered in docs/data-dictionary.md).
comment on column core.welfare_post.post_id is
'Post id from human_resources.public_welfare_posts.';
comment on column core.welfare_post.id_no is
'Identity number (id18) of the post holder.';
comment on column core.welfare_post.employer_unit_code is
'Public unit employing the post holder.';
comment on column core.welfare_post.region_code is
'12-digit region code of the post.';
comment on column core.welfare_post.start_date is
'First day of the post (inclusive).';
comment on column core.welfare_post.end_date is
'Last day of the post (inclusive); null = open.';
comment on column core.welfare_post.monthly_subsidy is
'Subsidy paid for the post per month.';
comment on column core.welfare_post.evidence is
'The post as an alert evidence item (feed human_resources.public_welfare_posts, key post_id, its values).';

-- core.welfare_post_active(as_of): the posts started by the as-of date and the last day each is active
-- on (its end_date, or the as-of date while open, never later than the as-of date). A function, as the
-- span depends on the date (the model passes :as_of).
create or replace function core.welfare_post_active(as_of date)
returns table (
    post_id text,
    id_no text,
    employer_unit_code text,
    region_code text,
    start_date date,
    end_date date,
    monthly_subsidy numeric,
    evidence jsonb,
    last_day date
)
language sql stable parallel safe
as $$
    select
        p.*,
        least(coalesce(p.end_date, as_of), as_of) as last_day
    from core.welfare_post as p
    where p.start_date <= as_of
$$;

comment on function core.welfare_post_active(date) is
'Public-welfare posts started by as_of and the last day each is active by as_of (last_day).';
