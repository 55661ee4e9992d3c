"""Values that pass the text checks but that PostgreSQL cannot store (an int beyond bigint, a NUL
character in any text) are quarantined as `type` failures, naming file and row, instead of failing the
whole delivery at COPY time."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg
from citylib import write_csv

from tianyan.ingest.normalise import normalise
from tianyan.ingest.pipeline import process_delivery
from tianyan.registry import load_feeds
from tianyan.warehouse.conn import psycopg_dsn

FEED = "transport.operating_subsidies"
DAY = dt.date(2026, 11, 5)


def _row(i: int, year: str = "2026", plate: str | None = None) -> list[str]:
    return [f"P{i:04d}", plate or f"苏A{i:05d}", "ORG", "91320100MA1ABCDE0X", year, "100.00", "2026-11-01"]


def test_normalise_refuses_what_postgres_cannot_store():
    feed = load_feeds()[FEED]
    rows = [_row(0, "9223372036854775807"), _row(1, "-9223372036854775808"), _row(2, "9223372036854775808"),
            _row(3, "-9223372036854775809"), _row(4, "00000000000000000000042"), _row(5, plate="苏A\x00001"),
            _row(6, "99999999999999999999.0")]
    norm, fails = normalise(feed, pd.DataFrame(rows, columns=feed.column_names, dtype=object))
    assert sorted(zip(fails["row"], fails["column"], strict=True)) == [
        (2, "subsidy_year"), (3, "subsidy_year"), (5, "plate_no"), (6, "subsidy_year")]
    assert norm["subsidy_year"].tolist()[:2] == ["9223372036854775807", "-9223372036854775808"]
    assert norm.at[4, "subsidy_year"] == "00000000000000000000042"  # leading zeros: still 42


def test_delivery_with_unstorable_values_loads_the_rest(warehouse_url, tmp_path):
    feed = load_feeds()[FEED]
    rows = [_row(i) for i in range(60)]
    rows[10] = _row(10, "99999999999999999999")
    rows[20] = _row(20, plate="苏A\x0020")
    write_csv(tmp_path / "landing" / "transport" / "operating_subsidies" / DAY.isoformat() / "subsidies.csv",
              feed.column_names, rows, encoding="gb18030" if feed.delivery.encoding == "gbk" else feed.delivery.encoding)
    result = process_delivery(feed, DAY, landing=str(tmp_path / "landing"), url=warehouse_url, work_root=tmp_path)
    assert (result.status, result.delivered, result.loaded, result.quarantined) == ("LOADED", 60, 58, 2)
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn:
        got = conn.execute("select source_file, row_no, rule, column_name from meta.quarantine where feed_id = %s "
                           "and delivery_date = %s order by row_no", (FEED, DAY)).fetchall()
        loaded = conn.execute("select count(*) from transport.operating_subsidies").fetchone()[0]
        raw = conn.execute("select raw ->> 'plate_no' from meta.quarantine where feed_id = %s and row_no = 21",
                           (FEED,)).fetchone()[0]
    # The value is gone, so the required rule fails too, as for any unparseable value.
    assert sorted(got) == [("subsidies.csv", 11, "required", "subsidy_year"), ("subsidies.csv", 11, "type", "subsidy_year"),
                           ("subsidies.csv", 21, "required", "plate_no"), ("subsidies.csv", 21, "type", "plate_no")]
    assert loaded == 58 and raw == "苏A\u240020"  # NUL kept visible as U+2400 in the quarantined raw values


def test_malformed_csv_lines_are_quarantined_at_their_row_and_the_rest_loads(warehouse_url, tmp_path):
    feed = load_feeds()[FEED]
    day = dt.date(2026, 11, 6)
    folder = tmp_path / "landing" / "transport" / "operating_subsidies" / day.isoformat()
    folder.mkdir(parents=True)
    rows = [",".join(_row(100 + i)) for i in range(60)]
    rows[4] += ",EXTRA"  # data row 5: one field too many
    rows[9] = ",".join(_row(109)[:5])  # data row 10: two fields short
    rows[30] = ",".join(_row(130, "20x6"))  # data row 31: a type failure after the malformed lines
    text = ",".join(feed.column_names) + "\n" + "\n".join(rows[:20]) + "\n\n" + "\n".join(rows[20:]) + "\n"
    (folder / "subsidies.csv").write_text(text, encoding="utf-8")  # (a blank line is not a row)
    result = process_delivery(feed, day, landing=str(tmp_path / "landing"), url=warehouse_url, work_root=tmp_path)
    assert (result.status, result.delivered, result.loaded, result.quarantined) == ("LOADED", 60, 57, 3)
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn:
        got = conn.execute("select row_no, rule, raw from meta.quarantine where feed_id = %s and delivery_date = %s"
                           " and rule <> 'required' order by row_no", (FEED, day)).fetchall()
        ids = {r[0] for r in conn.execute("select payment_id from transport.operating_subsidies__history"
                                          " where _delivery_date = %s", (day,))}
    assert [(r, rule) for r, rule, _ in got] == [(5, "malformed"), (10, "malformed"), (31, "type")]
    assert got[0][2] == {"line": rows[4]} and got[2][2]["payment_id"] == "P0130"
    assert "P0111" in ids and "P0104" not in ids and len(ids) == 57  # rows after the bad lines keep their values


def test_unreadable_csv_reasons_do_not_quote_the_line(tmp_path):
    from tianyan.ingest import readers

    assert readers._no_row_text("CSV parse error: Expected 7 columns, got 8: P1,苏A1,ORG,91320100MA1ABCDE0X") == \
        "CSV parse error: Expected 7 columns, got 8"
    path = tmp_path / "x.csv"
    # A line break inside a value plus a line with a field too many: the bad line cannot be located.
    path.write_text('a,b,c\n1,"two\nlines",3\n4,5,6,seven\n', encoding="utf-8")
    try:
        readers.read_csv(path, "utf-8")
    except readers.UnreadableDelivery as exc:
        assert "seven" not in str(exc) and "x.csv" in str(exc)
    else:
        raise AssertionError("a file whose bad lines cannot be located must be refused")
