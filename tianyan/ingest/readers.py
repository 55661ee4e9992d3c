"""Read delivered files into a frame of raw text values, one row per delivered row.

Every value stays text exactly as delivered (empty -> None) so that quarantine can keep the raw
values and normalisation decides types. Two bookkeeping columns name the origin of each row:
``_source_file`` and ``_row_no`` (1-based data row in that file; item index for JSON pages).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tianyan.registry import FeedSpec

SOURCE_FILE = "_source_file"
ROW_NO = "_row_no"
# Text of a CSV line with the wrong number of fields (its values are all None); only present when a
# delivery has such lines. The pipeline quarantines them under rule `malformed`.
MALFORMED = "_malformed"
ORIGIN_COLUMNS = (SOURCE_FILE, ROW_NO, MALFORMED)


class UnreadableDelivery(Exception):
    """A delivered file that cannot be read at all (the whole delivery is rejected)."""


def _text(v) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S") if (v.hour or v.minute or v.second) else v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return format(v, "f")
    s = str(v)
    return s if s != "" else None


def _frame_from_arrow(table: pa.Table) -> pd.DataFrame:
    cols = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_timestamp(col.type):
            # %S prints fractional seconds for sub-second units: cut to whole seconds first.
            col = pa.compute.strftime(col.cast(pa.timestamp("s", col.type.tz)), format="%Y-%m-%d %H:%M:%S")
        elif not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            col = col.cast(pa.string())
        cols[name] = col
    # Straight to object columns holding str / None (one conversion; to_pandas would build pandas'
    # string dtype first and the frame would then be converted again).
    n = table.num_rows
    return pd.DataFrame(
        {name: pd.Series(np.asarray(col.to_numpy(zero_copy_only=False), dtype=object), dtype=object, copy=False)
         for name, col in cols.items()},
        index=pd.RangeIndex(n),
    )


def _no_row_text(message: str) -> str:
    """Arrow's parse errors quote the offending line: personal data must not reach logs or feed_runs."""
    return re.sub(r"(Expected \d+ columns, got \d+):.*", r"\1", str(message), flags=re.S)


def read_csv(path: Path, encoding: str) -> pd.DataFrame:
    header = _all_text(path, encoding)
    malformed: list[str] = []

    def on_invalid(row) -> str:  # a line with the wrong number of fields: keep it for quarantine
        malformed.append(row.text)
        return "skip"

    try:
        # All columns as text: pandas/pyarrow type guessing loses leading zeros in codes.
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=encoding, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=header, strings_can_be_null=True, quoted_strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError) as exc:
        raise UnreadableDelivery(f"{path.name}: not a readable {encoding} csv ({_no_row_text(exc)})") from exc
    frame = _frame_from_arrow(table)
    if malformed:
        frame = _with_malformed(path, encoding, frame, malformed, len(header))
    return frame


def _with_malformed(path: Path, encoding: str, frame: pd.DataFrame, malformed: list[str], width: int) -> pd.DataFrame:
    """Put the skipped lines back at their row numbers, values None and their text in MALFORMED.

    Arrow does not report where a skipped line was, so the lines are counted again here the way Arrow
    reads them (one record per non-empty line; the header is line 0). When the recount disagrees with
    what Arrow parsed, the file is refused rather than quarantined under wrong row numbers."""
    bad_rows: list[int] = []
    record = 0
    with open(path, encoding=encoding, newline="") as fh:
        next(fh, None)  # header
        for line in fh:
            text = line.rstrip("\r\n")
            if not text:
                continue
            record += 1
            if len(next(csv.reader([text]), [])) != width:
                bad_rows.append(record)
    if len(bad_rows) != len(malformed) or record != len(frame) + len(malformed):
        raise UnreadableDelivery(f"{path.name}: {len(malformed)} line(s) with a wrong number of fields that "
                                 "could not be located (line breaks inside values?)")
    bad = np.asarray(bad_rows, dtype=np.int64)
    good = np.setdiff1d(np.arange(1, record + 1, dtype=np.int64), bad, assume_unique=True)
    frame[ROW_NO] = good
    extra = pd.DataFrame({c: pd.Series([None] * len(bad), dtype=object) for c in frame.columns if c != ROW_NO})
    extra[ROW_NO] = bad
    extra[MALFORMED] = pd.Series(malformed, dtype=object)
    frame[MALFORMED] = pd.Series(None, index=frame.index, dtype=object)
    return pd.concat([frame, extra], ignore_index=True).sort_values(ROW_NO, kind="stable", ignore_index=True)


def _all_text(path: Path, encoding: str) -> dict[str, pa.DataType]:
    with open(path, encoding=encoding, newline="") as fh:
        header = next(csv.reader(fh), [])
    return {h: pa.string() for h in header}


def read_xlsx(path: Path) -> pd.DataFrame:
    from python_calamine import CalamineWorkbook

    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise UnreadableDelivery(f"{path.name}: not a readable xlsx ({exc})") from exc
    if not rows:
        return pd.DataFrame()
    header = [str(h).strip() for h in rows[0]]
    body = [[_text(v) for v in r] for r in rows[1:] if any(v not in ("", None) for v in r)]
    return pd.DataFrame(body, columns=header, dtype=object)


def read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnreadableDelivery(f"{path.name}: not a readable parquet file ({exc})") from exc
    return _frame_from_arrow(table)


def read_json_page(path: Path) -> pd.DataFrame:
    try:
        doc = json.loads(path.read_bytes())
        items = doc["items"]
    except (ValueError, KeyError, TypeError) as exc:
        raise UnreadableDelivery(f"{path.name}: not a JSON page with items ({exc})") from exc
    if not items:
        return pd.DataFrame()
    keys: list[str] = []
    for it in items:
        for k in it:
            if k not in keys:
                keys.append(k)
    return pd.DataFrame([[_text(it.get(k)) for k in keys] for it in items], columns=keys, dtype=object)


def read_file(feed: FeedSpec, path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # database extracts (rows.csv) are always utf-8; file feeds use their declared encoding
        enc = "utf-8" if feed.delivery.transport == "database" else feed.delivery.encoding
        return read_csv(path, "gb18030" if enc == "gbk" else enc)
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix == ".parquet":
        return read_parquet(path)
    if suffix == ".json":
        return read_json_page(path)
    raise UnreadableDelivery(f"{path.name}: unsupported file type")


def read_delivery(feed: FeedSpec, files: list[Path]) -> pd.DataFrame:
    """All files of one delivery, concatenated, with origin columns."""
    frames = []
    for path in files:
        df = read_file(feed, path)
        df[SOURCE_FILE] = pd.Series(np.full(len(df), path.name, dtype=object), index=df.index, dtype=object)
        if ROW_NO not in df.columns:
            df[ROW_NO] = np.arange(1, len(df) + 1, dtype=np.int64)
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=[*feed.column_names, SOURCE_FILE, ROW_NO])
    out = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True, sort=False)
    if not isinstance(out.index, pd.RangeIndex) or out.index.start != 0:
        out = out.reset_index(drop=True)
    cast = {c: object for c in out.columns if c != ROW_NO and out[c].dtype != object}
    return out.astype(cast) if cast else out
