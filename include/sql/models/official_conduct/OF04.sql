-- OF04: official of a rank above VILLAGE receives targeted welfare while in office: an assistance
-- payment of any program (TEMPORARY included) or an unemployment benefit with pay_date inside the
-- appointment, or a public-welfare post whose start_date is inside the appointment (closed interval
-- [start_date, end_date], open -> as-of date). One alert per payment or post.
with official as (
    select * from core.appointment(cast(:as_of as date))
    where rank in ('SECTION', 'DIVISION', 'BUREAU')
),

welfare as (
    select
        'civil_affairs.assistance_payments' as feed,
        payment_id as welfare_key,
        id_no,
        pay_date as welfare_date,
        amount,
        jsonb_build_object(
            'program', program, 'period', period, 'amount', amount, 'pay_date', pay_date,
            'region_code', region_code
        ) as welfare_values
    from civil_affairs.assistance_payments
    where id_no in (select o.id_no from official as o)
    union all
    select
        'human_resources.unemployment_benefits' as feed,
        payment_id as welfare_key,
        id_no,
        pay_date as welfare_date,
        amount,
        jsonb_build_object('period', period, 'amount', amount, 'pay_date', pay_date)
            as welfare_values
    from human_resources.unemployment_benefits
    where id_no in (select o.id_no from official as o)
    union all
    select
        'human_resources.public_welfare_posts' as feed,
        post_id as welfare_key,
        id_no,
        start_date as welfare_date,
        monthly_subsidy as amount,
        jsonb_build_object(
            'employer_unit_code', employer_unit_code,
            'region_code', region_code,
            'start_date', start_date,
            'end_date', end_date,
            'monthly_subsidy', monthly_subsidy
        ) as welfare_values
    from human_resources.public_welfare_posts
    where id_no in (select o.id_no from official as o)
),

hit as (
    select distinct on (w.feed, w.welfare_key)
        w.*,
        o.appointment_id,
        o.unit_code,
        o.jurisdiction_region_code,
        o.start_date,
        o.appointment_evidence
    from welfare as w
    inner join official as o
        on
            w.id_no = o.id_no
            and w.welfare_date >= o.start_date
            and w.welfare_date <= o.effective_end
    where w.welfare_date <= cast(:as_of as date)
    order by w.feed asc, w.welfare_key asc, o.start_date desc, o.appointment_id asc
)

select
    'person' as subject_kind,
    id_no as subject_id,
    feed || ':' || welfare_key as evidence_key,
    jurisdiction_region_code as region_code,
    unit_code,
    amount,
    jsonb_build_array(
        appointment_evidence,
        jsonb_build_object('feed', feed, 'key', welfare_key, 'values', welfare_values)
    ) as evidence
from hit
