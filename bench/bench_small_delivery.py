"""Benchmark: the fixed cost of a small delivery (issue 14), step by step, with a warm worker.

    .venv/bin/python bench/bench_small_delivery.py --source /tmp/tianyan_bench/city100000 \
        [--db tianyan_bench_small] [--sizes 100 1000 10000] [--reps 3] [--feeds FEED ...]

1. Builds deliveries of N rows (``--sizes``) of a few representative feeds from a generated city
   (``--source``, e.g. the one ``bench_ingest.py`` made): a CSV file feed, an http (paged JSON) feed and
   a database feed by default. Every delivery is a different slice of the source's rows on its own
   date (a daily increment of new rows; the database feed's ``changed_at`` is moved to that date), so
   none is an identical redelivery. Written to ``<root>/drop``, the database feed's rows loaded into a
   front-end database of the simulated exchange.
2. A warm worker, as an Airflow worker slot or ``bench_ingest.py --workers`` has it: GX imported, the
   suites prepared, a first delivery of ``--base`` rows of each feed loaded before the clock (none of
   it counted): the history the timed daily increments land on.
3. ``process_delivery`` (land + load, Data Docs recorded per delivery as the DAG does) of each
   delivery, with timers around the steps: land, fetch (archived copy + checksum), read, normalise,
   duplicates, validate (GX run, Data Docs recording), quarantine (meta.quarantine write), stage, merge,
   record (meta.feed_runs / feed_attempts), analyze, referential (report after the load), neighbours
   (meta.feed_runs look-ups of the load; land's own look-up is in land), other (the rest). ``build_data_docs`` (once per run in the DAGs) is
   timed separately after each size.
4. Reference in the same run, on the same rows: a bare ``COPY`` of the delivery's CSV text into an
   empty, key-less all-text table on a new connection (connect + copy + commit).

Columns: e2e = wall clock of process_delivery, cpu = this process's CPU time in it (steadier than the wall
clock on a shared machine), COPY = the reference, x = e2e / COPY, then the steps.

Prints the median over ``--reps`` deliveries of each size, per feed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import os
import shutil
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(os.environ.get("TIANYAN_BENCH_ROOT", "/tmp/tianyan_bench")) / "small"
os.environ.setdefault("TIANYAN_STATE_DIR", str(ROOT / "state"))
os.environ.setdefault("TIANYAN_ARCHIVE", str(ROOT / "archive"))
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_PREFIXES = tuple(os.environ.get("TIANYAN_BENCH_DB_PREFIXES", "tianyan_bench_,tianyan_perf_").split(","))
FEEDS = ["civil_affairs.assistance_payments", "medical_insurance.claims", "finance.subsidy_payments"]
STEPS = ("land", "fetch", "read", "normalise", "duplicates", "validate_gx", "validate_docs", "validate_rest",
         "quarantine", "stage", "merge", "record", "analyze", "referential", "neighbours", "other")
START = dt.date(2030, 1, 1)  # bench dates: after any date of the source city


def _recreate_db(name: str) -> str:
    import sqlalchemy as sa

    if not name.startswith(DB_PREFIXES):
        raise SystemExit(f"refusing to recreate {name!r}: bench databases start with {' or '.join(DB_PREFIXES)}")
    eng = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        c.execute(sa.text(f'create database "{name}"'))
    eng.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


# ---------------------------------------------------------------------------------------------
# Deliveries
# ---------------------------------------------------------------------------------------------


def _source_rows(source: Path, feed) -> tuple[list[str], list[list]]:
    """(header, rows) of the feed's first delivery in the source city, values as delivered."""
    folder = source / feed.department / feed.name
    day = sorted(p for p in folder.iterdir() if p.is_dir())[0]
    if feed.delivery.transport == "http":
        pages = sorted(day.glob("page-*.json"), key=lambda p: int(p.stem.split("-")[1]))
        items = [it for p in pages for it in json.loads(p.read_text(encoding="utf-8"))["items"]]
        header = list(items[0])
        return header, [[it.get(h) for h in header] for it in items]
    path = day / "rows.csv" if feed.delivery.transport == "database" else next(day.glob("*.csv"))
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _write_delivery(folder: Path, feed, header: list[str], rows: list[list], day: dt.date, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if feed.delivery.transport == "http":
        items = [dict(zip(header, r, strict=True)) for r in rows]
        pages = [items[i:i + 500] for i in range(0, len(items), 500)] or [[]]
        for n, page in enumerate(pages, 1):
            doc = {"items": page, "next_page": n + 1 if n < len(pages) else None}
            (folder / f"page-{n}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        return
    if feed.delivery.transport == "database":
        at = header.index("changed_at")
        rows = [[*r[:at], f"{day} 09:30:00", *r[at + 1:]] for r in rows]
    with open(folder / name, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(header)
        w.writerows(rows)


def _slice(rows: list[list], header: list[str], feed, at: int, n: int) -> list[list]:
    """Rows at..at+n of the source; past its end it wraps around, the key marked with the lap so every
    delivery brings new keys (a repeated key would update the front-end's row, not add one)."""
    k = header.index(feed.key[0])
    out = []
    for i in range(at, at + n):
        lap, r = divmod(i, len(rows))
        row = list(rows[r])
        if lap:
            row[k] = f"{row[k]}L{lap}"
        out.append(row)
    return out


def build_deliveries(source: Path, drop: Path, feed_ids: list[str], sizes: list[int], reps: int,
                     base: int) -> dict:
    """Per feed: [(date, rows)] -- a first delivery of ``base`` rows (the history the increments land on,
    and the worker's warm-up), then ``reps`` of each size, each a new slice."""
    from tianyan.registry import load_feeds

    feeds = load_feeds()
    plan: dict[str, list[tuple[dt.date, int]]] = {}
    for fid in feed_ids:
        feed = feeds[fid]
        header, rows = _source_rows(source, feed)
        if feed.delivery.transport == "file":
            src = next((source / feed.department / feed.name).glob("*/*.csv")).name
        else:
            src = "rows.csv"
        at, day, out = 0, START, []
        for n in [base, *[s for s in sizes for _ in range(reps)]]:
            part = _slice(rows, header, feed, at, n)
            at += n
            _write_delivery(drop / feed.department / feed.name / day.isoformat(), feed, header, part, day, src)
            out.append((day, n))
            day += dt.timedelta(days=1)
        plan[fid] = out
    return plan


# ---------------------------------------------------------------------------------------------
# Timers
# ---------------------------------------------------------------------------------------------


class Steps:
    def __init__(self) -> None:
        self.secs: dict[str, float] = defaultdict(float)

    def wrap(self, module, name: str, step: str) -> None:
        fn = getattr(module, name)

        def timed(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.secs[step] += time.perf_counter() - t

        setattr(module, name, timed)


def install(steps: Steps) -> None:
    from tianyan.ingest import load, normalise, pipeline, quarantine, readers, referential, validate

    steps.wrap(pipeline, "land_delivery", "land")
    steps.wrap(pipeline, "load_delivery", "load_total")
    steps.wrap(pipeline, "_fetch_archived", "fetch")
    steps.wrap(readers, "read_delivery", "read")
    steps.wrap(normalise, "normalise", "normalise")
    steps.wrap(quarantine, "exact_duplicates", "duplicates")
    steps.wrap(quarantine, "duplicate_failures", "duplicates")
    steps.wrap(quarantine, "write", "quarantine")
    steps.wrap(load, "stage", "stage")
    steps.wrap(load, "merge", "merge")
    steps.wrap(pipeline, "_record_run", "record")
    steps.wrap(pipeline, "_analyze", "analyze")
    steps.wrap(referential, "report_after_load", "referential")
    steps.wrap(pipeline, "_neighbour", "neighbours")
    inner = validate.validate

    def validate_split(*a, **kw):
        t = time.perf_counter()
        out = inner(*a, **kw)
        total = time.perf_counter() - t
        st = out.statistics
        steps.secs["validate_gx"] += st.get("gx_seconds", 0.0)
        steps.secs["validate_docs"] += st.get("data_docs_seconds", 0.0)
        steps.secs["validate_rest"] += total - st.get("gx_seconds", 0.0) - st.get("data_docs_seconds", 0.0)
        return out

    validate.validate = validate_split


def bare_copy(url: str, header: list[str], text: bytes) -> float:
    """Connect, COPY the CSV text into an empty key-less all-text table, commit."""
    import psycopg
    from psycopg import sql

    from tianyan.warehouse.conn import psycopg_dsn

    t = time.perf_counter()
    statement = sql.SQL("copy bench_ref.small ({}) from stdin (format csv, header true)").format(
        sql.SQL(", ").join(map(sql.Identifier, header)))
    with psycopg.connect(psycopg_dsn(url)) as conn, conn.cursor() as cur, cur.copy(statement) as cp:
        cp.write(text)
    seconds = time.perf_counter() - t
    with psycopg.connect(psycopg_dsn(url)) as conn:
        conn.execute("truncate bench_ref.small")
    return seconds


def _csv_text(feed, header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", required=True, help="a generated city (tianyan generate / bench_ingest.py)")
    ap.add_argument("--db", default="tianyan_bench_small", help="warehouse database (recreated)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--base", type=int, default=20000,
                    help="rows of each feed's first delivery (not timed): the history the increments land on")
    ap.add_argument("--feeds", nargs="+", default=FEEDS)
    ap.add_argument("--profile", type=int, help="cProfile the deliveries of this size (printed at the end)")
    ap.add_argument("--json", default=str(ROOT / "small_results.json"))
    args = ap.parse_args()

    import logging

    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    for d in ("archive", "work", "state", "drop"):
        shutil.rmtree(ROOT / d, ignore_errors=True)
    drop = ROOT / "drop"
    plan = build_deliveries(Path(args.source), drop, args.feeds, args.sizes, args.reps, args.base)

    url = _recreate_db(args.db)
    exch_name = args.db + "_exch"
    exch_url = _recreate_db(exch_name)
    os.environ["AIRFLOW_CONN_WAREHOUSE"] = url
    from tianyan.registry import load_feeds
    from tianyan.synth.exchange import ExchangeServer, exchange_connections, load_database_feeds
    from tianyan.warehouse.migrate import migrate

    migrate(url)
    load_database_feeds(drop, exch_url)
    feeds = load_feeds()
    import psycopg

    from tianyan.warehouse.conn import psycopg_dsn

    with psycopg.connect(psycopg_dsn(url)) as conn:
        cols = sorted({c for fid in args.feeds for c in feeds[fid].column_names})
        conn.execute("create schema bench_ref")
        conn.execute("create table bench_ref.small (" + ", ".join(f'"{c}" text' for c in cols) + ")")

    from tianyan.ingest import pipeline
    from tianyan.ingest import validate as gxv

    t = time.perf_counter()
    gxv.warm_up(args.feeds)
    print(f"setup: GX import + {len(args.feeds)} suites in {time.perf_counter() - t:.1f} s (once per worker)")
    steps = Steps()
    install(steps)
    work = ROOT / "work"
    results: dict = {"date": dt.datetime.now().isoformat(timespec="seconds"), "load": os.getloadavg(), "feeds": {}}
    import cProfile
    import pstats

    prof = cProfile.Profile() if args.profile else None
    with ExchangeServer(drop, token="bench-token") as server:
        os.environ.update(exchange_connections(server, exch_url))
        for fid in args.feeds:
            feed = feeds[fid]
            header, rows = _source_rows(Path(args.source), feed)
            per_size: dict[int, list[dict]] = defaultdict(list)
            docs: dict[int, float] = {}
            for i, (day, n) in enumerate(plan[fid]):
                steps.secs.clear()
                profiled = prof is not None and i > 0 and n == args.profile
                if profiled:
                    prof.enable()
                t, cpu = time.perf_counter(), time.process_time()
                res = pipeline.process_delivery(feed, day, landing=str(drop), url=url, work_root=work)
                wall, cpu = time.perf_counter() - t, time.process_time() - cpu
                if profiled:
                    prof.disable()
                s = dict(steps.secs)
                inner = ("fetch", "read", "normalise", "duplicates", "validate_gx", "validate_docs", "validate_rest",
                         "quarantine", "stage", "merge", "record", "analyze", "referential", "neighbours")
                # load_total holds all of them but land and the land's window look-up
                s["other"] = wall - s.get("land", 0.0) - sum(s.get(k, 0.0) for k in inner)
                s["wall"], s["cpu"] = wall, cpu
                if res.delivered != n:
                    raise SystemExit(f"{fid} {day}: delivered {res.delivered}, expected {n} ({res.status})")
                s.update(status=res.status, loaded=res.loaded, quarantined=res.quarantined)
                if i == 0:
                    continue  # warm-up delivery of the feed
                slice_rows = _slice(rows, header, feed, sum(m for _, m in plan[fid][:i]), n)
                s["bare_copy"] = bare_copy(url, header, _csv_text(feed, header, slice_rows))
                per_size[n].append(s)
                if len(per_size[n]) == args.reps:
                    t = time.perf_counter()
                    gxv.build_data_docs()
                    docs[n] = time.perf_counter() - t
            results["feeds"][fid] = {"per_size": per_size, "build_data_docs": docs,
                                     "transport": feed.delivery.transport}
            report(fid, feed, per_size, docs)
    if prof is not None:
        for key in ("cumulative", "tottime"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(60 if key == "cumulative" else 30)
            print(f"\ncProfile of the {args.profile}-row deliveries by {key}:\n" + buf.getvalue())
    results["load_after"] = os.getloadavg()
    print(f"\nload average before {results['load'][0]:.2f}, after {results['load_after'][0]:.2f}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(f"raw figures: {args.json}")
    with contextlib.suppress(Exception):
        import sqlalchemy as sa

        eng = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(sa.text(f'drop database if exists "{exch_name}" with (force)'))
        eng.dispose()
    sys.stdout.flush()


def report(fid: str, feed, per_size: dict[int, list[dict]], docs: dict[int, float]) -> None:
    shown = [k for k in STEPS if any(s.get(k, 0.0) >= 0.0005 for runs in per_size.values() for s in runs)]
    print(f"\n{fid} ({feed.delivery.transport}, {feed.mode}): median of {max(map(len, per_size.values()))} "
          "deliveries, milliseconds")
    hdr = f"{'rows':>7}{'e2e':>8}{'cpu':>7}{'COPY':>7}{'x':>6} " + "".join(f"{k[:11]:>12}" for k in shown) + f"{'docs build':>12}"
    print(hdr)
    for n, runs in sorted(per_size.items()):
        med = {k: statistics.median(s.get(k, 0.0) for s in runs) for k in [*shown, "wall", "cpu", "bare_copy"]}
        print(f"{n:>7}{med['wall'] * 1000:>8.0f}{med['cpu'] * 1000:>7.0f}{med['bare_copy'] * 1000:>7.1f}{med['wall'] / med['bare_copy']:>6.0f} "
              + "".join(f"{med[k] * 1000:>12.1f}" for k in shown) + f"{docs.get(n, 0.0) * 1000:>12.0f}"
              + f"   ({runs[0]['status']}, loaded {runs[0]['loaded']}, quarantined {runs[0]['quarantined']})")


if __name__ == "__main__":
    main()
