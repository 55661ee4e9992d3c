-- PR08: contract signed on or after the supplier was REVOKED or CANCELLED (current register).
with hit as (
    select
        c.contract_id,
        c.tender_id,
        c.buyer_unit_code,
        c.supplier_uscc,
        c.amount,
        c.sign_date,
        e.name as enterprise_name,
        e.status,
        e.status_date,
        coalesce(u.region_code, e.region_code) as region_code
    from public_resources.contracts as c
    inner join market_regulation.enterprises as e on c.supplier_uscc = e.uscc
    left join organization.public_units as u on c.buyer_unit_code = u.unit_code
    where
        e.status in ('REVOKED', 'CANCELLED')
        and c.sign_date >= e.status_date
        and c.sign_date <= cast(:as_of as date)
)

select
    'enterprise' as subject_kind,
    supplier_uscc as subject_id,
    contract_id as evidence_key,
    region_code,
    buyer_unit_code as unit_code,
    amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'public_resources.contracts',
            'key', contract_id,
            'values', jsonb_build_object(
                'tender_id', tender_id,
                'buyer_unit_code', buyer_unit_code,
                'amount', amount,
                'sign_date', sign_date
            )
        ),
        jsonb_build_object(
            'feed', 'market_regulation.enterprises',
            'key', supplier_uscc,
            'values', jsonb_build_object(
                'name', enterprise_name, 'status', status, 'status_date', status_date
            )
        )
    ) as evidence
from hit
