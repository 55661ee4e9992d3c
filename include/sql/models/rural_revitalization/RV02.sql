-- RV02: MONITORED household that is well off: a member owns a wealthy car (core.wealthy_car,
-- purchase_price >= car_price_min), a member is the legal rep of an ACTIVE enterprise
-- (core.enterprise_link LEGAL_REP), or a member's total_income >= income_min in the latest tax_year
-- on file (the newest tax_year not after the as-of year). Members = everyone sharing the
-- household_id in household registration, plus the monitored head. One alert per household and
-- finding (car, enterprise, income).
with household as (
    select
        household_id,
        head_id_no,
        region_code,
        risk_type,
        start_date,
        status
    from rural_revitalization.monitored_households
    where status = 'MONITORED'
),

member as (
    select
        h.household_id,
        p.id_no
    from household as h
    inner join core.person as p on h.household_id = p.household_id
    union
    select
        household_id,
        head_id_no as id_no
    from household
),

latest_year as (
    select max(tax_year) as tax_year
    from taxation.individual_income
    where tax_year <= extract(year from cast(:as_of as date))
),

finding as (
    select
        m.household_id,
        'car:' || w.plate_no as evidence_key,
        w.purchase_price as amount,
        jsonb_build_object(
            'feed', 'public_security.vehicle_registrations',
            'key', w.plate_no,
            'values', jsonb_build_object(
                'owner_id', w.id_no,
                'vehicle_type', w.vehicle_type,
                'purchase_price', w.purchase_price,
                'registration_date', w.registration_date,
                'status', w.status
            )
        ) as evidence
    from member as m
    inner join core.wealthy_car as w on m.id_no = w.id_no
    where
        w.purchase_price >= cast(:car_price_min as numeric)
        and w.registration_date <= cast(:as_of as date)
    union all
    select
        m.household_id,
        'enterprise:' || l.uscc as evidence_key,
        l.registered_capital as amount,
        jsonb_build_object(
            'feed', 'market_regulation.enterprises',
            'key', l.uscc,
            'values', jsonb_build_object(
                'name', l.enterprise_name,
                'legal_rep_id_no', l.id_no,
                'status', l.enterprise_status,
                'registered_capital', l.registered_capital,
                'established_date', l.established_date
            )
        ) as evidence
    from member as m
    inner join core.enterprise_link as l on m.id_no = l.id_no
    where
        l.role = 'LEGAL_REP'
        and l.enterprise_status = 'ACTIVE'
    union all
    select
        m.household_id,
        'income:' || i.id_no || ':' || i.tax_year as evidence_key,
        i.total_income as amount,
        jsonb_build_object(
            'feed', 'taxation.individual_income',
            'key', i.id_no || '|' || i.tax_year,
            'values', jsonb_build_object(
                'id_no', i.id_no,
                'tax_year', i.tax_year,
                'total_income', i.total_income,
                'tax_paid', i.tax_paid
            )
        ) as evidence
    from member as m
    inner join taxation.individual_income as i on m.id_no = i.id_no
    inner join latest_year as y on i.tax_year = y.tax_year
    where i.total_income >= cast(:income_min as numeric)
)

select
    'household' as subject_kind,
    h.household_id as subject_id,
    f.evidence_key,
    h.region_code,
    null as unit_code,
    f.amount,
    jsonb_build_array(
        jsonb_build_object(
            'feed', 'rural_revitalization.monitored_households',
            'key', h.household_id,
            'values', jsonb_build_object(
                'head_id_no', h.head_id_no,
                'risk_type', h.risk_type,
                'start_date', h.start_date,
                'status', h.status
            )
        ),
        f.evidence
    ) as evidence
from finding as f
inner join household as h on f.household_id = h.household_id
