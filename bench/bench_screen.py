"""Benchmark: the screening service on a loaded city (single-item latency, batch throughput, and
agreement of a 10,000-item batch with the batch models' alerts).

    .venv/bin/python bench/bench_screen.py --url postgresql://postgres@127.0.0.1:5432/<warehouse>
        [--as-of 2026-11-27] [--singles 300] [--batches 5] [--workers 1] [--port 8097]

The warehouse must hold a scored city (`tianyan generate` + `tianyan run`, e.g. `make demo`). The
bench creates an API key (revoked at the end), starts `tianyan serve`'s app under uvicorn in a child
process, waits for /readyz (one warm-up request per connection, not counted), then, with a bounded
local load generator (httpx, one client per thread):

1. single items: ``--singles`` requests of one item each, sequentially (concurrency 1) and then with
   4 concurrent clients; items are real loaded rows (assistance payments, medical claims,
   enrolments, pension payments: 4 kinds/programs in turn) sent with their own refs -> p50/p95/p99;
   the service's own time (``duration_ms`` of the answers) and, after each request of the
   sequential run, two references on the same machine at the same moment: ``GET /healthz`` on the
   same server (HTTP without database work) and a bare ``select 1`` as the service's role;
2. batches: ``--batches`` requests of 1,000 assistance payments each -> items/s;
3. agreement: 10,000 loaded rows (assistance payments and medical claims) screened in one request;
   the (model, ref) hits must equal the (model, key) pairs of the current alerts of the screenable
   models whose evidence names those rows (alerts.alert, written by the batch run).

Targets (issue 16): single item p95 < 50 ms; >= 2,000 items/s in batches of 1,000; identical answers.
Raw figures: /tmp/tianyan_bench/screen_results.json.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from tianyan.screen.auth import add_key, revoke_key
from tianyan.screen.engine import ROLE, screenable_models
from tianyan.screen.targets import item_from_row
from tianyan.warehouse.conn import _to_sqlalchemy

OUT = Path("/tmp/tianyan_bench/screen_results.json")
SAMPLES = {  # feeds sampled for items -> their key column
    "civil_affairs.assistance_payments": "payment_id",
    "medical_insurance.claims": "claim_id",
    "civil_affairs.assistance_enrollments": "enrollment_id",
    "human_resources.pension_payments": "payment_id",
}


def rows(conn, feed: str, n: int, where: str = "") -> list[dict]:
    dept, name = feed.split(".")
    got = conn.execute(sa.text(f'select * from "{dept}"."{name}" {where} order by md5("{SAMPLES[feed]}") '
                               "limit :n"), {"n": n})
    out = []
    for r in got:
        d = {k: v for k, v in r._mapping.items() if not k.startswith("_")}
        item = item_from_row(feed, d)
        if item is None:
            continue
        out.append({k: (v.isoformat() if isinstance(v, dt.date) else str(v) if v is not None and not
                        isinstance(v, str | int) else v) for k, v in item.items() if v is not None})
    return out


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--as-of", default="2026-11-27")
    ap.add_argument("--singles", type=int, default=300)
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--port", type=int, default=8097)
    args = ap.parse_args()
    url = _to_sqlalchemy(args.url)
    owner = sa.create_engine(url)
    with owner.begin() as c:
        key = add_key(c, "bench", ["payment", "medical_claim", "procurement", "enrolment"], [], 1_000_000)
        residents = c.execute(sa.text("select count(*) from public_security.household_registration")).scalar()
        mix = {f: rows(c, f, max(args.singles // len(SAMPLES), 1) + 5) for f in SAMPLES}
        batch_rows = rows(c, "civil_affairs.assistance_payments", 1000 * args.batches)
        agree_rows = (rows(c, "civil_affairs.assistance_payments", 7000)
                      + rows(c, "medical_insurance.claims", 3000))
    ref_engine = sa.create_engine(url, pool_size=1)
    env = {**os.environ, "TIANYAN_SCREEN_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tianyan.screen.app:app_from_env", "--factory", "--host", "127.0.0.1",
         "--port", str(args.port), "--workers", str(args.workers), "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{args.port}"
    headers = {"Authorization": f"Bearer {key}"}
    results: dict = {"residents": residents, "as_of": args.as_of, "workers": args.workers,
                     "load_before": os.getloadavg()}
    try:
        t0 = time.monotonic()
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - t0 > 180:
                raise SystemExit("the service did not become ready in 180 s")
            time.sleep(0.5)
        results["startup_s"] = round(time.monotonic() - t0, 1)
        singles = [it for group in zip(*mix.values(), strict=False) for it in group][: args.singles]

        server_ms: list[float] = []

        def one(client: httpx.Client, item: dict) -> float:
            s = time.perf_counter()
            r = client.post(f"{base}/v1/screen", json={"items": [item], "as_of": args.as_of}, headers=headers)
            r.raise_for_status()
            server_ms.append(r.json()["duration_ms"])
            return (time.perf_counter() - s) * 1000

        def floor(client: httpx.Client, conn: sa.Connection) -> tuple[float, float]:
            """The machine's own floor, measured between the requests: an HTTP round trip to the
            same server without database work (/healthz) and a bare ``select 1`` round trip as the
            service's role."""
            s = time.perf_counter()
            client.get(f"{base}/healthz").raise_for_status()
            t = time.perf_counter()
            conn.execute(sa.text("select 1")).all()
            return (t - s) * 1000, (time.perf_counter() - t) * 1000

        with httpx.Client(timeout=60) as client:  # warm every pooled connection (prepares temp relations)
            with cf.ThreadPoolExecutor(8) as ex:
                list(ex.map(lambda it: one(client, it), singles[:8]))
            server_ms.clear()
            lat1, http_floor, sql_floor = [], [], []
            with ref_engine.connect() as rc:
                rc.execute(sa.text(f"set role {ROLE}"))
                for it in singles:
                    lat1.append(one(client, it))
                    h, q = floor(client, rc)
                    http_floor.append(h)
                    sql_floor.append(q)
                rc.rollback()
            server1 = list(server_ms)
        lat4: list[float] = []
        with cf.ThreadPoolExecutor(4) as ex:
            clients = [httpx.Client(timeout=60) for _ in range(4)]
            chunks = [singles[i::4] for i in range(4)]
            t = time.perf_counter()
            for part in ex.map(lambda ci: [one(clients[ci], it) for it in chunks[ci]], range(4)):
                lat4 += part
            wall4 = time.perf_counter() - t
            for c in clients:
                c.close()
        for name, lat in (("single_c1", lat1), ("single_c4", lat4)):
            results[name] = {"n": len(lat), "p50_ms": round(pct(lat, 50), 1), "p95_ms": round(pct(lat, 95), 1),
                             "p99_ms": round(pct(lat, 99), 1), "mean_ms": round(statistics.mean(lat), 1)}
        results["single_c4"]["requests_per_s"] = round(len(lat4) / wall4, 1)
        for name, lat in (("server_c1", server1), ("ref_healthz", http_floor), ("ref_select1", sql_floor)):
            results[name] = {"n": len(lat), "p50_ms": round(pct(lat, 50), 2), "p95_ms": round(pct(lat, 95), 2),
                             "p99_ms": round(pct(lat, 99), 2)}
        with httpx.Client(timeout=600) as client:
            times = []
            for b in range(args.batches):
                part = batch_rows[b * 1000:(b + 1) * 1000]
                if not part:  # a small city has fewer rows than --batches x 1,000
                    break
                s = time.perf_counter()
                r = client.post(f"{base}/v1/screen", json={"items": part, "as_of": args.as_of}, headers=headers)
                r.raise_for_status()
                times.append(time.perf_counter() - s)
            n_items = sum(len(batch_rows[b * 1000:(b + 1) * 1000]) for b in range(len(times)))
            results["batch_1000"] = {"batches": len(times), "items": n_items,
                                     "seconds_each": [round(x, 2) for x in times],
                                     "items_per_s": round(n_items / sum(times), 0)}
            s = time.perf_counter()
            r = client.post(f"{base}/v1/screen", json={"items": agree_rows, "as_of": args.as_of}, headers=headers)
            r.raise_for_status()
            agree_s = time.perf_counter() - s
        body = r.json()
        got = {(h["model_id"], res["ref"]) for res in body["results"] for h in res.get("hits", [])}
        failed = [res for res in body["results"] if res["status"] == "error"]
        sm = screenable_models()
        refs = {(it["kind"], it["ref"]) for it in agree_rows}
        with owner.connect() as c:
            alerts = c.execute(sa.text(
                "select a.model_id, e ->> 'feed' as feed, e ->> 'key' as key from alerts.alert as a, "
                "jsonb_array_elements(a.evidence) as e where a.status <> 'RESOLVED' "
                "and e ->> 'feed' in ('civil_affairs.assistance_payments', 'medical_insurance.claims')")).all()
        kind_of = {"civil_affairs.assistance_payments": "payment", "medical_insurance.claims": "medical_claim"}
        want = {(m, k) for m, f, k in alerts
                if m in sm and f in sm[m].feeds and (kind_of[f], k) in refs}
        results["agreement_10000"] = {
            "items": len(agree_rows), "seconds": round(agree_s, 2), "items_failed": len(failed),
            "hits_service": len(got), "hits_batch_alerts": len(want), "identical": got == want,
            "only_service": sorted(got - want)[:10], "only_batch": sorted(want - got)[:10]}
    finally:
        server.terminate()
        server.wait(30)
        with owner.begin() as c:
            revoke_key(c, key.split("_")[1])
        owner.dispose()
        ref_engine.dispose()
    results["load_after"] = os.getloadavg()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1, default=str))
    print(f"screening bench: city of {residents} residents, as of {args.as_of}, {args.workers} uvicorn worker(s), "
          f"start-up {results['startup_s']} s, load average {results['load_before'][0]:.1f} before, "
          f"{results['load_after'][0]:.1f} after")
    print(f"{'measure':34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  target")
    for name, label in (("single_c1", "single item, 1 client"), ("single_c4", "single item, 4 clients")):
        r = results[name]
        print(f"{label + ' (' + str(r['n']) + ' req)':34} {r['p50_ms']:8} {r['p95_ms']:8} {r['p99_ms']:8}  p95 < 50")
    for name, label in (("server_c1", "  of which in the service (1 client)"),
                        ("ref_healthz", "  reference: GET /healthz"),
                        ("ref_select1", "  reference: select 1 (service role)")):
        r = results[name]
        print(f"{label:34} {r['p50_ms']:8} {r['p95_ms']:8} {r['p99_ms']:8}  same run, between the requests")
    b = results["batch_1000"]
    print(f"batches of 1,000 ({b['batches']}): {b['items_per_s']:.0f} items/s (each {b['seconds_each']} s)"
          "  target >= 2,000")
    a = results["agreement_10000"]
    print(f"10,000-item batch: {a['seconds']} s, {a['hits_service']} hits vs {a['hits_batch_alerts']} in the "
          f"batch alerts, identical: {a['identical']} (failed items {a['items_failed']})")
    if not a["identical"]:
        print("  only service:", a["only_service"], " only batch:", a["only_batch"])


if __name__ == "__main__":
    main()
