-- Salted pseudonyms for person-like subjects and investigators, read by marts_masked views.
with personal as (
    select a.subject_id as value
    from alerts.alert as a
    where marts_masked.is_personal(a.subject_kind)
    union
    select a.outcome_by as value
    from alerts.alert as a
    where a.outcome_by is not null
),

salt as (
    select s.value as salt
    from meta.secret as s
    where s.name = 'pseudonym_salt'
)

insert into alerts.pseudonym (value, ref)
select
    p.value,
    'P' || left(md5(salt.salt || '|' || p.value), 16) as ref
from personal as p
cross join salt
where
    not exists (
        select 1 from alerts.pseudonym as x
        where x.value = p.value
    )
on conflict do nothing
