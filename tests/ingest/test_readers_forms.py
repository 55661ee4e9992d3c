"""Readers on deliveries written here (not by tianyan.synth), in every form the contract allows:
parquet date/timestamp types of every unit with or without a zone, xlsx cells typed as dates, numbers
and booleans, JSON numbers; and precise refusals (UnreadableDelivery) for wrong encodings, broken
layouts and huge lines, never quoting a row."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from citylib import write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tianyan.ingest import readers
from tianyan.ingest.normalise import normalise
from tianyan.registry import ColumnSpec, Delivery, FeedSpec, load_feeds

SECRET = "张三"  # never in a refusal; its UTF-8 bytes also decode as GB 18030 (the mojibake trap)


def feed(fmt: str, *columns: tuple[str, str], transport: str = "file", encoding: str = "utf-8") -> FeedSpec:
    return FeedSpec(id="test.readers", title="readers", key=(columns[0][0],),
                    delivery=Delivery(transport=transport, format=fmt, encoding=encoding, mode="append",
                                      cadence="daily"),
                    columns=tuple(ColumnSpec.parse(n, t) for n, t in columns))


def read_norm(f: FeedSpec, path: Path) -> pd.DataFrame:
    raw = readers.read_delivery(f, [path])
    out, fails = normalise(f, raw)
    assert fails.empty, fails.to_dict("records")
    return out


# --- parquet ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "UTC", "Asia/Shanghai", "America/New_York", "+05:30"])
def test_parquet_timestamps_of_every_unit_and_zone(tmp_path, unit, tz):
    f = feed("parquet", ("id", "string!"), ("at", "timestamp!"), ("day", "date"))
    instant = dt.datetime(2024, 7, 12, 11, 0, 58, 123456, tzinfo=dt.UTC)
    if tz is None:  # zone-less: wall time in Shanghai
        at = pa.array([dt.datetime(2024, 7, 12, 19, 0, 58, 123456)], pa.timestamp(unit))
    else:
        at = pa.array([instant], pa.timestamp(unit, "UTC")).cast(pa.timestamp(unit, tz))
    # a date written as a timestamp at Shanghai midnight (pandas / Spark do this)
    midnight = dt.datetime(2024, 7, 12) if tz is None else dt.datetime(2024, 7, 11, 16, tzinfo=dt.UTC)
    day = pa.array([midnight], pa.timestamp(unit)) if tz is None else \
        pa.array([midnight], pa.timestamp(unit, "UTC")).cast(pa.timestamp(unit, tz))
    pq.write_table(pa.table({"id": ["a"], "at": at, "day": day}), tmp_path / "x.parquet")
    out = read_norm(f, tmp_path / "x.parquet")
    frac = {"s": "", "ms": ".123", "us": ".123456", "ns": ".123456"}[unit]
    assert out["at"].tolist() == [f"2024-07-12 19:00:58{frac}+08:00"]
    assert out["day"].tolist() == ["2024-07-12"]


def test_parquet_dates_decimals_numbers_bools_dictionaries(tmp_path):
    f = feed("parquet", ("id", "string!"), ("d32", "date"), ("d64", "date"), ("amount", "decimal"),
             ("ratio", "decimal"), ("n", "int"), ("flag", "bool"))
    table = pa.table({
        "id": pa.array(["a", "b", "a"]).dictionary_encode(),
        "d32": pa.array([dt.date(2024, 7, 12), None, dt.date(1, 1, 1)], pa.date32()),
        "d64": pa.array([dt.date(2024, 7, 12), dt.date(1999, 12, 31), None], pa.date64()),
        "amount": pa.array([Decimal("12345678901234.50"), None, Decimal("-0.01")], pa.decimal128(18, 2)),
        "ratio": pa.array([0.1, 1e20, 1e-7]),
        "n": pa.array([1, None, -9223372036854775807], pa.int64()),
        "flag": pa.array([True, False, None]),
    })
    pq.write_table(table, tmp_path / "x.parquet")
    out = read_norm(f, tmp_path / "x.parquet")
    assert out["id"].tolist() == ["a", "b", "a"]
    assert out["d32"].tolist() == ["2024-07-12", None, "0001-01-01"]
    assert out["d64"].tolist() == ["2024-07-12", "1999-12-31", None]
    assert out["amount"].tolist() == ["12345678901234.50", None, "-0.01"]
    assert out["ratio"].tolist() == ["0.1", "100000000000000000000", "0.0000001"]
    assert out["n"].tolist() == ["1", None, "-9223372036854775807"]
    assert out["flag"].tolist() == ["true", "false", None]


def test_parquet_with_a_nested_column_is_refused_with_its_name(tmp_path):
    pq.write_table(pa.table({"id": ["a"], "tags": pa.array([["x"]])}), tmp_path / "x.parquet")
    with pytest.raises(readers.UnreadableDelivery, match=r"x.parquet: column 'tags' has type list"):
        readers.read_parquet(tmp_path / "x.parquet")


# --- xlsx ------------------------------------------------------------------------------------------


def write_xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_xlsx_cells_typed_as_dates_numbers_and_booleans(tmp_path):
    f = feed("xlsx", ("id", "string!"), ("day", "date"), ("at", "timestamp"), ("amount", "decimal"),
             ("year", "int"), ("flag", "bool"), ("code", "string"))
    path = write_xlsx(tmp_path / "x.xlsx", [
        ["id", "day", "at", "amount", "year", "flag", "code"],
        ["a", dt.date(2024, 7, 12), dt.datetime(2024, 7, 12, 19, 0, 58), 1234.5, 2024, True, "007"],
        ["b", dt.datetime(2024, 7, 12), dt.datetime(2024, 7, 12, 19, 0, 58, 500000), 0.1, 2024.0, False, 7],
        ["c", "2024/07/12", "2024-07-12T19:00:58+08:00", "1,234.50", "2024", "是", None],
    ])
    out = read_norm(f, path)
    assert out["day"].tolist() == ["2024-07-12"] * 3
    assert out["at"].tolist() == ["2024-07-12 19:00:58+08:00", "2024-07-12 19:00:58.5+08:00",
                                  "2024-07-12 19:00:58+08:00"]
    assert out["amount"].tolist() == ["1234.5", "0.1", "1234.50"]
    assert out["year"].tolist() == ["2024"] * 3
    assert out["flag"].tolist() == ["true", "false", "true"]
    assert out["code"].tolist() == ["007", "7", None]


def test_xlsx_with_a_title_row_is_refused_with_a_reason(tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", [[f"{SECRET}的补贴名单"], ["id", "amount"], ["a", 1]])
    with pytest.raises(readers.UnreadableDelivery) as exc:
        readers.read_xlsx(path)
    msg = str(exc.value)
    assert "x.xlsx" in msg and "sheet row 1" in msg and "title row" in msg and SECRET not in msg


def test_xlsx_layout_quirks_that_lose_nothing(tmp_path):
    # a blank first row, an empty row between data rows, a formatted but empty trailing column
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([])
    ws.append(["id", "amount"])
    ws.append(["a", 1])
    ws.append([])
    ws.append(["b", 2])
    ws.cell(row=6, column=4).number_format = "0.00"
    ws.cell(row=6, column=4).value = None
    wb.save(tmp_path / "x.xlsx")
    raw = readers.read_xlsx(tmp_path / "x.xlsx")
    assert list(raw.columns[:2]) == ["id", "amount"] and raw["id"].tolist() == ["a", "b"]
    assert raw[readers.ROW_NO].tolist() == [1, 3]  # data rows below the header, the empty one counted


def test_xlsx_with_duplicate_or_missing_names_is_refused(tmp_path):
    with pytest.raises(readers.UnreadableDelivery, match="column 'id' delivered more than once"):
        readers.read_xlsx(write_xlsx(tmp_path / "d.xlsx", [["id", "id"], ["a", "b"]]))
    with pytest.raises(readers.UnreadableDelivery, match="empty column name"):
        readers.read_xlsx(write_xlsx(tmp_path / "e.xlsx", [["id", None, "x"], ["a", "b", "c"]]))


def test_a_file_that_is_not_xlsx_is_refused(tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(readers.UnreadableDelivery, match="x.xlsx: not a readable xlsx"):
        readers.read_xlsx(tmp_path / "x.xlsx")


# --- json ------------------------------------------------------------------------------------------


def test_json_numbers_are_exact_decimals_and_nan_is_not_a_null(tmp_path):
    f = feed("json", ("id", "string!"), ("amount", "decimal"), ("n", "int"), ("flag", "bool"),
             ("at", "timestamp"), transport="http")
    page = tmp_path / "page-1.json"
    page.write_text('{"items": [{"id": "a", "amount": 12345678901234567.89, "n": 12, "flag": true,'
                    ' "at": "2024-07-12T19:00:58+08:00"}, {"id": "b", "amount": "1234.50", "n": 3.0, "flag": 0,'
                    ' "at": null}, {"id": "c", "amount": NaN, "n": 1e3}], "next_page": null}', encoding="utf-8")
    raw = readers.read_delivery(f, [page])
    out, fails = normalise(f, raw)
    assert out["amount"].tolist() == ["12345678901234567.89", "1234.50", None]
    assert out["n"].tolist() == ["12", "3", "1000"]
    assert out["flag"].tolist() == ["true", "false", None]
    assert out["at"].tolist() == ["2024-07-12 19:00:58+08:00", None, None]
    assert fails[["row", "column"]].values.tolist() == [[2, "amount"]]  # NaN: a type failure, not a null


@pytest.mark.parametrize("body,reason", [
    ('{"items": {"id": "a"}}', "not a JSON page"),
    ('{"items": ["a", "b"]}', "item 1 is not an object"),
    ("[1, 2]", "not a JSON page"),
    ('{"items": [{"id": "' + SECRET, "not JSON"),
])
def test_broken_json_pages_are_refused_with_a_reason(tmp_path, body, reason):
    (tmp_path / "page-1.json").write_text(body, encoding="utf-8")
    with pytest.raises(readers.UnreadableDelivery, match=reason) as exc:
        readers.read_json_page(tmp_path / "page-1.json")
    assert SECRET not in str(exc.value)


def test_a_gbk_json_page_is_refused(tmp_path):
    (tmp_path / "page-1.json").write_bytes(json.dumps({"items": [{"id": SECRET}]}, ensure_ascii=False)
                                           .encode("gbk"))
    with pytest.raises(readers.UnreadableDelivery, match="not UTF-8"):
        readers.read_json_page(tmp_path / "page-1.json")


# --- encodings -------------------------------------------------------------------------------------

PAYMENTS = load_feeds()["civil_affairs.assistance_payments"]  # utf-8
ASSETS = load_feeds()["agriculture.collective_assets"]  # gbk
ASSET_ROWS = [["A1", "522622001001", "FARMLAND", "1.5", "100"], ["A2", "522622001001", "POND", "2", SECRET]]


def test_a_gbk_file_for_a_utf8_feed_is_refused_never_decoded(tmp_path):
    path = tmp_path / "p.csv"
    write_csv(path, PAYMENTS.column_names, [["P1", "x", "TEKUN", "2024-01", "1", "2024-01-05", SECRET, "r"]],
              encoding="gbk")
    with pytest.raises(readers.UnreadableDelivery) as exc:
        readers.read_file(PAYMENTS, path)
    msg = str(exc.value)
    assert "p.csv: declared utf-8" in msg and "line 2" in msg and "GBK" in msg and SECRET not in msg


def test_a_utf8_file_declared_gbk_is_recognised_not_loaded_as_mojibake(tmp_path):
    path = tmp_path / "a.csv"
    write_csv(path, ASSETS.column_names, ASSET_ROWS, encoding="utf-8")
    assert path.read_bytes().decode("gb18030")  # the trap: it decodes as GB 18030 without an error
    with pytest.raises(readers.UnreadableDelivery, match="a.csv: declared gbk but the file is UTF-8"):
        readers.read_file(ASSETS, path)


def test_genuine_gbk_and_utf8_with_a_byte_order_mark_are_read(tmp_path):
    write_csv(tmp_path / "g.csv", ASSETS.column_names, ASSET_ROWS, encoding="gbk")
    assert readers.read_file(ASSETS, tmp_path / "g.csv")["book_value"].tolist() == ["100", SECRET]
    write_csv(tmp_path / "b.csv", PAYMENTS.column_names, [["P1", "x", "T", "2024-01", "1", "d", SECRET, "r"]],
              encoding="utf-8-sig")
    raw = readers.read_file(PAYMENTS, tmp_path / "b.csv")
    assert list(raw.columns) == PAYMENTS.column_names and raw["bank_account"].tolist() == [SECRET]


def test_a_gbk_file_with_bytes_that_are_not_gbk_is_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(",".join(ASSETS.column_names).encode() + b"\nA1,522622001001,FARMLAND,1,\xff\xff\n")
    with pytest.raises(readers.UnreadableDelivery, match=r"a.csv: declared gbk but byte \d+ \(line 2\) is not gbk"):
        readers.read_file(ASSETS, path)


def test_utf16_is_named(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(",".join(PAYMENTS.column_names).encode("utf-16"))
    with pytest.raises(readers.UnreadableDelivery, match="the file is UTF-16"):
        readers.read_file(PAYMENTS, path)


# --- csv layout --------------------------------------------------------------------------------------


def test_a_50_mb_field_is_read(tmp_path):
    path = tmp_path / "p.csv"
    write_csv(path, ["a", "b"], [["1", "x" * (50 << 20)], ["2", "y"]])
    raw = readers.read_csv(path, "utf-8")
    assert raw["a"].tolist() == ["1", "2"] and len(raw["b"][0]) == 50 << 20


def test_a_line_beyond_the_limit_is_refused_cleanly(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 1 << 16)
    monkeypatch.setattr(readers, "CSV_MAX_LINE_BYTES", 1 << 18)
    path = tmp_path / "p.csv"
    write_csv(path, ["a", "b"], [["1", SECRET * (1 << 17)], ["2", "y"]])
    with pytest.raises(readers.UnreadableDelivery, match="p.csv: a line is longer than") as exc:
        readers.read_csv(path, "utf-8")
    assert SECRET not in str(exc.value)


def test_duplicate_and_empty_header_names_are_refused(tmp_path):
    write_csv(tmp_path / "d.csv", ["a", "b", "a"], [["1", "2", "3"]])
    with pytest.raises(readers.UnreadableDelivery, match="column 'a' delivered more than once"):
        readers.read_csv(tmp_path / "d.csv", "utf-8")
    write_csv(tmp_path / "e.csv", ["a", "", "c"], [["1", "2", "3"]])
    with pytest.raises(readers.UnreadableDelivery, match="empty column name"):
        readers.read_csv(tmp_path / "e.csv", "utf-8")
    (tmp_path / "z.csv").write_bytes(b"")
    with pytest.raises(readers.UnreadableDelivery, match="z.csv: empty file"):
        readers.read_csv(tmp_path / "z.csv", "utf-8")


# --- property: any mix of formats and forms reads to the same canonical values -----------------------

FORM_FEED = feed("csv", ("id", "string!"), ("at", "timestamp!"), ("day", "date!"), ("amount", "decimal!"),
                 ("flag", "bool"))
rows_strategy = st.lists(st.tuples(
    st.datetimes(dt.datetime(1992, 1, 1), dt.datetime(2100, 1, 1)).map(lambda d: d.replace(microsecond=0)),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False),
    st.one_of(st.none(), st.booleans())), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, fmt=st.sampled_from(["csv", "csv-gbk", "xlsx", "parquet", "json"]),
       style=st.sampled_from(["plain", "iso-z", "iso-offset", "typed"]))
def test_any_format_and_form_reads_to_the_same_values(tmp_path, rows, fmt, style):
    shanghai = dt.timezone(dt.timedelta(hours=8))
    expected = {"at": [a.strftime("%Y-%m-%d %H:%M:%S+08:00") for a, _, _, _ in rows],
                "day": [d.isoformat() for _, d, _, _ in rows],
                "amount": [x for _, _, x, _ in rows],
                "flag": [None if b is None else ("true" if b else "false") for *_, b in rows]}

    def at_text(a):
        if style == "iso-z":
            return a.replace(tzinfo=shanghai).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if style == "iso-offset":
            return a.replace(tzinfo=shanghai).astimezone(dt.timezone(dt.timedelta(hours=-3))).isoformat()
        return a.strftime("%Y-%m-%d %H:%M:%S")

    ids = [f"r{i}" for i in range(len(rows))]
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one folder per example (the fixture is per test)
    typed = style == "typed"
    if fmt.startswith("csv"):
        enc = "gbk" if fmt == "csv-gbk" else "utf-8"
        f = feed("csv", *((c.name, c.notation) for c in FORM_FEED.columns), encoding=enc)
        path = folder / "x.csv"
        write_csv(path, f.column_names, [[i, at_text(a), d.isoformat(), f"{x:,}", "" if b is None else
                                          ("是" if b else "否") if enc == "gbk" else str(b)]
                                         for i, (a, d, x, b) in zip(ids, rows, strict=True)], encoding=enc)
    elif fmt == "xlsx":
        f = feed("xlsx", *((c.name, c.notation) for c in FORM_FEED.columns))
        path = write_xlsx(folder / "x.xlsx", [f.column_names] + [
            [i, a if typed else at_text(a), d if typed else d.isoformat(), float(x) if typed and x == x.normalize()
             and abs(x) < 10**6 else str(x), b] for i, (a, d, x, b) in zip(ids, rows, strict=True)])
        if typed:
            expected["amount"] = [x for _, _, x, _ in rows]
    elif fmt == "parquet":
        f = feed("parquet", *((c.name, c.notation) for c in FORM_FEED.columns))
        at = pa.array([a for a, *_ in rows], pa.timestamp("us")) if typed else pa.array([at_text(a) for a, *_ in rows])
        day = pa.array([d for _, d, *_ in rows], pa.date32()) if typed else pa.array([d.isoformat() for _, d, *_ in rows])
        path = folder / "x.parquet"
        pq.write_table(pa.table({"id": ids, "at": at, "day": day,
                                 "amount": pa.array([x for _, _, x, _ in rows], pa.decimal128(12, 2)),
                                 "flag": pa.array([b for *_, b in rows], pa.bool_())}), path)
    else:
        f = feed("json", *((c.name, c.notation) for c in FORM_FEED.columns), transport="http")
        path = folder / "page-1.json"
        items = [{"id": i, "at": at_text(a), "day": d.isoformat(), "amount": float(x) if typed else str(x),
                  "flag": b} for i, (a, d, x, b) in zip(ids, rows, strict=True)]
        path.write_text(json.dumps({"items": items, "next_page": None}), encoding="utf-8")
    out = read_norm(f, path)
    assert out["at"].tolist() == expected["at"]
    assert out["day"].tolist() == expected["day"]
    assert [Decimal(v) for v in out["amount"]] == [Decimal(str(float(x))) if fmt == "json" and typed else x
                                                  for x in expected["amount"]]
    assert out["flag"].tolist() == expected["flag"]
