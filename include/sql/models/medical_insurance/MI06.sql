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

anchor as (
    select
        a.id_no,
        a.admit_date as window_start
    from admission as a
    inner join admission as b
        on
            a.id_no = b.id_no
            and a.admit_date <= b.admit_date
            and b.admit_date < a.admit_date + cast(:window_days as int)
    group by a.id_no, a.admit_date
    having count(distinct b.claim_id) >= :admissions_min
),

island as (
    select
        s.id_no,
        s.window_start,
        sum(s.is_new) over (partition by s.id_no order by s.window_start) as episode_no
    from (
        select
            anchor.id_no,
            anchor.window_start,
            case
                when
                    anchor.window_start - lag(anchor.window_start) over (
                        partition by anchor.id_no order by anchor.window_start
                    ) < cast(:window_days as int)
                    then 0
                else 1
            end as is_new
        from anchor
    ) as s
),

episode as (
    select
        island.id_no,
        island.episode_no,
        min(island.window_start) as first_day,
        max(island.window_start) + cast(:window_days as int) as end_day
    from island
    group by island.id_no, island.episode_no
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
