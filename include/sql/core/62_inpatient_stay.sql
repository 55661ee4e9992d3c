-- Shared definition: an inpatient stay, a medical_insurance.claims row of claim_type INPATIENT
-- (MI02 overlapping stays, MI03 stays in custody, MI05 batch admissions, MI06 frequent admissions).
create or replace view core.inpatient_stay as
select
    c.claim_id,
    c.id_no,
    c.institution_code,
    c.admit_date,
    c.discharge_date,
    c.fund_paid
from medical_insurance.claims as c
where c.claim_type = 'INPATIENT';

comment on view core.inpatient_stay is
'Inpatient stays: the INPATIENT claims of medical_insurance.claims (current rows).';

-- Column meanings for core.inpatient_stay (rendered in docs/data-dictionary.md).
comment on column core.inpatient_stay.claim_id is
'Claim id (medical_insurance.claims).';
comment on column core.inpatient_stay.id_no is
'Identity number (id18) of the patient.';
comment on column core.inpatient_stay.institution_code is
'Institution the patient was admitted to.';
comment on column core.inpatient_stay.admit_date is
'First day of the stay.';
comment on column core.inpatient_stay.discharge_date is
'Day of discharge (the stay is [admit_date, discharge_date)); null = not discharged.';
comment on column core.inpatient_stay.fund_paid is
'Amount the insurance fund paid for the claim.';
