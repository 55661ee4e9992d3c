"""Benchmark: all enabled supervision models on a loaded city (reuse bench_ingest.py --keep).

    .venv/bin/python bench/bench_scoring.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/tianyan_bench_ingest]
        [--drop /tmp/tianyan_bench/city1m] [--explain 3] [--jobs 1] [--no-rerun] [--no-analyze]

1. migrate(url) (idempotent; re-applies include/sql/core, so new indexes of 05_indexes.sql are built
   here -- timed and printed), then ANALYZE (timed; the pipeline itself does not analyze the history
   tables, autovacuum does eventually).
2. First run: run_model(model, as_of) for every enabled model (as_of = the city's manifest.json),
   --jobs at a time (1 = sequential; the scoring DAG runs models as mapped tasks, two cores = 2).
   Prints each model's seconds and hits, sorted slowest first, and the total (target < 300 s).
3. Re-run with no new data: the same again (target < 30 s); alert count must not change.
4. EXPLAIN (ANALYZE, BUFFERS) of the --explain slowest models, written to
   /tmp/tianyan_bench/plans/<MODEL>.txt (and the path printed).
Raw figures: /tmp/tianyan_bench/scoring_results.json (or --json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH_ROOT = Path("/tmp/tianyan_bench")
os.environ.setdefault("TIANYAN_STATE_DIR", str(BENCH_ROOT / "state"))


def _run_all(models: list, as_of: dt.date, url: str, jobs: int) -> tuple[dict, float]:
    from tianyan.scoring.runner import ModelFailed, run_model

    def one(m):
        t = time.perf_counter()
        try:
            r = run_model(m, as_of, url)
            return m.id, {"s": time.perf_counter() - t, "hits": r.hits, "new": r.alerts_new,
                          "resolved": r.alerts_resolved, "status": r.status}
        except ModelFailed as exc:
            return m.id, {"s": time.perf_counter() - t, "hits": 0, "status": "FAILED", "error": str(exc)[:300]}

    t0 = time.perf_counter()
    out: dict = {}
    if jobs <= 1:
        for m in models:
            k, v = one(m)
            out[k] = v
            print(f"    {k:<6} {v['s']:7.2f} s  {v['hits']:>7} hits  {v['status']}", flush=True)
    else:
        with ThreadPoolExecutor(jobs) as ex:
            for k, v in ex.map(one, models):
                out[k] = v
                print(f"    {k:<6} {v['s']:7.2f} s  {v['hits']:>7} hits  {v['status']}", flush=True)
    return out, time.perf_counter() - t0


def _explain(url: str, model, as_of: dt.date) -> str:
    import sqlalchemy as sa

    from tianyan.warehouse.conn import engine

    params = model.bind_params(as_of)
    with engine(url).connect() as conn:
        rows = conn.execute(sa.text("explain (analyze, buffers, verbose off) " + model.sql.rstrip().rstrip(";")),
                            params).fetchall()
        conn.rollback()
    return "\n".join(r[0] for r in rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/tianyan_bench_ingest")
    ap.add_argument("--drop", default=str(BENCH_ROOT / "city1m"), help="city folder (for as_of in manifest.json)")
    ap.add_argument("--as-of", help="override the manifest's as_of")
    ap.add_argument("--explain", type=int, default=3, help="EXPLAIN ANALYZE the N slowest models")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--models", nargs="*", help="only these model ids")
    ap.add_argument("--no-rerun", action="store_true")
    ap.add_argument("--no-analyze", action="store_true")
    ap.add_argument("--json", default=str(BENCH_ROOT / "scoring_results.json"))
    args = ap.parse_args()

    import logging

    import sqlalchemy as sa

    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    os.environ["AIRFLOW_CONN_WAREHOUSE"] = args.url
    from tianyan.registry.models import load_models
    from tianyan.warehouse.conn import engine
    from tianyan.warehouse.migrate import migrate

    as_of = dt.date.fromisoformat(args.as_of or json.loads((Path(args.drop) / "manifest.json").read_text())["as_of"])
    res: dict = {"date": dt.datetime.now().isoformat(timespec="seconds"), "as_of": as_of.isoformat(),
                 "url": args.url, "jobs": args.jobs}
    t = time.perf_counter()
    migrate(args.url)
    res["migrate_s"] = time.perf_counter() - t
    print(f"migrate (core definitions + indexes) {res['migrate_s']:.1f} s", flush=True)
    eng = engine(args.url)
    if not args.no_analyze:
        t = time.perf_counter()
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("analyze"))
        res["analyze_s"] = time.perf_counter() - t
        print(f"analyze {res['analyze_s']:.1f} s", flush=True)
    with eng.connect() as c:
        settings = {k: c.execute(sa.text(f"show {k}")).scalar() for k in
                    ("server_version", "shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit")}
        res["alerts_before"] = c.execute(sa.text("select count(*) from alerts.alert")).scalar()
    res["settings"] = settings
    print("server: " + ", ".join(f"{k}={v}" for k, v in settings.items()), flush=True)

    models = [m for m in load_models().values() if m.enabled and (not args.models or m.id in args.models)]
    print(f"\nfirst run: {len(models)} models as of {as_of}, jobs={args.jobs}", flush=True)
    first, total = _run_all(models, as_of, args.url, args.jobs)
    with eng.connect() as c:
        res["alerts_after_first"] = c.execute(sa.text("select count(*) from alerts.alert")).scalar()
    res["first"], res["first_total_s"] = first, total

    ranked = sorted(first.items(), key=lambda kv: -kv[1]["s"])
    print(f"\n{'model':<7}{'seconds':>9}{'hits':>9}{'share':>8}")
    for k, v in ranked:
        print(f"{k:<7}{v['s']:>9.2f}{v['hits']:>9}{v['s'] / total:>8.1%}{'  ' + v['status'] if v['status'] != 'SUCCESS' else ''}")
    failed = [k for k, v in first.items() if v["status"] != "SUCCESS"]
    print(f"TOTAL first run: {total:.1f} s for {len(models)} models (target < 300 s): "
          f"{'MET' if total < 300 else 'MISSED'}; alerts {res['alerts_after_first']:,}; failed {failed or 'none'}")
    sum_model = sum(v["s"] for v in first.values())
    print(f"sum of model times {sum_model:.1f} s; top 3 = {sum(v['s'] for _, v in ranked[:3]) / sum_model:.0%}, "
          f"top 10 = {sum(v['s'] for _, v in ranked[:10]) / sum_model:.0%} of it")

    if not args.no_rerun:
        print("\nre-run with no new data", flush=True)
        again, total2 = _run_all(models, as_of, args.url, args.jobs)
        with eng.connect() as c:
            res["alerts_after_rerun"] = c.execute(sa.text("select count(*) from alerts.alert")).scalar()
        res["rerun"], res["rerun_total_s"] = again, total2
        print(f"TOTAL re-run: {total2:.1f} s (target < 30 s): {'MET' if total2 < 30 else 'MISSED'}; alerts "
              f"{res['alerts_after_rerun']:,} (unchanged: {res['alerts_after_rerun'] == res['alerts_after_first']})")

    plans_dir = BENCH_ROOT / "plans"
    plans_dir.mkdir(parents=True, exist_ok=True)
    res["plans"] = {}
    for k, _v in ranked[: args.explain]:
        t = time.perf_counter()
        plan = _explain(args.url, load_models()[k], as_of)
        p = plans_dir / f"{k}.txt"
        p.write_text(plan + "\n", encoding="utf-8")
        res["plans"][k] = str(p)
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) {k} ({time.perf_counter() - t:.1f} s) -> {p}")
        lines = plan.splitlines()
        print("\n".join(lines[:12]) + ("\n  ..." if len(lines) > 12 else "") + "\n" + "\n".join(lines[-3:]))
    Path(args.json).write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    print(f"\nraw figures: {args.json}")


if __name__ == "__main__":
    main()
