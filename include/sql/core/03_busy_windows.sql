-- Shared definition: "at least n distinct members within any window of w days" (MI05 batch admissions
-- of one institution, MI06 frequent admissions of one person, CA01 repeated complaints about one
-- subject). Events (subject, date, member) come in as three arrays of the same order; a window
-- [d, d + w) starts on an event's date and qualifies when it holds events of >= n distinct members of
-- that subject. Qualifying windows that overlap (starts less than w days apart) form one batch,
-- returned as [first_day, end_day) with end_day = the last qualifying start + w.
create or replace function core.busy_windows(
    subject_ids text[], event_dates date[], member_ids text[], window_days int, members_min int
) returns table (subject_id text, first_day date, end_day date)
language sql immutable parallel safe
as $$
    with event as (
        select
            u.subject_id,
            u.event_date,
            u.member_id
        from unnest(subject_ids, event_dates, member_ids) as u (subject_id, event_date, member_id)
    ),

    anchor as (
        select
            a.subject_id,
            a.event_date as window_start
        from event as a
        inner join event as b
            on
                a.subject_id = b.subject_id
                and a.event_date <= b.event_date
                and b.event_date < a.event_date + window_days
        group by a.subject_id, a.event_date
        having count(distinct b.member_id) >= members_min
    ),

    island as (
        select
            s.subject_id,
            s.window_start,
            sum(s.is_new) over (partition by s.subject_id order by s.window_start) as batch_no
        from (
            select
                anchor.subject_id,
                anchor.window_start,
                case
                    when
                        anchor.window_start - lag(anchor.window_start) over (
                            partition by anchor.subject_id order by anchor.window_start
                        ) < window_days
                        then 0
                    else 1
                end as is_new
            from anchor
        ) as s
    )

    select
        island.subject_id,
        min(island.window_start) as first_day,
        max(island.window_start) + window_days as end_day
    from island
    group by island.subject_id, island.batch_no
$$;

comment on function core.busy_windows(text[], date[], text[], int, int) is
'Batches of overlapping windows [d, d + window_days) in which a subject has events of at least '
'members_min distinct members: (subject_id, first_day, end_day), end_day exclusive.';

-- The events of each batch of core.busy_windows: every event (by event_id, in the order of the other
-- arrays) of the subject dated within the batch's [first_day, end_day), with the batch's first_day.
-- Used by MI05 and MI06 to list a batch's claims, by CA01 its complaints.
create or replace function core.busy_window_events(
    subject_ids text[], event_dates date[], member_ids text[], event_ids text[], window_days int, members_min int
) returns table (subject_id text, first_day date, event_id text)
language sql immutable parallel safe
as $$
    select
        w.subject_id,
        w.first_day,
        e.event_id
    from core.busy_windows(subject_ids, event_dates, member_ids, window_days, members_min) as w
    inner join unnest(subject_ids, event_dates, event_ids) as e (subject_id, event_date, event_id)
        on
            w.subject_id = e.subject_id
            and w.first_day <= e.event_date
            and w.end_day > e.event_date
$$;

comment on function core.busy_window_events(text[], date[], text[], text[], int, int) is
'The events (event_id) of each core.busy_windows batch: (subject_id, first_day, event_id), one row per '
'event dated within the batch.';
