-- Shared definition in_custody(p, d) (include/spec/models.yaml header):
-- a justice.custody_records PRISON or DETENTION interval covers d.
-- Intervals are closed [start_date, end_date] (end_date is the last day in
-- custody); an open record (end_date null) runs on indefinitely.
-- in_custody(p, d) = exists core.custody with id_no = p and start_date <= d
--                    and (end_date is null or end_date >= d).

create or replace view core.custody as
select
    c.record_id,
    c.id_no,
    c.custody_kind,
    c.start_date,
    c.end_date
from justice.custody_records as c
where c.custody_kind in ('PRISON', 'DETENTION');

comment on view core.custody is
'PRISON and DETENTION custody intervals [start_date, end_date] (end_date null = still in custody).';

-- Column meanings for core.custody (rendered in docs/data-dictionary.md).
comment on column core.custody.record_id is
'Custody record id from justice.custody_records (current rows).';
comment on column core.custody.id_no is
'Identity number (id18) of the person in custody.';
comment on column core.custody.custody_kind is
'PRISON or DETENTION; COMMUNITY_CORRECTION records are left out (not custody).';
comment on column core.custody.start_date is
'First day in custody (inclusive).';
comment on column core.custody.end_date is
'Last day in custody (inclusive); null = still in custody, the interval runs on indefinitely.';
