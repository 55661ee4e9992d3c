-- Shared definition of the official-conduct rules that follow an appointment up to the as-of date
-- (OF02 ghost official, OF04 official receiving welfare): the appointments started by the as-of date
-- and the last day each covers (its end_date, or the as-of date while open). A function, as that day
-- depends on the date (the model passes :as_of).
create or replace function core.appointment(as_of date)
returns table (
    appointment_id text,
    id_no text,
    unit_code text,
    rank text,
    jurisdiction_region_code text,
    start_date date,
    effective_end date,
    appointment_evidence jsonb
)
language sql stable parallel safe
as $$
    select
        o.appointment_id,
        o.id_no,
        o.unit_code,
        o.rank,
        o.jurisdiction_region_code,
        o.start_date,
        coalesce(o.end_date, as_of) as effective_end,
        o.evidence as appointment_evidence
    from core.official as o
    where o.start_date <= as_of
$$;

comment on function core.appointment(date) is
'Appointments started by as_of, the last day each covers by as_of (effective_end) and its evidence item.';
