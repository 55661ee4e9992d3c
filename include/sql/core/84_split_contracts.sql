-- Shared definition of the split-contract rules (PR04 direct purchases split below the tendering
-- threshold, VC06 collective contracts split to avoid bidding): contracts of one group (the same
-- parties), each below a threshold, that together reach it within a window. Contracts come in as four
-- arrays of the same order, as in core.busy_windows.

-- core.split_contracts: the contracts of every qualifying window. A window [d, d + window_days) starts
-- on a contract's sign_date and holds the contracts of its group signed in it; it qualifies when it
-- holds >= 2 contracts below threshold that together are >= threshold. group_keys: a JSON array of
-- the parties per contract; one with a null part matches no contract (as = does).
create or replace function core.split_contracts(
    group_keys jsonb[], contract_ids text[], sign_dates date[], amounts numeric[], window_days int, threshold numeric
) returns table (contract_id text)
language sql immutable parallel safe
as $$
    with contract as (
        select
            u.group_key,
            u.contract_id,
            u.sign_date,
            u.amount
        from unnest(group_keys, contract_ids, sign_dates, amounts) as u (group_key, contract_id, sign_date, amount)
        where
            u.amount < threshold
            and not u.group_key @> '[null]'
    ),

    split_window as (
        select
            a.contract_id as anchor_id,
            array_agg(b.contract_id) as member_ids
        from contract as a
        inner join contract as b
            on
                a.group_key = b.group_key
                and a.sign_date <= b.sign_date
                and b.sign_date < a.sign_date + window_days
        group by a.contract_id
        having
            count(*) >= 2
            and sum(b.amount) >= threshold
    )

    select distinct unnest(w.member_ids) as contract_id
    from split_window as w
$$;

comment on function core.split_contracts(jsonb[], text[], date[], numeric[], int, numeric) is
'Contracts of the windows [d, d + window_days) of one group (same group_keys) holding >= 2 contracts each '
'below threshold and together >= threshold.';
