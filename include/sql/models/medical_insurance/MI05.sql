-- MI05 Batch admissions of elderly assistance recipients.
-- >= :patients_min distinct patients, aged >= :age_min on the admission date and
-- with an ACTIVE assistance enrollment, admitted INPATIENT to one institution
-- within :window_days days (window [d, d + window_days)). Overlapping windows
-- that qualify form one batch (one alert, keyed by the batch's first day).
with recipient as (
    select distinct e.id_no
    from civil_affairs.assistance_enrollments as e
    where e.status = 'ACTIVE'
),

admission as (
    select
        c.claim_id,
        c.id_no,
        c.institution_code,
        c.admit_date,
        c.fund_paid
    from medical_insurance.claims as c
    inner join recipient on c.id_no = recipient.id_no
    left join core.person as p on c.id_no = p.id_no
    where
        c.claim_type = 'INPATIENT'
        and coalesce(
            p.birth_date,
            make_date(
                cast(substr(c.id_no, 7, 4) as int), cast(substr(c.id_no, 11, 2) as int),
                cast(substr(c.id_no, 13, 2) as int)
            )
        ) + make_interval(years => cast(:age_min as int)) <= c.admit_date
),

anchor as (
    select
        a.institution_code,
        a.admit_date as window_start
    from admission as a
    inner join admission as b
        on
            a.institution_code = b.institution_code
            and a.admit_date <= b.admit_date
            and b.admit_date < a.admit_date + cast(:window_days as int)
    group by a.institution_code, a.admit_date
    having count(distinct b.id_no) >= :patients_min
),

island as (
    select
        s.institution_code,
        s.window_start,
        sum(s.is_new) over (partition by s.institution_code order by s.window_start) as batch_no
    from (
        select
            anchor.institution_code,
            anchor.window_start,
            case
                when
                    anchor.window_start - lag(anchor.window_start) over (
                        partition by anchor.institution_code order by anchor.window_start
                    ) < cast(:window_days as int)
                    then 0
                else 1
            end as is_new
        from anchor
    ) as s
),

batch as (
    select
        island.institution_code,
        island.batch_no,
        min(island.window_start) as first_day,
        max(island.window_start) + cast(:window_days as int) as end_day
    from island
    group by island.institution_code, island.batch_no
),

hits as (
    select
        batch.institution_code,
        batch.first_day,
        count(distinct admission.id_no) as patients,
        sum(admission.fund_paid) as amount,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'medical_insurance.claims',
                'key', admission.claim_id,
                'values', jsonb_build_object(
                    'id_no', admission.id_no, 'admit_date', admission.admit_date,
                    'fund_paid', admission.fund_paid
                )
            )
            order by admission.admit_date, admission.claim_id
        ) as claims
    from batch
    inner join admission
        on
            batch.institution_code = admission.institution_code
            and batch.first_day <= admission.admit_date
            and batch.end_day > admission.admit_date
    group by batch.institution_code, batch.first_day
)

select
    'institution' as subject_kind,
    hits.institution_code as subject_id,
    cast(hits.first_day as text) as evidence_key,
    i.region_code,
    cast(null as text) as unit_code,
    hits.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'medical_insurance.institutions',
            'key', hits.institution_code,
            'values', jsonb_build_object(
                'name', i.name, 'batch_first_day', hits.first_day, 'patients', hits.patients
            )
        )
    ) || hits.claims as evidence
from hits
left join medical_insurance.institutions as i on hits.institution_code = i.institution_code
