-- Shared definition of the farm subsidy rules that show each payment (AG02 paid to a dead person,
-- AG03 paid twice in one year): every agriculture.farm_subsidies payment with its alert evidence item
-- (the same item in both; AG01 shows the payments of a village and year without their village).
create or replace view core.farm_subsidy as
select
    f.payment_id,
    f.id_no,
    f.village_code,
    f.subsidy_year,
    f.subsidized_area_mu,
    f.amount,
    f.pay_date,
    jsonb_build_object(
        'feed', 'agriculture.farm_subsidies',
        'key', f.payment_id,
        'values', jsonb_build_object(
            'village_code', f.village_code, 'subsidy_year', f.subsidy_year,
            'subsidized_area_mu', f.subsidized_area_mu, 'amount', f.amount, 'pay_date', f.pay_date
        )
    ) as evidence
from agriculture.farm_subsidies as f;

comment on view core.farm_subsidy is
'Farm subsidy payments (agriculture.farm_subsidies) with their alert evidence item.';

-- Column meanings for core.farm_subsidy (rendered in docs/data-dictionary.md).
comment on column core.farm_subsidy.payment_id is
'Payment id from agriculture.farm_subsidies.';
comment on column core.farm_subsidy.id_no is
'Identity number (id18) of the farmer paid.';
comment on column core.farm_subsidy.village_code is
'12-digit region code of the village the subsidised land lies in.';
comment on column core.farm_subsidy.subsidy_year is
'Year the subsidy is for.';
comment on column core.farm_subsidy.subsidized_area_mu is
'Subsidised farmland area in mu.';
comment on column core.farm_subsidy.amount is
'Amount paid.';
comment on column core.farm_subsidy.pay_date is
'Date of payment.';
comment on column core.farm_subsidy.evidence is
'The payment as an alert evidence item (feed agriculture.farm_subsidies, key payment_id, its values).';
