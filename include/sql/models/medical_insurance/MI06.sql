-- MI06 Unusually frequent inpatient admissions.
-- >= :admissions_min INPATIENT admissions (claims) of one id_no within any
-- :window_days window [d, d + window_days). Overlapping qualifying windows form
-- one episode (one alert, keyed by its first admission date).
with admission as (
    select
        c.claim_id,
        c.id_no,
        c.institution_code,
        c.admit_date,
        c.fund_paid
    from medical_insurance.claims as c
    where c.claim_type = 'INPATIENT'
),

episode as (
    select
        w.subject_id as id_no,
        w.first_day,
        w.end_day
    from (
        select
            array_agg(id_no) as id_nos,
            array_agg(admit_date) as admit_dates,
            array_agg(claim_id) as claim_ids
        from admission
    ) as a
    cross join lateral core.busy_windows(
        a.id_nos, a.admit_dates, a.claim_ids, cast(:window_days as int), cast(:admissions_min as int)
    ) as w
),

hits as (
    select
        episode.id_no,
        episode.first_day,
        count(*) as admissions,
        sum(admission.fund_paid) as amount,
        mode() within group (order by admission.institution_code) as institution_code,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'medical_insurance.claims',
                'key', admission.claim_id,
                'values', jsonb_build_object(
                    'institution_code', admission.institution_code, 'admit_date', admission.admit_date,
                    'fund_paid', admission.fund_paid
                )
            )
            order by admission.admit_date, admission.claim_id
        ) as evidence
    from episode
    inner join admission
        on
            episode.id_no = admission.id_no
            and episode.first_day <= admission.admit_date
            and episode.end_day > admission.admit_date
    group by episode.id_no, episode.first_day
)

select
    'person' as subject_kind,
    hits.id_no as subject_id,
    cast(hits.first_day as text) as evidence_key,
    coalesce(i.region_code, p.region_code) as region_code,
    cast(null as text) as unit_code,
    hits.amount,
    hits.evidence
from hits
left join medical_insurance.institutions as i on hits.institution_code = i.institution_code
left join core.person as p on hits.id_no = p.id_no
