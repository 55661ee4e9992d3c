-- Shared definition: current spouse (include/spec/models.yaml header,
-- relatives(p): "current spouse (marriage without a later divorce)";
-- clarification: "A divorced spouse is not a relative").
-- core.spouse: one row per marriage registration and direction (person_id ->
-- spouse_id), married on marriage_date and divorced on divorce_date = the
-- earliest DIVORCE registration of the same pair dated after the marriage
-- (null = never divorced). Validity is half-open [marriage_date, divorce_date):
-- spouse of p at d = marriage_date <= d and (divorce_date is null or divorce_date > d).

create or replace view core.spouse as
with registration as (
    select
        r.registration_id,
        r.party1_id_no as person_id,
        r.party2_id_no as spouse_id,
        r.kind,
        r.registration_date
    from civil_affairs.marriage_registrations as r
    union all
    select
        r.registration_id,
        r.party2_id_no as person_id,
        r.party1_id_no as spouse_id,
        r.kind,
        r.registration_date
    from civil_affairs.marriage_registrations as r
)

select
    m.person_id,
    m.spouse_id,
    m.registration_date as marriage_date,
    min(d.registration_date) as divorce_date,
    m.registration_id,
    (array_agg(d.registration_id order by d.registration_date))[1] as divorce_registration_id
from registration as m
left join registration as d
    on
        m.person_id = d.person_id
        and m.spouse_id = d.spouse_id
        and d.kind = 'DIVORCE'
        and m.registration_date < d.registration_date
where m.kind = 'MARRIAGE'
group by m.person_id, m.spouse_id, m.registration_date, m.registration_id;

comment on view core.spouse is
'Marriages in both directions with validity [marriage_date, divorce_date); divorce_date null = still married.';

-- Column meanings for core.spouse (rendered in docs/data-dictionary.md).
comment on column core.spouse.person_id is
'Identity number (id18) of one spouse; every marriage appears twice, once from each side.';
comment on column core.spouse.spouse_id is
'Identity number (id18) of the other spouse.';
comment on column core.spouse.marriage_date is
'Registration date of the MARRIAGE registration, first day of validity (inclusive).';
comment on column core.spouse.divorce_date is
'Date of the earliest DIVORCE registration of the same pair after marriage_date, end of validity (exclusive); '
'null = never divorced, still married.';
comment on column core.spouse.registration_id is
'Id of the MARRIAGE registration in civil_affairs.marriage_registrations.';
comment on column core.spouse.divorce_registration_id is
'Id of the DIVORCE registration that ended the marriage; null when not divorced.';
