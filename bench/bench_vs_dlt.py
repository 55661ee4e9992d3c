"""Benchmark: tianyan's ingest beside dlt, bare COPY and ``to_sql``, day 1 and day 2 of one city, one run.

    uv sync --group bench   # dlt (never a runtime dependency)
    .venv/bin/python bench/bench_vs_dlt.py [--residents 250000] [--workers 2] [--to-sql-cap 200000]

1. Generates ``--days 2`` of a city (``--seed 1 --as-of 2026-06-30``) into /tmp/tianyan_bench/vd_city<N>,
   or reuses it; recreates the databases ``tianyan_bench_vd_*`` (warehouse, exchange front-end, dlt,
   references) and loads the database feeds of both dates into the front-end (setup, not timed).
2. For day 1, then day 2, each system runs in a fresh process of its own (its peak RSS is its own):

   - tianyan: ``process_delivery`` (land + load: GX on every row, quarantine, history merge) of every feed
     in ``--workers`` spawned worker processes, warmed first (GX import + suites, as Airflow workers
     are), biggest feeds first, then the run's Data Docs build (``build_data_docs``); wall clock from
     the first delivery to the built site. Peak = the largest worker.
   - dlt: the same delivered files read by tianyan's readers into Arrow string tables, then one
     ``pipeline.run`` of 47 resources into PostgreSQL, configured the fastest way measured here
     (../shared/notes/performance-facts.md): csv loader (COPY), 2 normalise and 2 load workers, files of
     250,000 items, no compression; snapshot feeds ``merge``/``scd2`` on a row hash
     (``add_row_hash_to_table``), delta and append feeds ``merge`` (delete-insert) on the feed key, delta
     ``op = D`` as ``hard_delete``, ``dedup_sort`` on ``changed_at``. Wall clock includes the reads.
     Peak = the process and its children (dlt's normalise workers).
   - references: bare ``COPY`` of the same rows (CSV rendered before the clock) into empty text tables,
     and ``DataFrame.to_sql`` (the tutorial default) of up to ``--to-sql-cap`` rows per feed,
     extrapolated by rows/s (said so).
3. Prints, per day: rows, seconds and rows/s of each, and the ratios tianyan / dlt, tianyan / bare COPY,
   tianyan / to_sql (as throughput ratios: > 1 means tianyan is faster), with peak memory of each.
   Raw figures: /tmp/tianyan_bench/vs_dlt_<N>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH_ROOT = Path(os.environ.get("TIANYAN_BENCH_ROOT", "/tmp/tianyan_bench"))
os.environ.setdefault("TIANYAN_STATE_DIR", str(BENCH_ROOT / "vd_state"))
os.environ.setdefault("TIANYAN_ARCHIVE", str(BENCH_ROOT / "vd_archive"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import _db_url, _recreate_db, delivered_files, references  # noqa: E402

DBS = {"wh": "tianyan_bench_vd_wh", "exch": "tianyan_bench_vd_exch", "dlt": "tianyan_bench_vd_dlt",
       "refs": "tianyan_bench_vd_refs"}
# dlt's fastest documented settings on this machine (performance-facts.md).
DLT_ENV = {"NORMALIZE__WORKERS": "2", "LOAD__WORKERS": "2", "DATA_WRITER__FILE_MAX_ITEMS": "250000",
           "DATA_WRITER__DISABLE_COMPRESSION": "true", "RUNTIME__LOG_LEVEL": "WARNING"}


def _peak_mb(children: bool = False) -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if children else 0.0
    return max(own, kids)


def ensure_city(drop: Path, residents: int, seed: int, as_of: dt.date) -> dict:
    mf = drop / "manifest.json"
    if mf.exists():
        m = json.loads(mf.read_text(encoding="utf-8"))
        if (m.get("residents"), m.get("seed"), m.get("as_of"), len(m.get("dates", []))) == \
                (residents, seed, as_of.isoformat(), 2):
            print(f"city: reusing {drop} ({m['rows']:,} rows)", flush=True)
            return m
    from tianyan.synth import generate

    t = time.perf_counter()
    m = generate(drop, residents=residents, seed=seed, as_of=as_of, days=2)
    print(f"city: generated {residents:,} residents, 2 days, {m['rows']:,} rows in {time.perf_counter() - t:.1f} s",
          flush=True)
    return m


# ---------------------------------------------------------------------------------------------
# tianyan
# ---------------------------------------------------------------------------------------------


def _worker_init(env: dict, feed_ids: list[str]) -> None:
    import logging

    os.environ.update(env)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    from tianyan.ingest import validate as gxv

    gxv.warm_up(feed_ids)


def _worker_load(fid: str, day_iso: str, drop: str, url: str, work: str) -> dict:
    from tianyan.ingest import pipeline
    from tianyan.registry import load_feeds

    t = time.perf_counter()
    try:
        r = pipeline.process_delivery(load_feeds()[fid], dt.date.fromisoformat(day_iso), landing=drop, url=url,
                                      work_root=Path(work))
        out = {"status": r.status, "delivered": r.delivered, "loaded": r.loaded, "quarantined": r.quarantined,
               "collapsed": r.collapsed}
    except pipeline.DeliveryRejected as exc:
        out = {"status": f"{exc.status}: {str(exc)[:200]}", "delivered": 0, "loaded": 0, "quarantined": 0,
               "collapsed": 0}
    return {**out, "feed": fid, "wall_s": time.perf_counter() - t, "peak_mb": _peak_mb()}


def _worker_docs() -> dict:
    from tianyan.ingest.validate import build_data_docs

    t = time.perf_counter()
    build_data_docs()
    return {"docs_s": time.perf_counter() - t, "peak_mb": _peak_mb()}


def run_tianyan(day: dt.date, drop: Path, workers: int, sizes: dict[str, int]) -> dict:
    import concurrent.futures as cf
    import multiprocessing as mp

    from tianyan.synth.exchange import ExchangeServer, exchange_connections

    url, exch = _db_url(DBS["wh"]), _db_url(DBS["exch"])
    order = sorted(sizes, key=lambda f: -sizes[f])
    with ExchangeServer(drop, token="bench-vs-dlt") as server:
        env = {k: v for k, v in os.environ.items() if k.startswith(("AIRFLOW_CONN_", "TIANYAN_"))}
        env.update(exchange_connections(server, exch), AIRFLOW_CONN_WAREHOUSE=url)
        pool = cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_worker_init,
                                      initargs=(env, order))
        with pool:
            t = time.perf_counter()
            list(pool.map(time.sleep, [0.0] * workers))
            warm = time.perf_counter() - t
            t = time.perf_counter()
            futs = [pool.submit(_worker_load, f, day.isoformat(), str(drop), url, str(BENCH_ROOT / "vd_work"))
                    for f in order]
            feeds = [f.result() for f in futs]
            loads_s = time.perf_counter() - t
            docs = pool.submit(_worker_docs).result()
            wall = time.perf_counter() - t
            # Each worker's own peak (ask every worker once more).
            peaks = list(pool.map(_peak_only, range(workers * 4)))
    return {"wall_s": wall, "loads_s": loads_s, "docs_s": docs["docs_s"], "warmup_s": warm,
            "rows": sum(f["delivered"] for f in feeds), "loaded": sum(f["loaded"] for f in feeds),
            "quarantined": sum(f["quarantined"] for f in feeds), "collapsed": sum(f["collapsed"] for f in feeds),
            "not_loaded": {f["feed"]: f["status"] for f in feeds if f["status"] not in ("LOADED", "UNCHANGED",
                                                                                          "NO_DELIVERY")},
            "peak_mb": max([f["peak_mb"] for f in feeds] + peaks + [docs["peak_mb"]]), "feeds": feeds}


def _peak_only(_: int) -> float:
    time.sleep(0.05)
    return _peak_mb()


# ---------------------------------------------------------------------------------------------
# dlt
# ---------------------------------------------------------------------------------------------


def _arrow(feed, raw):
    import pyarrow as pa

    from tianyan.ingest import readers

    cols = [c for c in raw.columns if c not in readers.ORIGIN_COLUMNS]
    return pa.Table.from_pandas(raw[cols], preserve_index=False,
                                schema=pa.schema([(c, pa.string()) for c in cols]))


def run_dlt(day: dt.date, drop: Path, feed_ids: list[str]) -> dict:
    os.environ.update(DLT_ENV)
    import dlt
    import pyarrow as pa
    import pyarrow.compute as pc
    from dlt.sources.helpers.transform import add_row_hash_to_table

    from tianyan.ingest import readers
    from tianyan.registry import load_feeds

    feeds = load_feeds()
    t = time.perf_counter()
    resources, rows = [], 0
    for fid in feed_ids:
        feed = feeds[fid]
        files = delivered_files(drop, feed, day)
        if not files:
            continue
        table = _arrow(feed, readers.read_delivery(feed, files))
        rows += table.num_rows
        name = fid.replace(".", "__")
        if feed.mode == "snapshot":
            res = dlt.resource([table], name=name, write_disposition={
                "disposition": "merge", "strategy": "scd2", "row_version_column_name": "row_hash",
                "validity_column_names": ["_valid_from", "_valid_to"]})
            res.add_map(add_row_hash_to_table("row_hash"))
        else:
            columns = {}
            if "changed_at" in table.column_names:
                columns["changed_at"] = {"dedup_sort": "desc"}
            if "op" in table.column_names:
                table = table.append_column("_deleted", pc.fill_null(pc.equal(table["op"], "D"), False))
                columns["_deleted"] = {"hard_delete": True, "data_type": "bool"}
            res = dlt.resource([table], name=name, primary_key=list(feed.key), columns=columns or None,
                               write_disposition={"disposition": "merge", "strategy": "delete-insert"})
        resources.append(res)
    read_s = time.perf_counter() - t
    pipe = dlt.pipeline(pipeline_name="tianyan_vs_dlt", pipelines_dir=str(BENCH_ROOT / "vd_dlt_pipelines"),
                        destination=dlt.destinations.postgres(
                            f"postgresql://postgres:unused@127.0.0.1:5432/{DBS['dlt']}"),
                        dataset_name="feeds")
    pipe.run(resources, loader_file_format="csv")
    wall = time.perf_counter() - t
    del pa
    return {"wall_s": wall, "read_s": read_s, "rows": rows, "peak_mb": _peak_mb(children=True)}


# ---------------------------------------------------------------------------------------------
# references (bare COPY, to_sql)
# ---------------------------------------------------------------------------------------------


def run_refs(day: dt.date, drop: Path, feed_ids: list[str], cap: int) -> dict:
    from tianyan.ingest import readers
    from tianyan.registry import load_feeds

    feeds = load_feeds()
    url = _db_url(DBS["refs"])
    copy_s = to_sql_s = 0.0
    rows = to_sql_rows = 0
    for fid in feed_ids:
        files = delivered_files(drop, feeds[fid], day)
        if not files:
            continue
        raw = readers.read_delivery(feeds[fid], files)
        if not len(raw):
            continue
        ref = references(url, feeds[fid], raw, cap)
        rows += ref["rows"]
        copy_s += ref["copy_s"]
        # to_sql of the capped sample, extrapolated to the feed's rows at the sample's rate
        to_sql_s += ref["to_sql_s"] * (ref["rows"] / ref["to_sql_rows"]) if ref["to_sql_rows"] else 0.0
        to_sql_rows += ref["to_sql_rows"]
    return {"rows": rows, "copy_s": copy_s, "to_sql_s": to_sql_s, "to_sql_measured_rows": to_sql_rows,
            "peak_mb": _peak_mb()}


# ---------------------------------------------------------------------------------------------


def _role(args) -> None:
    import logging

    logging.basicConfig(level=logging.ERROR)
    from tianyan.registry import load_feeds

    day = dt.date.fromisoformat(args.day)
    drop = Path(args.drop)
    manifest = json.loads((drop / "manifest.json").read_text(encoding="utf-8"))
    ids = list(load_feeds())
    sizes = {f: int(((manifest["feeds"].get(f) or {}).get(args.day) or {}).get("rows", 0)) for f in ids}
    if args.role == "tianyan":
        out = run_tianyan(day, drop, args.workers, sizes)
    elif args.role == "dlt":
        out = run_dlt(day, drop, ids)
    else:
        out = run_refs(day, drop, ids, args.to_sql_cap)
    Path(args.out).write_text(json.dumps(out, default=str), encoding="utf-8")


def _spawn(role: str, day: str, args, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--role", role, "--day", day, "--drop", str(args.drop), "--out", str(out),
           "--workers", str(args.workers), "--to-sql-cap", str(args.to_sql_cap)]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    got = json.loads(out.read_text(encoding="utf-8"))
    print(f"  {role:<8} {day}: {got.get('wall_s', got.get('copy_s', 0)):.1f} s, {got['rows']:,} rows "
          f"(process {time.perf_counter() - t:.0f} s)", flush=True)
    return got


def _report(results: dict) -> None:
    def rate(rows, s):
        return f"{rows / s:>10,.0f}" if s else f"{'-':>10}"

    print(f"\n{results['residents']:,} residents, {results['workers']} tianyan workers "
          "(ratios are throughput: above 1 = tianyan faster)")
    head = (f"{'day':<4} {'rows':>10} | {'tianyan s':>9} {'rows/s':>10} {'peak MB':>8} | {'dlt s':>7} {'rows/s':>10} "
            f"{'peak MB':>8} | {'COPY s':>6} {'to_sql s':>8} {'peak MB':>8} | {'t/dlt':>5} {'t/COPY':>6} {'t/to_sql':>8}")
    print(head + "\n" + "-" * len(head))
    for day, r in results["days"].items():
        t, d, ref = r["tianyan"], r["dlt"], r["refs"]
        print(f"{day:<4} {t['rows']:>10,} | {t['wall_s']:>9.1f} {rate(t['rows'], t['wall_s'])} {t['peak_mb']:>8,.0f} | "
              f"{d['wall_s']:>7.1f} {rate(d['rows'], d['wall_s'])} {d['peak_mb']:>8,.0f} | {ref['copy_s']:>6.2f} "
              f"{ref['to_sql_s']:>8.1f} {ref['peak_mb']:>8,.0f} | {d['wall_s'] / t['wall_s']:>5.2f} "
              f"{ref['copy_s'] / t['wall_s']:>6.3f} {ref['to_sql_s'] / t['wall_s']:>8.2f}")
    for day, r in results["days"].items():
        t = r["tianyan"]
        print(f"{day}: tianyan loaded {t['loaded']:,}, quarantined {t['quarantined']:,}, collapsed "
              f"{t['collapsed']:,}; loads {t['loads_s']:.1f} s + Data Docs build {t['docs_s']:.1f} s "
              f"(workers warmed in {t['warmup_s']:.1f} s, not counted); not loaded: {t['not_loaded'] or 'none'}")
    print(f"to_sql: measured on up to {results['to_sql_cap']:,} rows per feed, extrapolated by rows/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--residents", type=int, default=250_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default="2026-06-30")
    ap.add_argument("--drop", help="city folder (default /tmp/tianyan_bench/vd_city<residents>)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--to-sql-cap", type=int, default=200_000)
    ap.add_argument("--skip", nargs="*", default=[], choices=["dlt", "refs"], help="leave a reference out")
    ap.add_argument("--role", choices=["tianyan", "dlt", "refs"], help=argparse.SUPPRESS)
    ap.add_argument("--day", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.role:
        return _role(args)

    import shutil

    args.drop = Path(args.drop or BENCH_ROOT / f"vd_city{args.residents}")
    BENCH_ROOT.mkdir(parents=True, exist_ok=True)
    manifest = ensure_city(args.drop, args.residents, args.seed, dt.date.fromisoformat(args.as_of))
    days = manifest["dates"][:2]
    for d in ("vd_state", "vd_archive", "vd_work", "vd_dlt_pipelines"):
        shutil.rmtree(BENCH_ROOT / d, ignore_errors=True)
    for name in DBS.values():
        _recreate_db(name)
    from tianyan.synth.exchange import load_database_feeds
    from tianyan.warehouse.migrate import migrate

    migrate(_db_url(DBS["wh"]))
    load_database_feeds(args.drop, _db_url(DBS["exch"]), dates=[dt.date.fromisoformat(d) for d in days])
    print("setup: databases recreated, warehouse migrated, front-end loaded", flush=True)
    results = {"residents": args.residents, "workers": args.workers, "to_sql_cap": args.to_sql_cap,
               "date": dt.datetime.now().isoformat(timespec="seconds"), "days": {}}
    empty = {"wall_s": float("nan"), "rows": 0, "peak_mb": 0.0, "copy_s": float("nan"), "to_sql_s": float("nan")}
    for i, day in enumerate(days, start=1):
        r = {}
        for role in ("tianyan", "dlt", "refs"):
            r[role] = empty if role in args.skip else _spawn(role, day, args, BENCH_ROOT / f"vd_{role}_{day}.json")
        results["days"][f"d{i}"] = r
    out = BENCH_ROOT / f"vs_dlt_{args.residents}.json"
    out.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    _report(results)
    print(f"\nraw figures: {out}")


if __name__ == "__main__":
    main()
