-- SA08 Assistance paid while the recipient was in prison or detention.
-- Payment (program not TEMPORARY) for a period whose every day is
-- in_custody(id_no): one PRISON or DETENTION interval (core.custody, closed
-- [start_date, end_date], open = ongoing) covers the whole month.
with hits as (
    select
        p.payment_id,
        min(c.record_id) as record_id
    from core.assistance_payment as p
    inner join core.custody as c
        on
            p.id_no = c.id_no
            and core.period_start(p.period) >= c.start_date
            and (c.end_date is null or core.period_end(p.period) <= c.end_date)
    where
        p.program <> 'TEMPORARY'
        and c.start_date <= cast(:as_of as date)
    group by p.payment_id
)

select a.*
from hits
inner join core.assistance_payment as p on hits.payment_id = p.payment_id
inner join core.custody as c on hits.record_id = c.record_id
cross join lateral core.person_alert(
    p.evidence, p.id_no, p.region_code, null, p.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'justice.custody_records',
            'key', c.record_id,
            'values', jsonb_build_object(
                'custody_kind', c.custody_kind, 'start_date', c.start_date, 'end_date', c.end_date
            )
        )
    )
) as a
