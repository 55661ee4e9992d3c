"""Independent readers for the test suite: every delivery read back as strings (None = null),
without using the generator's code."""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
from stdnum.cn import ric

from tianyan.registry import FeedSpec

AS_OF = dt.date(2025, 6, 30)  # a Monday: weekly snapshots arrive on the first date too
RESIDENTS = 2000
SEED = 11


def read_delivery(spec: FeedSpec, folder: Path) -> dict[str, pd.DataFrame]:
    """file name -> DataFrame of strings (None for null), in file order."""
    d = spec.delivery
    out = {}
    if d.transport == "http":
        page, n = folder / "page-1.json", 1
        while True:
            body = json.loads(page.read_text(encoding="utf-8"))
            out[page.name] = pd.DataFrame(body["items"], columns=spec.column_names, dtype=object)
            if body["next_page"] is None:
                break
            n = body["next_page"]
            page = folder / f"page-{n}.json"
        return out
    if d.transport == "database":
        f = folder / "rows.csv"
        out[f.name] = pd.read_csv(f, dtype=str, keep_default_na=False, na_values=[""]).astype(object)
    elif d.format == "csv":
        f = folder / f"{spec.name}.csv"
        text = f.read_bytes().decode(d.encoding)
        out[f.name] = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""]).astype(object)
    elif d.format == "xlsx":
        f = folder / f"{spec.name}.xlsx"
        ws = openpyxl.load_workbook(f, read_only=True).worksheets[0]
        rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
        out[f.name] = pd.DataFrame(rows[1:], columns=rows[0], dtype=object)
    elif d.format == "parquet":
        f = folder / f"{spec.name}.parquet"
        df = pq.read_table(f).to_pandas()
        for c in df.columns:
            df[c] = [None if v is None or v != v else (_wall(v).strftime("%Y-%m-%d %H:%M:%S") if hasattr(v, "hour")
                     else str(v)) for v in df[c]]
        out[f.name] = df.astype(object)
    for df in out.values():
        df.where(pd.notna(df), None, inplace=True)
        for c in spec.columns:  # ISO 8601 with an offset or Z (the generator writes some) -> wall time
            if c.type == "timestamp" and c.name in df.columns:
                df[c.name] = [v if v is None else _wall(dt.datetime.fromisoformat(v)).strftime("%Y-%m-%d %H:%M:%S")
                              for v in df[c.name]]
    return out


SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _wall(v: dt.datetime) -> dt.datetime:
    """Shanghai wall time of a date-time (a zone-less one already is)."""
    return v.astimezone(SHANGHAI).replace(tzinfo=None) if v.tzinfo is not None else v


def _cell_text(v):
    """A spreadsheet cell as the text it stands for: date cells as YYYY-MM-DD, whole numbers without .0."""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d") if v.time() == dt.time() else v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return v


def norm_id18(value):
    """Recover a resident id the way the spec allows (15-digit, lowercase x, full-width, spaces)."""
    if value is None:
        return None
    v = unicodedata.normalize("NFKC", str(value)).strip().upper()
    if len(v) == 15 and v.isdigit():
        body = v[:6] + "19" + v[6:]
        v = body + ric.calc_check_digit(body + "0")
    return v if ric.is_valid(v) else None
