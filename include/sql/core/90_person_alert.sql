-- The alert on one feed row about a person (a payment, an enrollment), shared by the rules that flag
-- such a row (SG01, SG03, SG04, SI01, SI02, FI04, AG02, AG05, SA01, SA06, SA07, SA08, RE01, RE03):
-- subject the person, evidence key the row's key, evidence the row's item first, then the rule's own
-- items. The model builds the row's item (feed, key, values: the values are the rule's own) and says
-- where the region comes from (the person's registration or the row). A single select without a
-- table: PostgreSQL inlines it into the model's query.
create or replace function core.person_alert(
    item jsonb, id_no text, region_code text, unit_code text, amount numeric, items jsonb
) returns setof core.alert
language sql stable parallel safe
as $$
    select
        'person' as subject_kind,
        id_no as subject_id,
        item ->> 'key' as evidence_key,
        region_code,
        unit_code,
        amount,
        jsonb_build_array(item) || items as evidence
$$;

comment on function core.person_alert(jsonb, text, text, text, numeric, jsonb) is
'Alert columns for a hit on one feed row about person id_no: evidence_key = item''s key, '
'evidence = item, then the given items.';
