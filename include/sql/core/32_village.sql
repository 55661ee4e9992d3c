-- Shared definitions of the village collective rules (include/spec/models.yaml, VC01-VC06): the
-- village committee answering for a village, and the alert a collective ledger entry raises.

-- core.village_committee: the VILLAGE_COMMITTEE unit of each village (public unit register, current
-- rows; the smallest unit_code where a village has several).
create or replace view core.village_committee as
select
    u.region_code as village_code,
    min(u.unit_code) as unit_code
from organization.public_units as u
where u.kind = 'VILLAGE_COMMITTEE'
group by u.region_code;

comment on view core.village_committee is
'The village committee (public unit of kind VILLAGE_COMMITTEE) of each village code.';

-- Column meanings for core.village_committee (rendered in docs/data-dictionary.md).
comment on column core.village_committee.village_code is
'12-digit region code of the village (the committee''s region_code).';
comment on column core.village_committee.unit_code is
'Unit code of the village committee; the smallest one when the register lists several.';

-- The alert on an outgoing collective ledger entry (subject: the village; unit: its committee;
-- amount: the entry's), its evidence the entry followed by the rule's own evidence items.
create or replace function core.ledger_alert(alert_entry_id text, items jsonb)
returns setof core.alert
language sql stable parallel safe
as $$
    select
        'village' as subject_kind,
        e.village_code as subject_id,
        e.entry_id as evidence_key,
        e.village_code as region_code,
        vu.unit_code,
        e.amount,
        jsonb_build_array(
            jsonb_build_object(
                'feed', 'agriculture.collective_ledger',
                'key', e.entry_id,
                'values', jsonb_build_object(
                    'entry_date', e.entry_date,
                    'direction', e.direction,
                    'amount', e.amount,
                    'payment_method', e.payment_method,
                    'category', e.category,
                    'counterparty_kind', e.counterparty_kind,
                    'counterparty_id', e.counterparty_id,
                    'approver_id_no', e.approver_id_no
                )
            )
        ) || items as evidence
    from agriculture.collective_ledger as e
    left join core.village_committee as vu on e.village_code = vu.village_code
    where e.entry_id = alert_entry_id
$$;

comment on function core.ledger_alert(text, jsonb) is
'Alert columns for a hit on a collective ledger entry; evidence = the entry, then the given items.';
