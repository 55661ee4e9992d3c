"""`tianyan`: what data engineers do outside the Airflow UI.

Stable interface (other tools script against it): command names, options and CSV columns of
`run`, `alerts`, `feeds` and `warehouse-url` do not change.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

app = typer.Typer(help="天眼 tianyan: supervision pipelines over 24 departments' feeds.", no_args_is_help=True)
exchange_app = typer.Typer(help="The simulated department exchange.", no_args_is_help=True)
app.add_typer(exchange_app, name="exchange")
from tianyan.public.cli import public_app  # noqa: E402 - the sub-app registers at import

app.add_typer(public_app, name="public")
console = Console(stderr=True)

ALERT_COLUMNS = ["alert_id", "model_id", "subject_kind", "subject_id", "region_code", "severity", "amount",
                 "first_seen", "last_seen", "status"]
FEED_COLUMNS = ["feed_id", "delivery_date", "status", "delivered", "loaded", "quarantined", "collapsed", "reason",
                "ref_missing"]


def parse_date(value: str | None) -> dt.date | None:
    """A date option YYYY-MM-DD (None stays None), for every command of the CLI and its sub-apps."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from exc


# OWASP "CSV injection": a text cell starting with one of these is a formula to a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value for a CSV export: text that a spreadsheet would run as a formula gets a leading quote
    (OWASP's advice; the quote shows, the formula does not run). Numbers, dates and booleans stay as
    they are (a negative amount is still a number); None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _emit(rows: list[dict], columns: list[str], fmt: str, title: str) -> None:
    if fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: csv_cell(r.get(k)) for k in columns})
    elif fmt == "table":
        t = Table(title=title)
        for c in columns:
            t.add_column(c)
        for r in rows:
            # escape: a delivered '[link=...]' or '[bold]' must print as text, not as rich markup
            t.add_row(*["" if r.get(c) is None else rich_escape(str(r.get(c))) for c in columns])
        Console().print(t)
    else:
        raise typer.BadParameter("format must be csv or table")


@app.command("warehouse-url")
def warehouse_url_cmd(
    show_password: Annotated[bool, typer.Option(help="Print the password too (default: hidden)")] = False,
) -> None:
    """Print the SQLAlchemy URL of the warehouse in use (starting the embedded one if needed)."""
    from tianyan.warehouse.conn import redact, warehouse_url

    url = warehouse_url()
    print(url if show_password else redact(url))


@app.command()
def migrate() -> None:
    """Apply the warehouse migrations and shared definitions (idempotent)."""
    from tianyan.warehouse.migrate import current_revision
    from tianyan.warehouse.migrate import migrate as do_migrate

    applied = do_migrate()
    console.print(f"applied: {applied or 'nothing new'}; warehouse at revision {current_revision()}")


@app.command()
def generate(
    drop: Annotated[Path, typer.Option(help="Exchange drop folder to write")],
    residents: Annotated[int, typer.Option(help="Number of residents")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes)")] = 7,
    as_of: Annotated[str, typer.Option("--as-of", help="First delivery date YYYY-MM-DD")] = "2026-11-27",
    days: Annotated[int, typer.Option(help="Number of daily deliveries")] = 1,
) -> None:
    """Generate a synthetic city's deliveries of all 47 feeds, with planted cases and an answer key."""
    import time

    from tianyan.synth import generate as gen

    t0 = time.monotonic()
    with console.status(f"generating {residents:,} residents ..."):
        manifest = gen(drop, residents=residents, seed=seed, as_of=parse_date(as_of), days=days)
    console.print(f"wrote {drop} in {time.monotonic() - t0:.1f}s: "
                  f"{len(manifest.get('feeds', {}))} feeds, dates {manifest.get('dates')}")


@contextlib.contextmanager
def _run_errors():
    """How `run` and `backfill` end on a refused run (exit 2: nothing was done) or a warehouse lost
    mid-run (exit 1): one line saying why, not a traceback."""
    from tianyan.orchestration.inprocess import RunRefused, WarehouseUnreachable

    try:
        yield
    except RunRefused as exc:
        console.print(f"[red]refused[/]: {exc}")
        raise typer.Exit(2) from None
    except WarehouseUnreachable as exc:
        console.print(f"[red]stopped[/]: {exc}")
        raise typer.Exit(1) from None


