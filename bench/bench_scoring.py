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

Day-2 re-score (issue 14), on a city generated with ``--days 2``:

    .venv/bin/python bench/bench_scoring.py --day2 --drop /tmp/tianyan_bench/city250k \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/<warehouse with day 1 loaded> \
        --front postgresql+psycopg://postgres@127.0.0.1:5432/<front-end database of the exchange>

1. Full scoring of day 1 (every model forced, timed), then day 2's deliveries loaded (all 47 feeds,
   through the simulated exchange; not timed), ANALYZE.
2. Day 2 proportional, as the scoring DAG does it: plan, one set-based carry_forward for the models
   carried forward, run_model for the rest (timed, models run / carried / skipped).
3. Day 2 full re-score (every model forced, timed) on the same warehouse: its alerts (every column a
   user sees, events, evidence) must equal those the proportional re-score left.
Prints both times, the ratio (target <= 25%) and the models run / carried; then the same for the
day after day 2 without any delivery (a quiet day).
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


def _snapshot(url: str) -> dict:
    import sqlalchemy as sa

    from tianyan.warehouse.conn import engine

    queries = {
        "alerts": "select alert_id, model_id, subject_kind, subject_id, evidence_key, region_code, unit_code, "
                  "severity, amount, first_seen, last_seen, status, resolved_on, cast(evidence as text), "
                  "model_version, office_code from alerts.alert order by alert_id",
        "events": "select event_key, alert_id, kind, at, from_status, to_status from alerts.alert_event "
                  "order by event_key",
        "evidence": "select alert_id, seq, source_feed, source_key, cast(matched as text) from alerts.alert_evidence "
                    "order by alert_id, seq",
    }
    with engine(url).connect() as c:
        return {k: [tuple(r) for r in c.execute(sa.text(q))] for k, q in queries.items()}


def day2(args) -> None:
    """Full scoring vs the day-2 proportional re-score (see the module doc)."""
    import logging

    import sqlalchemy as sa

    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    os.environ["AIRFLOW_CONN_WAREHOUSE"] = args.url
    from tianyan.ingest.pipeline import DeliveryRejected, process_delivery
    from tianyan.orchestration.inprocess import exchange_for
    from tianyan.registry import load_feeds
    from tianyan.registry.models import load_models
    from tianyan.scoring.proportional import plan
    from tianyan.scoring.runner import carry_forward, run_model
    from tianyan.warehouse.conn import engine
    from tianyan.warehouse.migrate import migrate

    manifest = json.loads((Path(args.drop) / "manifest.json").read_text())
    d1, d2 = (dt.date.fromisoformat(d) for d in manifest["dates"][:2])
    migrate(args.url)
    eng = engine(args.url)
    models = [m for m in load_models().values() if m.enabled]
    res: dict = {"date": dt.datetime.now().isoformat(timespec="seconds"), "residents": manifest.get("residents"),
                 "dates": [d1.isoformat(), d2.isoformat()], "models": len(models)}

    def analyze() -> None:
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("analyze"))

    def full(day: dt.date) -> float:
        t = time.perf_counter()
        for m in models:
            run_model(m, day, args.url, force=True)
        return time.perf_counter() - t

    analyze()
    res["full_day1_s"] = full(d1)
    print(f"day 1 {d1}: full scoring of {len(models)} models {res['full_day1_s']:.1f} s", flush=True)
    t = time.perf_counter()
    rows = 0
    with exchange_for(args.drop, [d2], db_url=args.front):
        for feed in load_feeds().values():
            try:
                r = process_delivery(feed, d2, landing=args.drop, url=args.url, work_root=str(BENCH_ROOT / "work"),
                                     data_docs=False)
                rows += getattr(r, "delivered", 0) or 0
            except DeliveryRejected as exc:
                print(f"  {feed.id} {d2} rejected: {exc}", flush=True)
    analyze()
    res["load_day2_s"], res["day2_rows"] = time.perf_counter() - t, rows
    print(f"day 2 {d2}: {rows:,} rows delivered, loaded in {res['load_day2_s']:.1f} s (not part of the ratio)",
          flush=True)

    t = time.perf_counter()
    with eng.connect() as c:
        p = plan(c, models, d2)
    by_id = {m.id: m for m in models}
    runs = carry_forward([by_id[m] for m in p.carry], d2, args.url)
    runs += [run_model(by_id[m], d2, args.url) for m in p.run]
    res["prop_day2_s"] = time.perf_counter() - t
    statuses = {r.model_id: r.status for r in runs}
    res["prop_statuses"] = statuses
    counted = {s: sorted(m for m, v in statuses.items() if v == s) for s in ("SUCCESS", "CARRIED", "SKIPPED")}
    print(f"day 2 proportional: {res['prop_day2_s']:.1f} s; run {len(counted['SUCCESS'])}, carried "
          f"{len(counted['CARRIED'])} ({', '.join(counted['CARRIED']) or 'none'}), skipped {len(p.skip)}", flush=True)
    after_prop = _snapshot(args.url)

    res["full_day2_s"] = full(d2)
    after_full = _snapshot(args.url)
    same = after_prop == after_full
    res["identical"] = same
    ratio = res["prop_day2_s"] / res["full_day2_s"]
    res["ratio"] = ratio
    print(f"day 2 full re-score: {res['full_day2_s']:.1f} s; alerts identical to the proportional re-score: {same} "
          f"({len(after_full['alerts']):,} alerts, {len(after_full['events']):,} events)")
    print(f"\n{'residents':>10} {'full day 1':>11} {'full day 2':>11} {'prop. day 2':>12} {'ratio':>7} "
          f"{'run':>4} {'carried':>8}")
    print(f"{res['residents']:>10,} {res['full_day1_s']:>10.1f}s {res['full_day2_s']:>10.1f}s "
          f"{res['prop_day2_s']:>11.1f}s {ratio:>7.1%} {len(counted['SUCCESS']):>4} {len(counted['CARRIED']):>8}")
    print(f"target: day-2 re-score at most 25% of a full scoring run: {'MET' if ratio <= 0.25 else 'MISSED'}")

    # A quiet day (no delivery at all, e.g. a weekend): the date after day 2, nothing loaded.
    d3 = d2 + dt.timedelta(days=1)
    t = time.perf_counter()
    with eng.connect() as c:
        p = plan(c, models, d3)
    runs = carry_forward([by_id[m] for m in p.carry], d3, args.url)
    runs += [run_model(by_id[m], d3, args.url) for m in p.run]
    res["prop_day3_s"] = time.perf_counter() - t
    quiet = {s: sorted(r.model_id for r in runs if r.status == s) for s in ("SUCCESS", "CARRIED")}
    after_prop = _snapshot(args.url)
    res["full_day3_s"] = full(d3)
    res["identical_day3"] = after_prop == _snapshot(args.url)
    ratio3 = res["prop_day3_s"] / res["full_day3_s"]
    print(f"{d3} without deliveries: proportional {res['prop_day3_s']:.1f} s (run {len(quiet['SUCCESS'])}: "
          f"{', '.join(quiet['SUCCESS'])}; carried {len(quiet['CARRIED'])}), full {res['full_day3_s']:.1f} s, "
          f"ratio {ratio3:.1%}; alerts identical: {res['identical_day3']}")
    Path(args.json).write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    print(f"raw figures: {args.json}")


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
    ap.add_argument("--day2", action="store_true", help="full scoring vs the day-2 proportional re-score")
    ap.add_argument("--front", help="--day2: front-end database of the simulated exchange")
    args = ap.parse_args()
    if args.day2:
        if not args.front:
            ap.error("--day2 needs --front")
        day2(args)
        return

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
