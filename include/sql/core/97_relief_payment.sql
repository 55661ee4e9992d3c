-- Shared definition of the relief payment rules that show each payment as paid (RE01 paid outside the
-- affected area, RE02 paid twice for one event): every emergency.relief_payments payment with its
-- alert evidence item (RE03 adds the event's median amount to its own).
create or replace view core.relief_payment as
select
    p.payment_id,
    p.id_no,
    p.event_id,
    p.region_code,
    p.amount,
    p.pay_date,
    jsonb_build_object(
        'feed', 'emergency.relief_payments',
        'key', p.payment_id,
        'values', jsonb_build_object(
            'event_id', p.event_id, 'region_code', p.region_code, 'amount', p.amount, 'pay_date', p.pay_date
        )
    ) as evidence
from emergency.relief_payments as p;

comment on view core.relief_payment is
'Disaster relief payments (emergency.relief_payments) with their alert evidence item.';

-- Column meanings for core.relief_payment (rendered in docs/data-dictionary.md).
comment on column core.relief_payment.payment_id is
'Payment id from emergency.relief_payments.';
comment on column core.relief_payment.id_no is
'Identity number (id18) of the recipient.';
comment on column core.relief_payment.event_id is
'Disaster event the relief is paid for (emergency.disaster_events).';
comment on column core.relief_payment.region_code is
'12-digit region code recorded on the payment.';
comment on column core.relief_payment.amount is
'Amount paid.';
comment on column core.relief_payment.pay_date is
'Date of payment.';
comment on column core.relief_payment.evidence is
'The payment as an alert evidence item (feed emergency.relief_payments, key payment_id, its values).';
