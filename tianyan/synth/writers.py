"""Write one delivery of one feed in its declared form (csv utf-8/gbk, xlsx, parquet, paged json,
database rows.csv + table.sql). Output is byte-for-byte deterministic: no wall-clock timestamps
(xlsx zip entries and document properties are pinned), no pandas metadata in parquet.

Some feeds are written in other forms the contract allows (docs/contract.md), as departments do, so
the demo and the tests exercise them every day: ISO 8601 timestamps with an offset (JSON API) or in
UTC with Z (CSV), zoned parquet timestamps, xlsx cells typed as dates and numbers."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tianyan.registry import FeedSpec

PAGE_SIZE = 500
# Timestamp forms other than the plain 'YYYY-MM-DD HH:MM:SS' (Shanghai wall time), by feed:
#   iso_offset  2024-07-12T19:00:58+08:00 (RFC 3339, what most APIs and Java systems send)
#   iso_utc     2024-07-12T11:00:58Z
#   zoned       parquet timestamp[ms, tz=UTC] (the instant, as Spark and pandas write zoned times)
TIMESTAMP_FORMS: dict[str, str] = {
    "public_resources.bids": "iso_offset",
    "natural_resources.real_estate": "iso_utc",
    "market_regulation.enterprises": "zoned",
}
_EIGHT_HOURS = pa.scalar(8 * 3600, pa.duration("s"))
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = "2020-01-01T00:00:00Z"


def _string_table(df: pd.DataFrame, spec: FeedSpec) -> pa.Table:
    cols = {}
    for c in spec.column_names:
        s = df[c]
        if s.dtype == object:
            arr = pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        else:  # arrow-backed strings: no python objects on the way
            arr = pa.array(s, from_pandas=True)
            if arr.type != pa.string():
                arr = arr.cast(pa.string())
        cols[c] = arr
    return pa.table(cols)


def _typed(arr: pa.Array, typ: str, zoned: bool = False) -> pa.Array:
    if typ in ("string", "enum"):
        return arr
    if typ == "int":
        return pc.cast(arr, pa.int64())
    if typ == "decimal":
        return pc.cast(arr, pa.decimal128(18, 2))
    if typ == "date":
        return pc.cast(pc.strptime(arr, "%Y-%m-%d", "s"), pa.date32())
    if typ == "timestamp":
        wall = pc.strptime(arr, "%Y-%m-%d %H:%M:%S", "s")
        if zoned:  # the instant: Shanghai wall time - 8 h, stored as UTC
            return pc.subtract(wall, _EIGHT_HOURS).cast(pa.timestamp("ms", "UTC"))
        return wall
    if typ == "bool":
        return pc.equal(arr, "true")
    raise ValueError(typ)


def _wall_times(arr: pa.Array) -> pa.Array:
    """Canonical 'YYYY-MM-DD HH:MM:SS' text -> timestamp[s] (null where it is not one: planted bad values)."""
    return pc.strptime(arr, "%Y-%m-%d %H:%M:%S", "s", error_is_null=True)


def _timestamp_form(arr: pa.Array, form: str) -> pa.Array:
    """A timestamp column written in one of TIMESTAMP_FORMS (values that are not timestamps stay as they are)."""
    wall = _wall_times(arr)
    if form == "iso_offset":
        text = pc.binary_join_element_wise(pc.strftime(wall, "%Y-%m-%dT%H:%M:%S"), pa.scalar("+08:00"), "")
    elif form == "iso_utc":
        utc = pc.subtract(wall, _EIGHT_HOURS)
        text = pc.binary_join_element_wise(pc.strftime(utc, "%Y-%m-%dT%H:%M:%S"), pa.scalar("Z"), "")
    else:
        raise ValueError(form)
    return pc.if_else(pc.is_valid(wall), text, arr)


def _variant_forms(spec: FeedSpec, table: pa.Table) -> pa.Table:
    form = TIMESTAMP_FORMS.get(spec.id)
    if form is None or form == "zoned":
        return table
    for i, c in enumerate(spec.columns):
        if c.type == "timestamp":
            table = table.set_column(i, c.name, _timestamp_form(table.column(c.name).combine_chunks(), form))
    return table


def _xlsx_cell(value: str | None, typ: str):
    """xlsx cells typed the way a spreadsheet holds them: dates as date cells, whole numbers as numbers;
    anything else (text, decimals kept exact, planted bad values) stays text."""
    if value is None:
        return None
    if typ == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if typ == "int" and re.fullmatch(r"-?\d{1,15}", value):
        return int(value)
    return value


def _csv_bytes(table: pa.Table, quoting: str) -> bytes:
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=True, quoting_style=quoting))
    return sink.getvalue().to_pybytes()


def _xlsx_bytes(table: pa.Table, spec: FeedSpec) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(table.column_names)
    types = [spec.column(name).type for name in table.column_names]
    cols = [[_xlsx_cell(v, typ) for v in table.column(i).to_pylist()] for i, typ in enumerate(types)]
    for row in zip(*cols, strict=True):
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    # Re-pack with fixed entry times and pinned document timestamps (openpyxl stamps "now").
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{_FIXED_DOC_TIME}\g<3>",
                              data.decode("utf-8"))
                data = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, data)
    return out.getvalue()


def _table_sql(spec: FeedSpec) -> str:
    cols = ",\n".join(f"    {c.name} {c.source_pg_type}" for c in spec.columns)
    return f"-- informational: the front-end table the department exposes\ncreate table {spec.delivery.table} (\n{cols}\n);\n"


def write_delivery(spec: FeedSpec, df: pd.DataFrame, folder: Path) -> dict[str, int]:
    """Write df (spec columns as strings/None, already ordered) to folder. Returns {file: rows}."""
    folder.mkdir(parents=True, exist_ok=True)
    d = spec.delivery
    table = _variant_forms(spec, _string_table(df, spec))
    n = table.num_rows
    if d.transport == "database":
        (folder / "rows.csv").write_bytes(_csv_bytes(table, "needed"))
        (folder / "table.sql").write_text(_table_sql(spec), encoding="utf-8")
        return {"rows.csv": n}
    if d.transport == "http":
        files = {}
        records = table.to_pylist()
        pages = max(1, -(-n // PAGE_SIZE))
        for p in range(pages):
            items = records[p * PAGE_SIZE:(p + 1) * PAGE_SIZE]
            body = {"items": items, "next_page": p + 2 if p + 1 < pages else None}
            name = f"page-{p + 1}.json"
            (folder / name).write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            files[name] = len(items)
        return files
    if d.format == "csv":
        name = f"{spec.name}.csv"
        if d.encoding == "gbk":
            (folder / name).write_bytes(_csv_bytes(table, "all_valid").decode("utf-8").encode("gbk"))
        else:
            pacsv.write_csv(table, str(folder / name),
                            pacsv.WriteOptions(include_header=True, quoting_style="all_valid"))
        return {name: n}
    if d.format == "xlsx":
        name = f"{spec.name}.xlsx"
        (folder / name).write_bytes(_xlsx_bytes(table, spec))
        return {name: n}
    if d.format == "parquet":
        typed = pa.table({c.name: _typed(table.column(c.name).combine_chunks(), c.type,
                                         zoned=TIMESTAMP_FORMS.get(spec.id) == "zoned") for c in spec.columns})
        name = f"{spec.name}.parquet"
        pq.write_table(typed, folder / name, compression="snappy", store_schema=False)
        return {name: n}
    raise ValueError(f"{spec.id}: unsupported delivery {d}")


def file_and_row(spec: FeedSpec, files: dict[str, int], position: int) -> tuple[str, int]:
    """(file, 1-based row within that file) of the row at 0-based position of the delivery."""
    if spec.delivery.transport == "http":
        return f"page-{position // PAGE_SIZE + 1}.json", position % PAGE_SIZE + 1
    return next(iter(files)), position + 1
