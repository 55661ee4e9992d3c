-- core.alert: the row every supervision model returns (docs/conventions.md, "Model SQL contract"),
-- the result type of the core functions that build a model's alert (core.enrollment_alert, ...).
-- A type cannot be replaced in place: it is created once, and a change needs a migration.
do $$
begin
    if to_regtype('core.alert') is null then
        create type core.alert as (
            subject_kind text,
            subject_id text,
            evidence_key text,
            region_code text,
            unit_code text,
            amount numeric,
            evidence jsonb
        );
    end if;
end
$$;

comment on type core.alert is
'One alert as a model returns it: subject_kind, subject_id, evidence_key, region_code, unit_code, amount, '
'evidence.';