@app.command()
def run(
    drop: Annotated[str, typer.Option(help="Exchange drop folder (local path or fsspec URL)")],
    date: Annotated[list[str], typer.Option(help="Logical date YYYY-MM-DD (repeat for several)")],
    department: Annotated[list[str] | None, typer.Option(help="Only these departments")] = None,
    scoring: Annotated[bool, typer.Option(help="Run the scoring DAG after the departments")] = True,
    full_rescore: Annotated[bool, typer.Option(
        help="Run every enabled model (by default a model whose inputs did not change since its last run and "
             "whose rule does not depend on the date carries its result forward)")] = False,
) -> None:
    """Run logical date(s) through every department DAG and then scoring."""
    from tianyan.orchestration.inprocess import (
        embedded_server_running,
        run_dates,
        stop_embedded_server_at_exit,
    )
    from tianyan.warehouse.conn import configured_url

    dates = sorted(parse_date(d) for d in date)
    failed = []
    # The embedded PostgreSQL this run starts is stopped when it ends (unless something else uses it).
    started_embedded = configured_url("warehouse") is None and not embedded_server_running()

    def step(day: str, out) -> None:
        mark = "[green]ok[/]" if out.state == "success" else f"[red]{out.state}[/] {', '.join(out.failed_tasks)}"
        console.print(f"{day} {out.dag_id:<32} {mark}")
        if out.state != "success":
            failed.append(out)

    try:
        with _run_errors():
            run_dates(drop, dates, departments=department or None, scoring=scoring, on_step=step,
                      full_rescore=full_rescore)
    finally:
        # Airflow set the process's logging to its own INFO level; the console wants warnings only.
        logging.getLogger().setLevel(logging.WARNING)
        if started_embedded:
            stop_embedded_server_at_exit()
    summary(dates[-1])
    if started_embedded:
        console.print("the embedded PostgreSQL started for this run stops when it ends (any tianyan command "
                      "starts it again; `make stop-db` stops one left running)")
    if failed:
        console.print(f"[red]{len(failed)} DAG run(s) failed[/]; details in .tianyan/logs/airflow-run.log "
                      "and `tianyan feeds --format table`")
        raise typer.Exit(1)


