-- Shared block of the transport subsidy rules (include/spec/models.yaml, TR01-TR02): the alert an
-- operating subsidy payment raises. Subject: the plate; region: the recipient's (household
-- registration for a PERSON, enterprise register for an ORG); evidence: the payment, then the plate's
-- registration with the values the rule names (vehicle).
create or replace function core.operating_subsidy_alert(alert_payment_id text, vehicle jsonb)
returns setof core.alert
language sql stable parallel safe
as $$
    select
        'vehicle' as subject_kind,
        s.plate_no as subject_id,
        s.payment_id as evidence_key,
        coalesce(p.region_code, e.region_code) as region_code,
        cast(null as text) as unit_code,
        s.amount,
        jsonb_build_array(
            jsonb_build_object(
                'feed', 'transport.operating_subsidies',
                'key', s.payment_id,
                'values', jsonb_build_object(
                    'recipient_kind', s.recipient_kind,
                    'recipient_id', s.recipient_id,
                    'subsidy_year', s.subsidy_year,
                    'amount', s.amount,
                    'pay_date', s.pay_date
                )
            ),
            jsonb_build_object(
                'feed', 'public_security.vehicle_registrations',
                'key', s.plate_no,
                'values', vehicle
            )
        ) as evidence
    from transport.operating_subsidies as s
    left join public_security.household_registration as p
        on s.recipient_kind = 'PERSON' and s.recipient_id = p.id_no
    left join market_regulation.enterprises as e
        on s.recipient_kind = 'ORG' and upper(s.recipient_id) = e.uscc
    where s.payment_id = alert_payment_id
$$;

comment on function core.operating_subsidy_alert(text, jsonb) is
'Alert columns for a hit on an operating subsidy payment; evidence = the payment, then the plate with the '
'given values.';
