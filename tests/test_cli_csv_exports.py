"""CSV exports cannot carry a formula into a spreadsheet (OWASP CSV injection): text cells starting with
= + - @ (or a tab / carriage return) are quoted with a leading apostrophe; numbers stay numbers and the
CSV columns stay as they are. Table output prints delivered text literally (no rich markup)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import sqlalchemy as sa
from typer.testing import CliRunner

from tianyan import cli

HOSTILE = ['=HYPERLINK("http://x","click")', "+1+2", "-2+3", "@SUM(1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"]


def test_text_cells_that_spreadsheets_would_run_are_neutralised():
    for v in HOSTILE:
        assert cli.csv_cell(v) == "'" + v
    assert cli.csv_cell(Decimal("-5.00")) == Decimal("-5.00")  # a negative amount stays a number
    assert cli.csv_cell(-3) == -3 and cli.csv_cell(dt.date(2024, 1, 1)) == dt.date(2024, 1, 1)
    assert cli.csv_cell("plain") == "plain" and cli.csv_cell(None) == ""


def test_alerts_and_feeds_csv_exports(warehouse_url, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", warehouse_url)
    eng = sa.create_engine(warehouse_url)
    with eng.begin() as conn:
        conn.execute(sa.text(
            "insert into alerts.alert (alert_id, model_id, subject_kind, subject_id, evidence_key, region_code, severity,"
            " amount, first_seen, last_seen) values ('csv-x', 'ZZ01', 'unit', :s, '', :r, 'high', -5.00,"
            " '2024-01-01', '2024-01-02')"), {"s": HOSTILE[0], "r": HOSTILE[3]})
        conn.execute(sa.text(
            "insert into meta.feed_runs (feed_id, delivery_date, status, reason) values"
            " ('audit.findings', '2031-01-01', 'REJECTED', :r)"), {"r": HOSTILE[6]})
    try:
        runner = CliRunner()
        out = runner.invoke(cli.app, ["alerts", "--format", "csv", "--model", "ZZ01"])
        assert out.exit_code == 0, out.output
        rows = list(csv.reader(io.StringIO(out.stdout)))
        assert rows[0] == cli.ALERT_COLUMNS
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["subject_id"] == "'" + HOSTILE[0] and row["region_code"] == "'" + HOSTILE[3]
        assert row["amount"] == "-5.00"  # a number, not quoted
        out = runner.invoke(cli.app, ["feeds", "--format", "csv", "--date", "2031-01-01"])
        rows = list(csv.reader(io.StringIO(out.stdout)))
        assert rows[0] == cli.FEED_COLUMNS
        assert dict(zip(rows[0], rows[1], strict=True))["reason"] == "'" + HOSTILE[6]
        table = runner.invoke(cli.app, ["alerts", "--model", "ZZ01"], env={"COLUMNS": "300"})
        assert table.exit_code == 0
    finally:
        with eng.begin() as conn:
            conn.execute(sa.text("delete from alerts.alert where alert_id = 'csv-x'"))
            conn.execute(sa.text("delete from meta.feed_runs where delivery_date = '2031-01-01'"))
        eng.dispose()


def test_table_output_prints_markup_as_text(capsys):
    cli._emit([{"a": "[bold red]x[/] [link=https://evil]y[/link]"}], ["a"], "table", "t")
    out = capsys.readouterr().out
    assert "[bold red]x[/]" in out and "[link=https://evil]" in out
