"""CLI glue of the screening service: ``tianyan serve``, ``tianyan screen FILE`` and
``tianyan screen-keys add|list|revoke`` (registered in tianyan/cli.py)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)
keys_app = typer.Typer(help="API keys of the systems calling the screening service.", no_args_is_help=True)
RESULT_COLUMNS = ["index", "ref", "status", "model_id", "severity", "subject_kind", "evidence_key", "amount",
                  "error_field", "error_message"]


def _url() -> str:
    from tianyan.screen.app import service_url

    return service_url()


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8090,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Run the point-of-payment screening service (POST /v1/screen, /healthz, /readyz) against the
    configured warehouse ($TIANYAN_SCREEN_URL, else AIRFLOW_CONN_WAREHOUSE, else the embedded one)."""
    import uvicorn

    from tianyan.warehouse.conn import redact

    url = _url()
    console.print(f"screening service on http://{host}:{port} (warehouse {redact(url)}, role tianyan_screen)")
    if workers > 1:
        import os

        os.environ["TIANYAN_SCREEN_URL"] = url
        uvicorn.run("tianyan.screen.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level="info", access_log=False)
    else:
        from tianyan.screen.app import create_app

        uvicorn.run(create_app(url), host=host, port=port, log_level="info", access_log=False)


def read_items(path: Path) -> list:
    """Items from a JSON file (a list, or ``{"items": [...]}``) or a CSV file (one item per row,
    columns named as the item fields; empty cells are left out)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        doc = json.loads(text)
        return doc["items"] if isinstance(doc, dict) and "items" in doc else doc
    if path.suffix.lower() == ".csv":
        return [{k: v for k, v in row.items() if k and v not in (None, "")} for row in csv.DictReader(text.splitlines())]
    raise typer.BadParameter(f"{path}: give a .json or .csv file")


def screen(
    file: Annotated[Path, typer.Argument(help="items as .json or .csv", exists=True, dir_okay=False)],
    as_of: Annotated[str | None, typer.Option(help="judge as of this date (default: today, China time)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json | csv")] = "json",
) -> None:
    """Screen a file of pending transactions through the same code as the service (batch mode)."""
    from tianyan.cli import csv_cell
    from tianyan.screen.service import RequestError, Screener

    try:
        items = read_items(file)
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError) as exc:
        console.print(f"[red]{file}: not readable as items: {exc}[/red]")
        raise typer.Exit(2) from None
    s = Screener(_url(), pool_size=1)
    try:
        body = s.screen(items, as_of, key=None, channel="cli", caller="cli").body
    except RequestError as exc:
        console.print(f"[red]{exc.field}: {exc.message}[/red]")
        raise typer.Exit(2) from None
    finally:
        s.close()
    if fmt == "json":
        json.dump(body, sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        w = csv.DictWriter(sys.stdout, fieldnames=RESULT_COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in body["results"]:
            base = {"index": r["index"], "ref": r.get("ref"), "status": r["status"]}
            if r["status"] == "error":
                rows = [{**base, "error_field": r["error"]["field"], "error_message": r["error"]["message"]}]
            else:
                rows = [{**base, **{k: h[k] for k in ("model_id", "severity", "subject_kind", "evidence_key",
                                                      "amount")}} for h in r["hits"]] or [base]
            for row in rows:
                w.writerow({k: csv_cell(row.get(k)) for k in RESULT_COLUMNS})
    console.print(f"{body['items']} items: {body['items_hit']} with hits, {body['items_failed']} failed "
                  f"({body['duration_ms']} ms, as of {body['as_of']})")


def _owner_engine():
    from tianyan.warehouse.conn import engine, warehouse_url

    return engine(warehouse_url())


@keys_app.command("add")
def keys_add(
    caller: Annotated[str, typer.Argument(help="the calling system, e.g. 'civil-affairs payment system'")],
    kinds: Annotated[str, typer.Option(help="comma-separated: payment,medical_claim,procurement,enrolment")],
    regions: Annotated[str, typer.Option(help="comma-separated region-code prefixes (empty: all)")] = "",
    rate: Annotated[int | None, typer.Option(help="requests per minute (default: screen.yaml)")] = None,
) -> None:
    """Create a key; prints it once (only its hash is stored)."""
    from tianyan.screen.auth import KeyError_, add_key
    from tianyan.screen.settings import load_settings

    try:
        with _owner_engine().begin() as conn:
            key = add_key(conn, caller, [k.strip() for k in kinds.split(",") if k.strip()],
                          [r.strip() for r in regions.split(",") if r.strip()],
                          rate or load_settings().default_rate_per_minute)
    except KeyError_ as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    print(key)
    console.print("key created: give it to the calling system now, it cannot be shown again")


@keys_app.command("list")
def keys_list() -> None:
    """Keys (never their secrets) as CSV."""
    from tianyan.screen.auth import list_keys

    with _owner_engine().connect() as conn:
        rows = list_keys(conn)
    cols = ["key_id", "caller", "kinds", "regions", "rate_per_minute", "created_at", "revoked_at"]
    w = csv.DictWriter(sys.stdout, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({**r, "kinds": ",".join(r["kinds"]), "regions": ",".join(r["regions"])})


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="the key_id column of `screen-keys list`")]) -> None:
    """Revoke a key (the row stays, for the audit)."""
    from tianyan.screen.auth import KeyError_, revoke_key

    try:
        with _owner_engine().begin() as conn:
            revoke_key(conn, key_id)
    except KeyError_ as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"key {key_id} revoked")
