-- Feed timestamps become timestamptz, and the warehouse's sessions run in Asia/Shanghai.
--
-- Departments deliver instants in any zone (ISO 8601 with an offset or Z); normalisation writes them as
-- Shanghai wall time with the offset (tianyan.ingest.forms). 0002 stored them as timestamp without
-- time zone, i.e. Shanghai wall time: `using col at time zone 'Asia/Shanghai'` keeps every instant.
-- The system columns _valid_from / _valid_to stay timestamp (the canonical text stores the same wall
-- time there: PostgreSQL ignores the offset for a timestamp).
--
-- The database's time zone makes dates derived from a timestamptz (::date, comparisons with a date)
-- China dates, and fixes the text of a timestamptz (2024-07-12 19:00:58+08) that _row_hash is computed
-- from; this session uses it too, so the hashes recomputed below equal what later loads compute.
set timezone = 'Asia/Shanghai';

do $$
begin
    execute format('alter database %I set timezone to %L', current_database(), 'Asia/Shanghai');
exception when insufficient_privilege then
    -- not the database owner: at least every session of the migrating (pipeline) role
    execute format('alter role %I in database %I set timezone to %L', current_user, current_database(),
                   'Asia/Shanghai');
end
$$;

do $$
declare
    r record;
    unknown text;
begin
    -- Data columns of type timestamp in feed history tables (<department>.<feed>__history).
    create temp table _tz_col on commit drop as
    select c.oid as rel, n.nspname as sch, c.relname as tbl, a.attnum, a.attname as col
    from pg_attribute as a
    inner join pg_class as c on a.attrelid = c.oid
    inner join pg_namespace as n on c.relnamespace = n.oid
    where
        c.relkind = 'r' and c.relname like '%\_\_history' and a.attnum > 0 and not a.attisdropped
        and a.atttypid = 'timestamp'::regtype and a.attname not in ('_valid_from', '_valid_to');

    -- Views that use those columns, and every view built on them: they must go before the type changes.
    create temp table _tz_view on commit drop as
    with recursive dep as (
        select distinct w.ev_class as view_oid
        from pg_depend as d
        inner join pg_rewrite as w on d.objid = w.oid
        inner join _tz_col as t on d.refobjid = t.rel and d.refobjsubid = t.attnum
        where d.classid = 'pg_rewrite'::regclass and w.ev_class <> t.rel
        union
        select w.ev_class
        from dep
        inner join pg_depend as d on d.refobjid = dep.view_oid and d.classid = 'pg_rewrite'::regclass
        inner join pg_rewrite as w on d.objid = w.oid
        where w.ev_class <> dep.view_oid
    )
    select
        v.oid,
        n.nspname as sch,
        v.relname as name,
        pg_get_viewdef(v.oid) as def,
        obj_description(v.oid, 'pg_class') as note,
        v.relacl,
        v.relowner,
        exists (select 1 from _tz_col as t where t.sch = n.nspname and t.tbl = v.relname || '__history') as is_feed
    from dep
    inner join pg_class as v on dep.view_oid = v.oid
    inner join pg_namespace as n on v.relnamespace = n.oid;

    -- Feed views are re-created here from their own definitions; core views by migrate(), which
    -- re-applies include/sql/core after the migrations. Anything else would be lost: refuse.
    select string_agg(format('%I.%I', sch, name), ', ') into unknown
    from _tz_view where not is_feed and sch <> 'core';
    if unknown is not null then
        raise exception 'migration 0009 would drop views it cannot re-create: %', unknown
        using hint = 'drop them, migrate, then re-create them over the timestamptz columns';
    end if;

    for r in select sch, name from _tz_view where is_feed loop
        execute format('drop view %I.%I cascade', r.sch, r.name);
    end loop;

    for r in select sch, tbl, col from _tz_col loop
        execute format('alter table %I.%I alter column %I type timestamptz using %I at time zone %L',
                       r.sch, r.tbl, r.col, r.col, 'Asia/Shanghai');
    end loop;

    -- _row_hash is md5 of the row's text (tianyan.ingest.load), and a timestamptz writes itself with
    -- its offset: recompute it, or the next unchanged delivery would look like a change of every row.
    for r in
        select
            c.sch,
            c.tbl,
            string_agg(quote_ident(a.attname), ', ' order by a.attnum) as cols
        from (select distinct rel, sch, tbl from _tz_col) as c
        inner join pg_attribute as a on c.rel = a.attrelid
        where a.attnum > 0 and not a.attisdropped and a.attname not like '\_%'
        group by c.sch, c.tbl
    loop
        execute format('update %I.%I set _row_hash = md5(row(%s)::text) where _row_hash <> md5(row(%s)::text)',
                       r.sch, r.tbl, r.cols, r.cols);
    end loop;

    for r in select * from _tz_view where is_feed loop
        execute format('create view %I.%I as %s', r.sch, r.name, r.def);
        if r.note is not null then
            execute format('comment on view %I.%I is %L', r.sch, r.name, r.note);
        end if;
    end loop;
    -- Grants the dropped views had (default privileges cover the usual roles; this keeps any other).
    for r in
        select
            v.sch,
            v.name,
            g.privilege_type,
            case when g.grantee = 0 then 'public' else quote_ident(g.grantee::regrole::text) end as grantee
        from _tz_view as v
        cross join lateral aclexplode(v.relacl) as g
        where v.is_feed and g.grantee <> v.relowner
    loop
        execute format('grant %s on %I.%I to %s', r.privilege_type, r.sch, r.name, r.grantee);
    end loop;
end
$$;