@app.command()
def backfill(
    drop: Annotated[str, typer.Option(help="Exchange drop folder")],
    start: Annotated[str, typer.Option(help="First date YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="Last date YYYY-MM-DD (inclusive)")],
    department: Annotated[list[str] | None, typer.Option(help="Only these departments")] = None,
    direct: Annotated[bool, typer.Option(
        help="Call the DAGs' steps in this process instead of running the DAGs (load every feed, score, carry "
             "forward, refresh the marts; report for the last date): minutes instead of hours for a city over 90 "
             "days; Airflow records nothing of these dates")] = False,
) -> None:
    """Run every date of a range, in order (same as `run` with each date; --direct without the DAGs)."""
    s, e = parse_date(start), parse_date(end)
    if e < s:
        raise typer.BadParameter("end is before start")
    dates = [s + dt.timedelta(days=i) for i in range((e - s).days + 1)]
    if not direct:
        run(drop=drop, date=[d.isoformat() for d in dates], department=department, scoring=True, full_rescore=False)
        return
    if department:
        raise typer.BadParameter("--direct loads every feed (no --department)")
    from tianyan.orchestration.backfill import backfill_direct

    def day_done(r) -> None:
        bad = f" [red]{len(r.not_loaded)} not loaded[/] {', '.join(sorted(r.not_loaded))}" if r.not_loaded else ""
        failed = f" [red]{len(r.failed)} model(s) failed[/]" if r.failed else ""
        console.print(f"{r.day} {r.loaded:>3} feeds loaded, models: {r.ran} ran, {r.carried} carried, "
                      f"{r.skipped} skipped{failed}{bad} ({r.seconds} s)")

    with _run_errors():
        results = backfill_direct(drop, dates, on_day=day_done)
    if any(r.failed or any(v.startswith(("rejected", "FAILED")) for v in r.not_loaded.values()) for r in results):
        raise typer.Exit(1)


def _rows(query: str, params: dict | None = None) -> list[dict]:
    import sqlalchemy as sa

    from tianyan.warehouse.conn import engine
    from tianyan.warehouse.migrate import migrate as do_migrate

    do_migrate()
    with engine().connect() as c:
        return [dict(r._mapping) for r in c.execute(sa.text(query), params or {})]


@app.command()
def alerts(
    format: Annotated[str, typer.Option("--format", help="csv or table")] = "table",
    model: Annotated[str | None, typer.Option(help="Only this model id")] = None,
    include_resolved: Annotated[bool, typer.Option(help="Include alerts resolved by data")] = False,
) -> None:
    """Every current alert. CSV columns: alert_id, model_id, subject_kind, subject_id, region_code,
    severity, amount, first_seen, last_seen, status."""
    rows = _rows(
        "select alert_id, model_id, subject_kind, subject_id, region_code, severity, amount, first_seen, "
        "last_seen, status from alerts.alert where (cast(:model as text) is null or model_id = cast(:model as text)) "
        "and (cast(:all as boolean) or status <> 'RESOLVED') order by model_id, subject_id, alert_id",
        {"model": model, "all": include_resolved},
    )
    _emit(rows, ALERT_COLUMNS, format, "alerts")


@app.command()
def feeds(
    format: Annotated[str, typer.Option("--format", help="csv or table")] = "table",
    date: Annotated[str | None, typer.Option(help="Only this delivery date")] = None,
) -> None:
    """One row per feed delivery. CSV columns: feed_id, delivery_date, status, delivered, loaded,
    quarantined, collapsed, reason, ref_missing (loaded rows whose ref: value the referenced feed lacks;
    empty when the feed has no ref: rule; the values are in meta.referential)."""
    rows = _rows(
        "select r.feed_id, r.delivery_date, r.status, r.delivered, r.loaded, r.quarantined, r.collapsed, r.reason, "
        "(select sum(x.missing_rows) from meta.referential as x where x.feed_id = r.feed_id "
        "and x.delivery_date = r.delivery_date) as ref_missing "
        "from meta.feed_runs as r where (cast(:d as date) is null or r.delivery_date = cast(:d as date)) "
        "order by r.delivery_date, r.feed_id",
        {"d": date},
    )
    _emit(rows, FEED_COLUMNS, format, "feed deliveries")


def summary(as_of: dt.date) -> None:
    """The short end-of-run summary: feeds, rows, alerts by model, where to look next."""
    from tianyan.warehouse.conn import redact, warehouse_url

    f = _rows(
        "select count(*) filter (where status = 'LOADED') as loaded_feeds, "
        "count(*) filter (where status = 'REJECTED') as rejected, "
        "count(*) filter (where status = 'NO_DELIVERY') as no_delivery, "
        "coalesce(string_agg(feed_id, ', ' order by feed_id) filter (where status = 'MISSING'), '') as missing, "
        "count(*) filter (where status = 'FAILED') as failed, coalesce(sum(delivered), 0) as delivered, "
        "coalesce(sum(loaded), 0) as loaded, coalesce(sum(quarantined), 0) as quarantined, "
        "coalesce(sum(collapsed), 0) as collapsed from meta.feed_runs where delivery_date = :d",
        {"d": as_of},
    )[0]
    a = _rows(
        "select model_id, count(*) as alerts, coalesce(sum(amount), 0) as amount from alerts.alert "
        "where status <> 'RESOLVED' group by model_id order by model_id"
    )
    out = Console()
    out.print(f"\n[bold]天眼 tianyan — daily cycle {as_of}[/]")
    out.print(f"feeds loaded: {f['loaded_feeds']} (rejected {f['rejected']}, failed {f['failed']}, "
              f"no delivery {f['no_delivery']}); "
              f"rows delivered {f['delivered']:,} = loaded {f['loaded']:,} + quarantined {f['quarantined']:,} "
              f"+ collapsed {f['collapsed']:,}")
    if f["missing"]:
        out.print(f"[red]missing[/] (daily feeds not delivered): {f['missing']}")
    t = Table(title=f"open alerts by model ({sum(r['alerts'] for r in a)} in all)")
    t.add_column("model")
    t.add_column("alerts", justify="right")
    t.add_column("amount", justify="right")
    for r in a:
        t.add_row(r["model_id"], str(r["alerts"]), f"{r['amount']:,.2f}")
    out.print(t)
    out.print("where next: `tianyan alerts --format csv`, `tianyan feeds --format table`, "
              f"quarantined rows in meta.quarantine, warehouse {redact(warehouse_url())}, "
              "Airflow UI: `make airflow-ui` (http://localhost:8080, admin/admin)")


@app.command()
def dictionary() -> None:
    """Regenerate docs/data-dictionary.md from the registry, the warehouse catalog and the models."""
    from tianyan.warehouse.dictionary import write
    from tianyan.warehouse.migrate import migrate as do_migrate

    do_migrate()
    print(write())


@app.command("data-docs")
def data_docs_cmd() -> None:
    """Render the Data Docs pages of the validations recorded since the last build (each delivery records
    its result; the department DAGs build once per run) and print the site's index."""
    from tianyan.ingest.validate import build_data_docs

    index = build_data_docs()
    print(index if index else "Data Docs: nothing new to render")


@app.command()
def report(
    as_of: Annotated[str, typer.Option("--as-of", help="Business date YYYY-MM-DD")],
    out: Annotated[Path | None, typer.Option(help="Output folder (default .tianyan/reports)")] = None,
) -> None:
    """Refresh the marts (lifecycle, risk index, feed health) and write the daily HTML report."""
    from tianyan.alerts.report import write_report
    from tianyan.scoring.marts import refresh

    d = parse_date(as_of)
    refresh(d)
    print(write_report(d, out))


@app.command()
def evaluate(
    drop: Annotated[str, typer.Option(help="Synthetic city drop folder (answer_key.csv, manifest.json)")],
    load: Annotated[bool, typer.Option(help="First run the drop's first date through the DAGs")] = False,
    format: Annotated[str, typer.Option("--format", help="csv or table")] = "table",
) -> None:
    """Recall and precision of every model against the synthetic city's answer key."""
    from tianyan.scoring.evaluate import evaluate as do_evaluate
    from tianyan.scoring.evaluate import read_as_of

    if load:
        from tianyan.orchestration.inprocess import run_dates

        run_dates(drop, [read_as_of(drop)], scoring=False)
    report = do_evaluate(drop)
    cols = ["model_id", "positives", "found", "missed", "near_misses", "near_misses_flagged", "other_alerts",
            "recall", "precision"]
    _emit(report.to_dict("records"), cols, format, "model evaluation")
    perfect = ((report["missed"] == 0) & (report["near_misses_flagged"] == 0) & (report["other_alerts"] == 0)).sum()
    console.print(f"{perfect} of {len(report)} models: every planted positive found, nothing else flagged")
    if perfect < len(report):
        raise typer.Exit(1)


@exchange_app.command("serve")
def exchange_serve(
    drop: Annotated[str, typer.Option(help="Exchange drop folder")],
    port: Annotated[int, typer.Option(help="HTTP port")] = 8765,
    token: Annotated[str | None, typer.Option(envvar="TIANYAN_EXCHANGE_TOKEN", help="Bearer token")] = None,
    host: Annotated[str, typer.Option(help="Interface to bind (0.0.0.0 inside a container)")] = "127.0.0.1",
) -> None:
    """Serve the drop folder's http feeds as the paged API and load its database feeds.

    Prints the token, the connection variables to give the Airflow components (scheduler, workers,
    triggerer) and a ready line; Ctrl-C stops it. `make airflow-ui` starts one by itself."""
    import json
    import secrets

    from tianyan.synth.exchange import serve
    from tianyan.warehouse.conn import exchange_url

    root = Path(drop).resolve()
    try:
        dates = json.loads((root / "manifest.json").read_text(encoding="utf-8")).get("dates") or []
    except (OSError, ValueError):
        dates = []

    def ready(server, connections: dict[str, str]) -> None:
        # The simulator's own random token: printed on purpose, the tasks need it (it guards nothing else).
        print(f"# token: {server.token}")
        print("# connections for the Airflow components (environment of scheduler, workers and triggerer):")
        for name, value in connections.items():
            print(f"export {name}='{value}'")
        print(f"export TIANYAN_LANDING='{root}'")
        print(f"tianyan exchange: ready at {server.base_url}, serving {root} (dates {', '.join(dates) or 'none'}); "
              "Ctrl-C stops.", flush=True)

    serve(root, port=port, host=host, token=token or secrets.token_urlsafe(16), db_url=exchange_url(),
          on_ready=ready)


from tianyan.scoring.cli import register as _register_rules  # noqa: E402 - tune, rules history / rollback

_register_rules(app)
# The point-of-payment screening service (tianyan/screen, docs/screening.md).
from tianyan.screen import cli as _screen_cli  # noqa: E402

app.command("serve")(_screen_cli.serve)
app.command("screen")(_screen_cli.screen)
app.add_typer(_screen_cli.keys_app, name="screen-keys")


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app()


if __name__ == "__main__":
    main()
