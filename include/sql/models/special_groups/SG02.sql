-- SG02 Severe-disability care subsidy for a mild grade.
-- A CARE subsidy for period P while the covering certificate (VALID, closed
-- [issue_date, valid_until] covering the first day of P) has grade 3 or 4;
-- when several certificates cover P the most severe grade counts.
with paid as (
    select
        s.payment_id,
        s.id_no,
        s.period,
        s.amount,
        core.period_start(s.period) as first_day
    from disabled_persons.subsidies as s
    where s.subsidy_type = 'CARE'
),

covering as (
    select
        paid.payment_id,
        min(c.grade) as grade,
        (array_agg(c.certificate_no order by c.grade, c.certificate_no))[1] as certificate_no
    from paid
    inner join disabled_persons.certificates as c
        on
            paid.id_no = c.id_no
            and c.status = 'VALID'
            and paid.first_day >= c.issue_date
            and paid.first_day <= c.valid_until
    group by paid.payment_id
)

select
    'person' as subject_kind,
    paid.id_no as subject_id,
    paid.payment_id as evidence_key,
    per.region_code,
    cast(null as text) as unit_code,
    paid.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'disabled_persons.subsidies',
            'key', paid.payment_id,
            'values', jsonb_build_object('subsidy_type', 'CARE', 'period', paid.period, 'amount', paid.amount)
        ),
        jsonb_build_object(
            'feed', 'disabled_persons.certificates',
            'key', c.certificate_no,
            'values', jsonb_build_object(
                'category', c.category, 'grade', c.grade, 'issue_date', c.issue_date,
                'valid_until', c.valid_until, 'status', c.status
            )
        )
    ) as evidence
from covering
inner join paid on covering.payment_id = paid.payment_id
inner join disabled_persons.certificates as c on covering.certificate_no = c.certificate_no
left join core.person as per on paid.id_no = per.id_no
where covering.grade in (3, 4)
