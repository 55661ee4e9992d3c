-- RE01 Relief paid outside the affected area.
-- A relief payment whose recipient's household-registration region_code as of
-- the event_date (core.household_member validity; not the payment's own
-- region_code) is not an affected region_code of event_id. Recipients with no
-- registration on that date are not judged.
with event as (
    select
        e.event_id,
        min(e.event_date) as event_date,
        array_agg(e.region_code order by e.region_code) as affected
    from emergency.disaster_events as e
    group by e.event_id
),

paid as (
    select
        p.id_no,
        p.event_id,
        p.region_code,
        p.amount,
        p.evidence,
        event.event_date,
        event.affected,
        m.region_code as home_region_code,
        m.household_id
    from core.relief_payment as p
    inner join event on p.event_id = event.event_id
    inner join core.household_member as m
        on
            p.id_no = m.id_no
            and core.valid_on(event.event_date, m.valid_from, m.valid_to)
),

hits as (
    select paid.*
    from paid
    where not exists (
        select 1
        from emergency.disaster_events as e
        where e.event_id = paid.event_id and e.region_code = paid.home_region_code
    )
)

select a.*
from hits
cross join lateral core.person_alert(
    hits.evidence, hits.id_no, hits.region_code, null, hits.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_security.household_registration',
            'key', hits.id_no,
            'values', jsonb_build_object(
                'household_id', hits.household_id, 'region_code', hits.home_region_code,
                'as_of', hits.event_date
            )
        ),
        jsonb_build_object(
            'feed', 'emergency.disaster_events',
            'key', hits.event_id,
            'values', jsonb_build_object(
                'event_date', hits.event_date, 'affected_region_codes', to_jsonb(hits.affected)
            )
        )
    )
) as a
