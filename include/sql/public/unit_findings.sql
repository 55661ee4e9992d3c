-- Audit findings about each unit and how far their rectification has come (audit results are
-- published by the audit office; descriptions are not, they may name people).
select
    f.audited_unit_code as unit_code,
    f.finding_id,
    f.audit_year,
    f.category,
    f.amount,
    f.rectification_status,
    f.due_date,
    coalesce(
        f.rectification_status <> 'RECTIFIED' and f.due_date < cast(:as_of as date), false
    ) as overdue
from audit.findings as f
order by unit_code asc, f.audit_year desc, f.finding_id asc
