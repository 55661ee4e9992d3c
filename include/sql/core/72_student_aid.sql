-- Shared definition of the student-aid rules (SG05 wealthy guardian, SG06 guardian an official): each
-- aid with the first day of its academic year's term and the aid as an alert evidence item.
create or replace view core.student_aid as
select
    a.aid_id,
    a.student_id_no,
    a.guardian_id_no,
    a.school_code,
    a.aid_type,
    a.academic_year,
    a.amount,
    a.region_code,
    make_date(cast(a.academic_year as int), 9, 1) as term_start,
    jsonb_build_object(
        'feed', 'education.student_aid',
        'key', a.aid_id,
        'values', jsonb_build_object(
            'guardian_id_no', a.guardian_id_no, 'school_code', a.school_code, 'aid_type', a.aid_type,
            'academic_year', a.academic_year, 'amount', a.amount
        )
    ) as evidence
from education.student_aid as a;

comment on view core.student_aid is
'Student aid (education.student_aid) with its term start and its alert evidence item.';

-- Column meanings for core.student_aid (rendered in docs/data-dictionary.md).
comment on column core.student_aid.aid_id is
'Aid id from education.student_aid.';
comment on column core.student_aid.student_id_no is
'Identity number (id18) of the student receiving the aid.';
comment on column core.student_aid.guardian_id_no is
'Identity number (id18) of the student''s guardian.';
comment on column core.student_aid.school_code is
'School the aid is paid through.';
comment on column core.student_aid.aid_type is
'Kind of aid as delivered.';
comment on column core.student_aid.academic_year is
'Academic year of the aid (the calendar year its term starts in).';
comment on column core.student_aid.amount is
'Amount of the aid.';
comment on column core.student_aid.region_code is
'12-digit region code of the aid as delivered.';
comment on column core.student_aid.term_start is
'First day of the academic year''s term: 1 September of academic_year.';
comment on column core.student_aid.evidence is
'The aid as an alert evidence item (feed education.student_aid, key aid_id, its values).';
