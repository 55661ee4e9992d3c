-- PR01: contract supplier linked to an official of the buying unit active at sign_date.
-- "Linked": the official or a relative valid at sign_date (core.official_kin, SELF included) is the
-- supplier's legal rep or in its enterprise_persons (core.enterprise_link). One alert per contract.
with contract as (
    select
        contract_id,
        tender_id,
        buyer_unit_code,
        supplier_uscc,
        amount,
        sign_date,
        signer_id_no
    from public_resources.contracts
    where sign_date <= cast(:as_of as date)
),

linked as materialized (
    select k.*
    from core.official_enterprise as k
),

matched as (
    select
        c.contract_id,
        jsonb_agg(
            distinct core.official_link_evidence(
                k.appointment_id, k.official_id_no, k.kin_id_no, k.kin_kind, k.kin_relation, k.role
            )
        ) as matches
    from contract as c
    inner join linked as k
        on
            c.buyer_unit_code = k.unit_code
            and c.supplier_uscc = k.uscc
            and core.official_kin_on(k.start_date, k.end_date, k.kin_valid_from, k.kin_valid_to, c.sign_date)
    group by c.contract_id
)

select
    'enterprise' as subject_kind,
    c.supplier_uscc as subject_id,
    c.contract_id as evidence_key,
    u.region_code,
    c.buyer_unit_code as unit_code,
    c.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_resources.contracts',
            'key', c.contract_id,
            'values', jsonb_build_object(
                'tender_id', c.tender_id,
                'buyer_unit_code', c.buyer_unit_code,
                'supplier_uscc', c.supplier_uscc,
                'amount', c.amount,
                'sign_date', c.sign_date,
                'signer_id_no', c.signer_id_no
            )
        )
    ) || m.matches as evidence
from matched as m
inner join contract as c on m.contract_id = c.contract_id
left join organization.public_units as u on c.buyer_unit_code = u.unit_code
