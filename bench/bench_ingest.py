"""Benchmark: ingest of a synthetic city, stage by stage, beside two references measured in the same run.

    .venv/bin/python bench/bench_ingest.py [--residents 1000000] [--keep] [--top 4] [--to-sql-cap 200000]

1. Generates the city into /tmp/tianyan_bench/city<N> (or reuses it when its manifest matches).
2. Creates fresh databases ``tianyan_bench_ingest`` (warehouse) and ``tianyan_bench_exchange``
   (front-end of the simulated exchange) on 127.0.0.1:5432, migrates the warehouse, loads the
   database feeds into the exchange and starts the http exchange simulator (setup, not timed).
3. Runs ``process_delivery`` (land + load, Data Docs on, as the DAG does) for all 47 feeds of the
   first delivery date, with timers around each stage: land, fetch (archived copy + checksum), read,
   normalise, validate (GX), stage (Arrow sort + CSV + COPY into the temp staging table; the row hash
   is computed by the merge insert),
   merge (history-keeping merge), other (duplicates, quarantine, accounting, commit). SQL statements
   run inside stage/merge are timed too (per statement kind).
4. References on the same rows (re-read from the drop, CSV rendered in memory before the clock starts):
   a bare ``COPY`` into an empty all-text table without keys (the physical limit), and the tutorial
   approach ``DataFrame.to_sql`` (default method, SQLAlchemy + psycopg 3) into an empty table, capped
   at --to-sql-cap rows per feed and extrapolated by rows/s (said so in the output).
5. Prints rows/s per stage for the --top biggest feeds and for all feeds, and the ratios
   end-to-end vs bare COPY (target >= 40%) and vs to_sql (target >= 5x). Writes the raw figures to
   /tmp/tianyan_bench/ingest_results.json.

--keep keeps the warehouse database (bench_scoring.py reuses it: --url). Without it the two
databases are dropped at the end. The city stays in /tmp for reuse either way.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import resource
import secrets
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

# State root (archive, work dirs, GX results, json); TIANYAN_BENCH_ROOT lets two runs side by side not share it.
BENCH_ROOT = Path(os.environ.get("TIANYAN_BENCH_ROOT", "/tmp/tianyan_bench"))
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Bench-owned databases only (recreated, dropped); TIANYAN_BENCH_DB_PREFIXES="a_,b_" for a session of its own.
DB_PREFIXES = tuple(os.environ.get("TIANYAN_BENCH_DB_PREFIXES", "tianyan_bench_,tianyan_perf_").split(","))
STAGES = ("land", "fetch", "read", "normalise", "duplicates", "validate", "stage", "merge", "other")

# Local state (archive, GX results, Data Docs, work dirs) outside the repository; set before the
# tianyan package reads it at import.
os.environ.setdefault("TIANYAN_STATE_DIR", str(BENCH_ROOT / "state"))
os.environ.setdefault("TIANYAN_ARCHIVE", str(BENCH_ROOT / "archive"))


def _db_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _recreate_db(name: str) -> str:
    import sqlalchemy as sa

    if not name.startswith(DB_PREFIXES):
        raise SystemExit(f"refusing to recreate {name!r}: bench databases start with {' or '.join(DB_PREFIXES)}")
    eng = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        c.execute(sa.text(f'create database "{name}"'))
    eng.dispose()
    return _db_url(name)


def _drop_db(name: str) -> None:
    import sqlalchemy as sa

    eng = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    eng.dispose()


def ensure_city(drop: Path, residents: int, seed: int, as_of: dt.date) -> dict:
    mf = drop / "manifest.json"
    if mf.exists():
        m = json.loads(mf.read_text(encoding="utf-8"))
        if m.get("residents") == residents and m.get("seed") == seed and m.get("as_of") == as_of.isoformat():
            print(f"city: reusing {drop} ({m['rows']:,} rows)", flush=True)
            return m
        shutil.rmtree(drop)
    from tianyan.synth import generate

    t = time.perf_counter()
    m = generate(drop, residents=residents, seed=seed, as_of=as_of)
    print(f"city: generated {residents:,} residents, {m['rows']:,} rows in {time.perf_counter() - t:.1f} s "
          f"into {drop}", flush=True)
    return m


# ---------------------------------------------------------------------------------------------
# Timers wrapped around the pipeline's stages (measurement only: the wrapped functions run unchanged)
# ---------------------------------------------------------------------------------------------


class Timers:
    def __init__(self) -> None:
        self.feed: str | None = None
        self.secs: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.sql: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.in_load = 0  # >0 while inside load.stage / load.merge: time SQL statements there

    def wrap(self, module, name: str, stage: str) -> None:
        fn = getattr(module, name)

        def timed(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.secs[self.feed][stage] += time.perf_counter() - t

        setattr(module, name, timed)

    def wrap_sql(self, module, name: str, stage: str) -> None:
        fn = getattr(module, name)

        def timed(*a, **kw):
            t = time.perf_counter()
            self.in_load += 1
            try:
                return fn(*a, **kw)
            finally:
                self.in_load -= 1
                self.secs[self.feed][stage] += time.perf_counter() - t

        setattr(module, name, timed)

    def patch_cursor(self) -> None:
        import psycopg

        orig_execute, orig_copy = psycopg.Cursor.execute, psycopg.Cursor.copy
        timers = self

        def label(cur, query) -> str:
            text = query if isinstance(query, str) else query.as_string(cur)
            words = text.split()
            head = " ".join(words[:3]).lower()
            for k in ("_aff", "_eff", "_chg", "_stg", "_row_hash", "_valid_to", "on conflict", "analyze"):
                if k in text:
                    return f"{head} ..{k}"
            return head

        def execute(self, query, *a, **kw):
            if not timers.in_load:
                return orig_execute(self, query, *a, **kw)
            t = time.perf_counter()
            try:
                return orig_execute(self, query, *a, **kw)
            finally:
                timers.sql[timers.feed][label(self, query)] += time.perf_counter() - t

        @contextlib.contextmanager
        def copy(self, statement, *a, **kw):
            if not timers.in_load:
                with orig_copy(self, statement, *a, **kw) as cp:
                    yield cp
                return
            t = time.perf_counter()
            try:
                with orig_copy(self, statement, *a, **kw) as cp:
                    yield cp
            finally:
                timers.sql[timers.feed]["copy _stg from stdin"] += time.perf_counter() - t

        psycopg.Cursor.execute = execute
        psycopg.Cursor.copy = copy


def install_timers() -> Timers:
    from tianyan.ingest import load, normalise, pipeline, quarantine, readers, validate

    tm = Timers()
    tm.wrap(pipeline, "_fetch_archived", "fetch")
    tm.wrap(readers, "read_delivery", "read")
    tm.wrap(normalise, "normalise", "normalise")  # quarantine.check_rows imports both at call time
    tm.wrap(quarantine, "exact_duplicates", "duplicates")
    tm.wrap(validate, "validate", "validate")  # load_delivery imports it at call time
    inner = validate.validate

    def validate_split(*a, **kw):
        out = inner(*a, **kw)
        st = out.statistics
        tm.secs[tm.feed]["validate_gx"] += st.get("gx_seconds", 0.0)
        tm.secs[tm.feed]["validate_docs"] += st.get("data_docs_seconds", 0.0)
        return out

    validate.validate = validate_split
    tm.wrap_sql(load, "stage", "stage")
    tm.wrap_sql(load, "merge", "merge")
    tm.wrap(pipeline, "land_delivery", "land")
    tm.wrap(pipeline, "load_delivery", "load_total")
    tm.patch_cursor()
    return tm


# ---------------------------------------------------------------------------------------------
# Worker processes (--workers N): each one is what an Airflow worker slot is, a process with its own
# GX runtime loading one feed at a time; feeds are handed out biggest first.
# ---------------------------------------------------------------------------------------------

_worker: dict = {}


def _worker_init(env: dict, feed_ids: list[str]) -> None:
    import logging

    os.environ.update(env)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    from tianyan.ingest import validate as gxv

    gxv.warm_up(feed_ids)
    _worker["timers"] = install_timers()


def _load_feed(tm: Timers, fid: str, day_iso: str, drop: str, url: str, work: str) -> dict:
    """process_delivery of one feed with its timers; what both the bench process and workers run."""
    from tianyan.ingest import pipeline
    from tianyan.registry import load_feeds

    tm.feed = fid
    t = time.perf_counter()
    try:
        res = pipeline.process_delivery(load_feeds()[fid], dt.date.fromisoformat(day_iso), landing=drop, url=url,
                                        work_root=Path(work))
        status, delivered, loaded, quar = res.status, res.delivered, res.loaded, res.quarantined
    except pipeline.DeliveryRejected as exc:
        status, delivered, loaded, quar = f"REJECTED ({exc})", 0, 0, 0
    return {"status": status, "delivered": delivered, "loaded": loaded, "quarantined": quar,
            "wall_s": time.perf_counter() - t, "secs": dict(tm.secs[fid]), "sql": dict(tm.sql[fid]),
            "pid": os.getpid(), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _worker_run(fid: str, day_iso: str, drop: str, url: str, work: str) -> dict:
    return _load_feed(_worker["timers"], fid, day_iso, drop, url, work)


# ---------------------------------------------------------------------------------------------
# References on the same rows
# ---------------------------------------------------------------------------------------------


def delivered_files(drop: Path, feed, day: dt.date) -> list[Path]:
    folder = drop / feed.department / feed.name / day.isoformat()
    if not folder.is_dir():
        return []
    if feed.delivery.transport == "database":  # the front-end extract is rows.csv (table.sql = its DDL)
        return [folder / "rows.csv"] if (folder / "rows.csv").is_file() else []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".xlsx", ".parquet", ".json"))


def _csv_bytes(frame) -> bytes:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(frame, preserve_index=False,
                                 schema=pa.schema([(c, pa.string()) for c in frame.columns]))
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False))
    return sink.getvalue().to_pybytes()


def references(url: str, feed, raw, cap: int) -> dict:
    """Bare COPY of all rows and to_sql of up to ``cap`` rows, each into an empty table."""
    import psycopg
    import sqlalchemy as sa
    from psycopg import sql

    from tianyan.ingest import readers
    from tianyan.warehouse.conn import psycopg_dsn

    cols = [c for c in raw.columns if c not in readers.ORIGIN_COLUMNS]
    frame = raw[cols]
    body = _csv_bytes(frame)
    table = "ref_" + feed.id.replace(".", "__")
    out: dict = {"rows": len(frame), "csv_bytes": len(body)}
    with psycopg.connect(psycopg_dsn(url)) as conn:
        conn.execute("create schema if not exists bench_ref")
        conn.execute(sql.SQL("drop table if exists {}").format(sql.Identifier("bench_ref", table)))
        conn.execute(sql.SQL("create table {} ({})").format(
            sql.Identifier("bench_ref", table),
            sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in cols)))
        conn.commit()
        t = time.perf_counter()
        with conn.cursor() as cur, cur.copy(sql.SQL("copy {} ({}) from stdin (format csv)").format(
                sql.Identifier("bench_ref", table), sql.SQL(", ").join(map(sql.Identifier, cols)))) as cp:
            step = 8 << 20
            for i in range(0, len(body), step):
                cp.write(body[i:i + step])
        conn.commit()
        out["copy_s"] = time.perf_counter() - t
        conn.execute(sql.SQL("drop table {}").format(sql.Identifier("bench_ref", table)))
        conn.commit()
    del body
    sample = frame.head(cap)
    eng = sa.create_engine(url)
    t = time.perf_counter()
    sample.to_sql(table, eng, schema="bench_ref", index=False)  # the tutorial default
    out["to_sql_s"] = time.perf_counter() - t
    out["to_sql_rows"] = len(sample)
    with eng.begin() as c:
        c.execute(sa.text(f'drop table bench_ref."{table}"'))
    eng.dispose()
    return out


# ---------------------------------------------------------------------------------------------


def _rate(rows: float, secs: float) -> str:
    return f"{rows / secs:>11,.0f}" if secs > 0 else f"{'-':>11}"


def report(results: dict, feeds_order: list[str], top: list[str]) -> None:
    per = results["feeds"]

    def line(name: str, rows: int, s: dict, ref: dict | None) -> str:
        e2e = s["land"] + s["load_total"]
        cells = [_rate(rows, s.get(k, 0.0)) for k in ("read", "normalise", "validate", "stage", "merge")]
        txt = f"{name:<48}{rows:>11,} " + "".join(cells) + _rate(rows, e2e)
        if ref:
            copy_rs = ref["rows"] / ref["copy_s"]
            tosql_rs = ref["to_sql_rows"] / ref["to_sql_s"]
            ratio = (rows / e2e) / copy_rs
            txt += f"{copy_rs:>11,.0f}{tosql_rs:>9,.0f}{ratio:>8.0%}{(rows / e2e) / tosql_rs:>7.1f}x"
        return txt

    hdr = (f"{'rows/s':<48}{'rows':>11} " + "".join(f"{h:>11}" for h in
           ("read", "normalise", "validate", "stage", "merge", "end2end", "bareCOPY")) + f"{'to_sql':>9}"
           f"{'e2e/CP':>8}{'e2e/ts':>8}")
    print("\n" + hdr)
    print("-" * len(hdr))
    for fid in top:
        r = per[fid]
        print(line(fid, r["delivered"], r["secs"], r.get("ref")))
    # all feeds
    tot = defaultdict(float)
    rows = 0
    ref_tot = {"rows": 0, "copy_s": 0.0, "to_sql_rows": 0, "to_sql_s_extrapolated": 0.0}
    for fid in feeds_order:
        r = per[fid]
        rows += r["delivered"]
        for k, v in r["secs"].items():
            tot[k] += v
        if r.get("ref"):
            ref_tot["rows"] += r["ref"]["rows"]
            ref_tot["copy_s"] += r["ref"]["copy_s"]
            ref_tot["to_sql_s_extrapolated"] += r["ref"]["to_sql_s"] * r["ref"]["rows"] / max(r["ref"]["to_sql_rows"], 1)
    ref_all = {"rows": ref_tot["rows"], "copy_s": ref_tot["copy_s"], "to_sql_rows": ref_tot["rows"],
               "to_sql_s": ref_tot["to_sql_s_extrapolated"]}
    print("-" * len(hdr))
    wall = results.get("wall_s")
    # several workers: end to end is the wall clock of the whole run, stages are summed
    tot_line = dict(tot, land=0.0, load_total=wall) if wall else tot
    print(line(f"ALL {len(feeds_order)} feeds", rows, tot_line, ref_all if ref_tot["rows"] else None))
    e2e = wall or (tot["land"] + tot["load_total"])
    workers = results.get("workers", 1)
    print(f"\nAll feeds: {rows:,} delivered rows, end to end {e2e:.1f} s wall with {workers} worker(s) "
          f"({rows / e2e:,.0f} rows/s); stage seconds: "
          + ", ".join(f"{k} {tot[k]:.1f}" for k in STAGES if k in tot)
          + f" (of which GX run {tot['validate_gx']:.1f}, Data Docs {tot['validate_docs']:.1f})"
          + f"; GX warm-up (import + suites, once per worker) {results.get('gx_warmup_s', 0):.1f} s")
    busy = sum(tot[k] for k in STAGES if k in tot)
    shares = {k: tot[k] / busy for k in STAGES if k in tot}
    print(f"Share of the {busy:.1f} worker-seconds: " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    if ref_tot["rows"]:
        copy_rs = ref_tot["rows"] / ref_tot["copy_s"]
        tosql_rs = ref_tot["rows"] / ref_tot["to_sql_s_extrapolated"]
        e2e_rs = rows / e2e
        print(f"Bare COPY {copy_rs:,.0f} rows/s; to_sql {tosql_rs:,.0f} rows/s (measured on at most "
              f"{results['to_sql_cap']:,} rows per feed, extrapolated by rows/s)")
        print(f"RATIO end-to-end / bare COPY = {e2e_rs / copy_rs:.1%} (target >= 40%): "
              f"{'MET' if e2e_rs / copy_rs >= 0.4 else 'MISSED'}")
        print(f"RATIO end-to-end / to_sql    = {e2e_rs / tosql_rs:.1f}x (target >= 5x): "
              f"{'MET' if e2e_rs / tosql_rs >= 5 else 'MISSED'}")
    results["totals"] = {"rows": rows, "secs": dict(tot), "ref": ref_all}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--residents", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default="2025-06-30")
    ap.add_argument("--drop", help="city folder (default /tmp/tianyan_bench/city<residents>)")
    ap.add_argument("--db", default="tianyan_bench_ingest", help="warehouse database (recreated)")
    ap.add_argument("--keep", action="store_true", help="keep the warehouse database for bench_scoring.py")
    ap.add_argument("--top", type=int, default=4, help="biggest feeds shown one by one")
    ap.add_argument("--to-sql-cap", type=int, default=200_000, help="to_sql rows measured per feed")
    ap.add_argument("--feeds", nargs="*", help="only these feed ids (default: all)")
    ap.add_argument("--no-refs", action="store_true", help="skip the reference measurements")
    ap.add_argument("--profile", help="cProfile the load of this feed (extra run in a scratch database)")
    ap.add_argument("--workers", type=int, default=1,
                    help=f"loading processes, like Airflow worker slots (default 1; this machine has "
                    f"{os.cpu_count() or 1} cores)")
    ap.add_argument("--json", default=str(BENCH_ROOT / "ingest_results.json"))
    args = ap.parse_args()

    import logging

    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    as_of = dt.date.fromisoformat(args.as_of)
    drop = Path(args.drop or BENCH_ROOT / f"city{args.residents}")
    BENCH_ROOT.mkdir(parents=True, exist_ok=True)
    manifest = ensure_city(drop, args.residents, args.seed, as_of)
    day = dt.date.fromisoformat(manifest["dates"][0])

    from tianyan.registry import load_feeds

    feeds = load_feeds()
    order = [f for f in feeds if not args.feeds or f in args.feeds]
    sizes = {f: sum(v["rows"] for v in manifest["feeds"].get(f, {}).values()) for f in order}
    top = sorted(order, key=lambda f: -sizes[f])[: args.top]

    # ---- setup (not timed as ingest) ----
    for d in ("archive", "work", "state"):
        shutil.rmtree(BENCH_ROOT / d, ignore_errors=True)
    url = _recreate_db(args.db)
    prefix = next(p for p in DB_PREFIXES if args.db.startswith(p))
    exch_name = args.db.replace(prefix, prefix + "exch_", 1)
    exch_url = _recreate_db(exch_name)
    os.environ["AIRFLOW_CONN_WAREHOUSE"] = url
    os.environ["AIRFLOW_CONN_EXCHANGE_DB"] = exch_url
    os.environ["TIANYAN_LANDING"] = str(drop)
    from tianyan.synth.exchange import ExchangeServer, exchange_connections, load_database_feeds
    from tianyan.warehouse.migrate import migrate

    t = time.perf_counter()
    migrate(url)
    print(f"setup: migrated {args.db} in {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    load_database_feeds(drop, exch_url, dates=[day])
    print(f"setup: database feeds loaded into the exchange front-end in {time.perf_counter() - t:.1f} s", flush=True)

    from tianyan.ingest import pipeline
    from tianyan.ingest import validate as gxv

    results: dict = {"date": dt.datetime.now().isoformat(timespec="seconds"), "residents": args.residents,
                     "delivery_date": day.isoformat(), "to_sql_cap": args.to_sql_cap, "workers": args.workers,
                     "feeds": {}}
    work = BENCH_ROOT / "work"
    token = secrets.token_urlsafe(16)

    def record(fid: str, r: dict) -> None:
        s = defaultdict(float, r["secs"])
        s["other"] = s["load_total"] - sum(s[k] for k in ("fetch", "read", "normalise", "duplicates", "validate", "stage", "merge"))
        r["secs"] = dict(s)
        print(f"  {fid:<48} {r['status']:<8} {r['delivered']:>10,} rows {r['wall_s']:7.1f} s  "
              + " ".join(f"{k}={s[k]:.1f}" for k in STAGES)
              + f" (gx={s['validate_gx']:.1f} docs={s['validate_docs']:.1f})", flush=True)
        results["feeds"][fid] = {**r, "transport": feeds[fid].delivery.transport,
                                 "format": feeds[fid].delivery.format, "mode": feeds[fid].mode}

    if args.workers <= 1:
        t = time.perf_counter()
        gxv.warm_up(order)
        gx_warm = time.perf_counter() - t
        print(f"setup: GX import + {len(order)} suites prepared in {gx_warm:.1f} s (once per worker process)",
              flush=True)
        results["gx_warmup_s"] = gx_warm
        tm = install_timers()
        print(f"\nend to end: process_delivery for {len(order)} feeds, delivery {day}", flush=True)
        with ExchangeServer(drop, token=token) as server:
            os.environ.update(exchange_connections(server, exch_url))
            for fid in order:
                record(fid, _load_feed(tm, fid, day.isoformat(), str(drop), url, str(work)))
    else:
        import concurrent.futures as cf
        import multiprocessing as mp

        with ExchangeServer(drop, token=token) as server:
            env = {k: v for k, v in os.environ.items() if k.startswith(("AIRFLOW_CONN_", "TIANYAN_"))}
            env.update(exchange_connections(server, exch_url))
            biggest_first = sorted(order, key=lambda f: -sizes[f])
            t = time.perf_counter()
            pool = cf.ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn"),
                                          initializer=_worker_init, initargs=(env, order))
            with pool:
                # Start the workers (GX import + suites) before the clock: Airflow workers are warm too.
                list(pool.map(time.sleep, [0.0] * args.workers))
                results["gx_warmup_s"] = time.perf_counter() - t
                print(f"setup: {args.workers} worker processes started, GX warmed in {results['gx_warmup_s']:.1f} s",
                      flush=True)
                print(f"\nend to end: process_delivery for {len(order)} feeds, delivery {day}, "
                      f"{args.workers} workers, biggest feeds first", flush=True)
                t = time.perf_counter()
                futs = {pool.submit(_worker_run, fid, day.isoformat(), str(drop), url, str(work)): fid
                        for fid in biggest_first}
                for fut in cf.as_completed(futs):
                    record(futs[fut], fut.result())
                results["wall_s"] = time.perf_counter() - t
            print(f"all feeds loaded in {results['wall_s']:.1f} s wall", flush=True)
        tm = install_timers()  # the references below run here, in the parent
    peak = max([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]
               + [r.get("peak_rss_mb", 0) for r in results["feeds"].values()])
    results["peak_rss_mb"] = peak
    print(f"peak RSS so far {peak:,.0f} MB", flush=True)

    if not args.no_refs:
        from tianyan.ingest import readers

        print(f"\nreferences (same rows re-read from the drop): bare COPY, to_sql capped at {args.to_sql_cap:,}",
              flush=True)
        tm.feed = "_refs"
        for fid in order:
            files = delivered_files(drop, feeds[fid], day)
            if not files:
                continue
            raw = readers.read_delivery(feeds[fid], files)
            ref = references(url, feeds[fid], raw, args.to_sql_cap)
            del raw
            results["feeds"][fid]["ref"] = ref
            print(f"  {fid:<48} {ref['rows']:>10,} rows  COPY {ref['copy_s']:6.2f} s "
                  f"({ref['rows'] / ref['copy_s']:>9,.0f}/s)  to_sql {ref['to_sql_rows']:>8,} rows "
                  f"{ref['to_sql_s']:6.2f} s ({ref['to_sql_rows'] / ref['to_sql_s']:>7,.0f}/s)", flush=True)

    # SQL statement breakdown of the biggest feeds
    print("\nSQL inside stage/merge for the biggest feeds (seconds):")
    for fid in top:
        items = sorted(results["feeds"][fid]["sql"].items(), key=lambda kv: -kv[1])[:8]
        print(f"  {fid}: " + "; ".join(f"{k} {v:.1f}" for k, v in items))

    report(results, order, top)

    if args.profile:
        prof_db = prefix + "profile"
        purl = _recreate_db(prof_db)
        migrate(purl)
        fid = args.profile
        tm.feed = "_profile"
        with ExchangeServer(drop, token=token) as server:
            os.environ.update(exchange_connections(server, exch_url))
            prof = cProfile.Profile()
            prof.enable()
            pipeline.process_delivery(feeds[fid], day, landing=str(drop), url=purl, work_root=work / "profile")
            prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
        print(f"\ncProfile of process_delivery({fid}) by cumulative time:\n" + buf.getvalue())
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(25)
        print(f"\ncProfile of process_delivery({fid}) by own time:\n" + buf.getvalue())
        _drop_db(prof_db)

    Path(args.json).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(f"\nraw figures: {args.json}")
    if not args.keep:
        _drop_db(args.db)
        _drop_db(exch_name)
        print(f"dropped {args.db} and {exch_name} (use --keep to reuse them with bench_scoring.py)")
    else:
        print(f"kept {args.db}: python bench/bench_scoring.py --url {url}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
