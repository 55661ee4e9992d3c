-- SG01 Disability subsidy without a valid certificate.
-- A disability subsidy for period P with no VALID certificate of id_no whose
-- closed interval [issue_date, valid_until] covers the first day of P.
with paid as (
    select
        s.payment_id,
        s.id_no,
        s.subsidy_type,
        s.period,
        s.amount,
        core.period_start(s.period) as first_day
    from disabled_persons.subsidies as s
),

hits as (
    select paid.*
    from paid
    where not exists (
        select 1
        from disabled_persons.certificates as c
        where
            c.id_no = paid.id_no
            and c.status = 'VALID'
            and c.issue_date <= paid.first_day
            and c.valid_until >= paid.first_day
    )
),

certificates as (
    select
        c.id_no,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'disabled_persons.certificates',
                'key', c.certificate_no,
                'values', jsonb_build_object(
                    'grade', c.grade, 'issue_date', c.issue_date, 'valid_until', c.valid_until, 'status', c.status
                )
            )
            order by c.certificate_no
        ) as items
    from disabled_persons.certificates as c
    where c.id_no in (select hits.id_no from hits)
    group by c.id_no
)

select a.*
from hits
left join certificates on hits.id_no = certificates.id_no
left join core.person as per on hits.id_no = per.id_no
cross join lateral core.person_alert(
    jsonb_build_object(
        'feed', 'disabled_persons.subsidies',
        'key', hits.payment_id,
        'values', jsonb_build_object(
            'subsidy_type', hits.subsidy_type, 'period', hits.period, 'amount', hits.amount,
            'valid_certificate', false
        )
    ),
    hits.id_no, per.region_code, null, hits.amount, coalesce(certificates.items, cast('[]' as jsonb))
) as a
