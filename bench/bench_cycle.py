"""Benchmark: one daily cycle of the demo city under the local Airflow scheduler and in-process.

    .venv/bin/python bench/bench_cycle.py [--residents 20000] [--seed 7] [--date 2026-11-27]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--only scheduler|inprocess] [--keep]

The city is `make demo`'s (20,000 residents, seed 7, 2026-11-27), generated into
/tmp/tianyan_bench/demo-city unless already there. Each side gets fresh databases on --pg (warehouse,
front-end exchange, Airflow metadata; prefix tianyan_bench_cycle_) and its own Airflow home and state
directory under /tmp/tianyan_bench/cycle/, so both start from the same empty warehouse:

1. scheduler: `make airflow-ui` (tianyan.orchestration.standalone: scheduler + dag-processor + triggerer + api-server,
   LocalExecutor) started as a child process; once it prints its ready line (start-up time printed,
   not counted), the 24 department DAGs are triggered through the REST API (logical_date null, conf
   delivery_date) and the clock runs until every run has finished and the Asset-triggered scoring has
   settled. Cycle = first trigger -> last run's end.
2. in-process: `tianyan run --drop ... --date ...` (dag.test() of the same DAGs), wall clock of the
   command, start-up included.

Prints both times, the ratio (target: scheduler <= 1.5x in-process), the scoring runs, queue delays
and whether both sides ended with the same alerts. Raw figures: /tmp/tianyan_bench/cycle_results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BENCH_ROOT = Path("/tmp/tianyan_bench")
sys.path.insert(0, str(ROOT))

ALERT_SQL = ("select alert_id, model_id, subject_kind, subject_id, region_code, severity, amount, first_seen, "
             "last_seen, status from alerts.alert where status <> 'RESOLVED' order by alert_id")


def _sa(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


class Databases:
    def __init__(self, admin: str) -> None:
        self.admin = sa.create_engine(_sa(admin), isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def make(self, kind: str) -> str:
        name = f"tianyan_bench_cycle_{kind}_{uuid.uuid4().hex[:6]}"
        with self.admin.connect() as c:
            c.execute(sa.text(f'create database "{name}"'))
        self.names.append(name)
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as c:
            for n in self.names:
                c.execute(sa.text(f'drop database if exists "{n}" with (force)'))


def _alerts(url: str) -> list[tuple]:
    eng = sa.create_engine(url)
    with eng.connect() as c:
        rows = [tuple(str(v) for v in r) for r in c.execute(sa.text(ALERT_SQL))]
    eng.dispose()
    return rows


def _side_env(dbs: Databases, side: str) -> tuple[dict[str, str], str]:
    home = BENCH_ROOT / "cycle" / side
    subprocess.run(["rm", "-rf", str(home)], check=True)
    wh = dbs.make(f"{side}_wh")
    env = {
        "AIRFLOW_HOME": str(home / "airflow"),
        "TIANYAN_STATE_DIR": str(home / "state"),
        "AIRFLOW_CONN_WAREHOUSE": wh,
        "AIRFLOW_CONN_EXCHANGE_DB": dbs.make(f"{side}_ex"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": dbs.make(f"{side}_meta"),
    }
    env.pop("TIANYAN_ARCHIVE", None)
    return env, wh


def scheduler_cycle(dbs: Databases, drop: Path, day: dt.date) -> dict:
    from tianyan.orchestration.standalone import LocalAirflow, free_port, wait_for_cycle

    env, wh = _side_env(dbs, "scheduler")
    log = BENCH_ROOT / "cycle" / "scheduler" / "supervisor.log"
    with LocalAirflow(port=free_port(), drop=drop, env=env, log=log) as af:
        print(f"  local Airflow ready in {af.ready_s:.0f} s (not counted); log {log}", flush=True)
        client = af.client()
        dags = sorted(d["dag_id"] for d in client.http.get("/api/v2/dags", params={"limit": 100}).json()["dags"]
                      if d["dag_id"].startswith("dept_"))
        t0 = time.time()
        triggered = {d: client.trigger(d, {"delivery_date": day.isoformat()}) for d in dags}
        seen = wait_for_cycle(client, triggered, timeout=3600)
        ends = [dt.datetime.fromisoformat(r["end_date"]).timestamp()
                for r in seen["departments"] + seen["scoring"] if r.get("end_date")]
        cycle = max(ends) - t0
        dept_end = max(dt.datetime.fromisoformat(r["end_date"]).timestamp() for r in seen["departments"]) - t0
        states = sorted({r["state"] for r in seen["departments"]})
        delays = [dt.datetime.fromisoformat(r["start_date"]).timestamp() - dt.datetime.fromisoformat(
            r["queued_at"]).timestamp() for r in seen["departments"] + seen["scoring"] if r.get("start_date")]
        out = {"cycle_s": cycle, "departments_done_s": dept_end, "ready_s": af.ready_s,
               "department_runs": len(seen["departments"]), "department_states": states,
               "failed_departments": sorted(r["dag_id"] for r in seen["departments"] if r["state"] != "success"),
               "scoring_runs": len(seen["scoring"]),
               "scoring_states": sorted(r["state"] for r in seen["scoring"]),
               "max_queue_delay_s": max(delays) if delays else None}
    out["alerts"] = _alerts(wh)
    return out


def inprocess_cycle(dbs: Databases, drop: Path, day: dt.date) -> dict:
    env, wh = _side_env(dbs, "inprocess")
    t0 = time.time()
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "tianyan"), "run", "--drop", str(drop), "--date",
                           day.isoformat()], env={**os.environ, **env}, capture_output=True, text=True, cwd=ROOT)
    wall = time.time() - t0
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
    return {"cycle_s": wall, "returncode": proc.returncode, "alerts": _alerts(wh)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--date", default="2026-11-27")
    ap.add_argument("--pg", default=os.environ.get("TIANYAN_TEST_PG") or "postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--drop", type=Path, default=BENCH_ROOT / "demo-city")
    ap.add_argument("--only", choices=["scheduler", "inprocess"])
    ap.add_argument("--keep", action="store_true", help="keep the databases")
    args = ap.parse_args()
    day = dt.date.fromisoformat(args.date)
    manifest = args.drop / "manifest.json"
    meta = json.loads(manifest.read_text()) if manifest.exists() else {}
    if meta.get("residents", args.residents) != args.residents or meta.get("as_of") != args.date or not meta:
        subprocess.run(["rm", "-rf", str(args.drop)], check=True)
        subprocess.run([str(ROOT / ".venv" / "bin" / "tianyan"), "generate", "--drop", str(args.drop), "--residents",
                        str(args.residents), "--seed", str(args.seed), "--as-of", args.date], check=True)
    dbs = Databases(args.pg)
    results: dict = {"residents": args.residents, "seed": args.seed, "date": args.date, "cpus": os.cpu_count()}
    try:
        if args.only in (None, "scheduler"):
            print("scheduler (make airflow-ui, REST triggers) ...", flush=True)
            results["scheduler"] = scheduler_cycle(dbs, args.drop, day)
            s = results["scheduler"]
            print(f"  cycle {s['cycle_s']:.0f} s (departments done at {s['departments_done_s']:.0f} s); "
                  f"{s['department_runs']} department runs {s['department_states']}, {s['scoring_runs']} scoring runs, "
                  f"max queue delay {s['max_queue_delay_s']:.0f} s, {len(s['alerts'])} alerts", flush=True)
        if args.only in (None, "inprocess"):
            print("in-process (tianyan run) ...", flush=True)
            results["inprocess"] = inprocess_cycle(dbs, args.drop, day)
            i = results["inprocess"]
            print(f"  cycle {i['cycle_s']:.0f} s (exit {i['returncode']}), {len(i['alerts'])} alerts", flush=True)
        if "scheduler" in results and "inprocess" in results:
            s, i = results["scheduler"], results["inprocess"]
            results["ratio"] = s["cycle_s"] / i["cycle_s"]
            results["same_alerts"] = s["alerts"] == i["alerts"]
            print(f"ratio scheduler / in-process: {results['ratio']:.2f} (target <= 1.5); "
                  f"same alerts: {results['same_alerts']} ({len(s['alerts'])} vs {len(i['alerts'])})")
    finally:
        if not args.keep:
            dbs.drop_all()
    for side in ("scheduler", "inprocess"):
        if side in results:
            results[side]["alerts"] = len(results[side]["alerts"])
    out = BENCH_ROOT / "cycle_results.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"raw figures: {out}")


if __name__ == "__main__":
    main()
