-- The alert on an assistance enrollment of any status (SA06 official's household receives assistance,
-- SA07 assistance approved for a relative): subject the recipient, amount the monthly allowance, unit
-- the rule's (the official's unit), evidence the enrollment with its values and the rule's own
-- (rule_values: SA06 its last active day, SA07 its approver), then the rule's items. The ACTIVE-only
-- rules SA02, SA03, SA05 use core.enrollment_alert (70_benefit_households.sql).
create or replace function core.assistance_enrollment_alert(
    alert_enrollment_id text, rule_values jsonb, unit_code text, items jsonb
) returns setof core.alert
language sql stable parallel safe
as $$
    select a.*
    from civil_affairs.assistance_enrollments as e
    cross join lateral core.person_alert(
        jsonb_build_object(
            'feed', 'civil_affairs.assistance_enrollments',
            'key', e.enrollment_id,
            'values', jsonb_build_object(
                'program', e.program, 'start_date', e.start_date, 'monthly_amount', e.monthly_amount,
                'status', e.status
            ) || rule_values
        ),
        e.id_no, e.region_code, unit_code, e.monthly_amount, items
    ) as a
    where e.enrollment_id = alert_enrollment_id
$$;

comment on function core.assistance_enrollment_alert(text, jsonb, text, jsonb) is
'Alert columns for a hit on an assistance enrollment: evidence = the enrollment (its values and rule_values), '
'then the given items; unit_code as given.';
