-- Shared definition of the assistance rules that look at an enrollment's active span (SA06 official's
-- household receives assistance, SA07 assistance approved for a relative): the enrollments started by
-- the as-of date and the last day each is active on (its end_date, or the as-of date while open, never
-- later than the as-of date). A function, as the span depends on the date (the model passes :as_of).
create or replace function core.assistance_enrollment(as_of date)
returns table (
    enrollment_id text,
    id_no text,
    program text,
    region_code text,
    monthly_amount numeric,
    start_date date,
    status text,
    approver_id_no text,
    last_day date
)
language sql stable parallel safe
as $$
    select
        e.enrollment_id,
        e.id_no,
        e.program,
        e.region_code,
        e.monthly_amount,
        e.start_date,
        e.status,
        e.approver_id_no,
        least(coalesce(e.end_date, as_of), as_of) as last_day
    from civil_affairs.assistance_enrollments as e
    where e.start_date <= as_of
$$;

comment on function core.assistance_enrollment(date) is
'Assistance enrollments started by as_of and the last day each is active by as_of (last_day).';
