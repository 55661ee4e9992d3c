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
    select s.*
    from core.inpatient_stay as s
    inner join recipient on s.id_no = recipient.id_no
    left join core.person as p on s.id_no = p.id_no
    where
        coalesce(
            p.birth_date,
            make_date(
                cast(substr(s.id_no, 7, 4) as int), cast(substr(s.id_no, 11, 2) as int),
                cast(substr(s.id_no, 13, 2) as int)
            )
        ) + make_interval(years => cast(:age_min as int)) <= s.admit_date
),

batch_claim as (
    select
        w.subject_id as institution_code,
        w.first_day,
        w.event_id as claim_id
    from (
        select
            array_agg(institution_code) as institution_codes,
            array_agg(admit_date) as admit_dates,
            array_agg(id_no) as id_nos,
            array_agg(claim_id) as claim_ids
        from admission
    ) as a
    cross join lateral core.busy_window_events(
        a.institution_codes, a.admit_dates, a.id_nos, a.claim_ids, cast(:window_days as int),
        cast(:patients_min as int)
    ) as w
),

hits as (
    select
        b.institution_code,
        b.first_day,
        count(distinct s.id_no) as patients,
        sum(s.fund_paid) as amount,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'medical_insurance.claims',
                'key', s.claim_id,
                'values', jsonb_build_object('id_no', s.id_no, 'admit_date', s.admit_date, 'fund_paid', s.fund_paid)
            )
            order by s.admit_date, s.claim_id
        ) as claims
    from batch_claim as b
    inner join admission as s on b.claim_id = s.claim_id
    group by b.institution_code, b.first_day
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
