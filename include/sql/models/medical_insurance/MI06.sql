-- MI06 Unusually frequent inpatient admissions.
-- >= :admissions_min INPATIENT admissions (claims) of one id_no within any
-- :window_days window [d, d + window_days). Overlapping qualifying windows form
-- one episode (one alert, keyed by its first admission date).
with admission as (
    select s.*
    from core.inpatient_stay as s
),

episode_claim as (
    select
        w.subject_id as id_no,
        w.first_day,
        w.event_id as claim_id
    from (
        select
            array_agg(id_no) as id_nos,
            array_agg(admit_date) as admit_dates,
            array_agg(claim_id) as claim_ids
        from admission
    ) as a
    cross join lateral core.busy_window_events(
        a.id_nos, a.admit_dates, a.claim_ids, a.claim_ids, cast(:window_days as int), cast(:admissions_min as int)
    ) as w
),

hits as (
    select
        e.id_no,
        e.first_day,
        count(*) as admissions,
        sum(s.fund_paid) as amount,
        mode() within group (order by s.institution_code) as institution_code,
        jsonb_agg(
            jsonb_build_object(
                'feed', 'medical_insurance.claims',
                'key', s.claim_id,
                'values', jsonb_build_object(
                    'institution_code', s.institution_code, 'admit_date', s.admit_date, 'fund_paid', s.fund_paid
                )
            )
            order by s.admit_date, s.claim_id
        ) as evidence
    from episode_claim as e
    inner join admission as s on e.claim_id = s.claim_id
    group by e.id_no, e.first_day
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
