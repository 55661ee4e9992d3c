"""Read delivered files into a frame of raw text values, one row per delivered row.

Every value stays text exactly as delivered (empty -> None) so that quarantine can keep the raw
values and normalisation decides types. Two bookkeeping columns name the origin of each row:
``_source_file`` and ``_row_no`` (1-based data row in that file; item index for JSON pages).
"""

from __future__ import annotations

import codecs
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


# Arrow reads CSV in blocks; a line longer than a block cannot be parsed. A file that has one is
# read again with blocks up to this size (a value this long is loaded; longer is refused).
CSV_BLOCK_BYTES = 8 << 20
CSV_MAX_LINE_BYTES = 256 << 20
_CHUNK = 16 << 20  # bytes per step of the strict decoding check


class UnreadableDelivery(Exception):
    """A delivered file that cannot be read at all (the whole delivery is rejected). The message names
    the file and says why, without quoting any row (rows hold personal data)."""


def _number_text(v: float) -> str | None:
    """A float (spreadsheet number cell, parquet double) as exact decimal text, never exponent notation."""
    if v != v:  # NaN: pandas writes a missing number as NaN
        return None
    if v in (float("inf"), float("-inf")):
        return str(v)
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return format(Decimal(repr(v)), "f")


def _text(v) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _number_text(v)
    if isinstance(v, dt.datetime):
        # Spreadsheet and JSON date-times carry no zone: wall time (Asia/Shanghai by the contract).
        if v.tzinfo is not None:
            return v.isoformat(sep=" ")
        if not (v.hour or v.minute or v.second or v.microsecond):
            return v.strftime("%Y-%m-%d")
        return v.isoformat(sep=" ", timespec="microseconds" if v.microsecond else "seconds")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, default=str)
    s = str(v)
    return s if s != "" else None


def _column_text(col: pa.ChunkedArray | pa.Array, name: str, path: Path) -> pa.Array:
    """One Arrow column as text in a form the contract accepts (tianyan.ingest.forms)."""
    typ = col.type
    if pa.types.is_dictionary(typ):
        col, typ = col.cast(typ.value_type), typ.value_type
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return col.cast(pa.string())
    if pa.types.is_timestamp(typ):
        # Every unit. A zoned column holds UTC instants: written with Z (no tz database needed); a
        # zone-less one is wall time, Asia/Shanghai by the contract. Fractions kept ("58.123").
        if typ.tz is not None:
            col = col.cast(pa.timestamp(typ.unit, "UTC"))
        return col.cast(pa.string())
    if pa.types.is_floating(typ):
        values = col.to_pylist()
        return pa.array([None if v is None else _number_text(float(v)) for v in values], type=pa.string())
    if (pa.types.is_integer(typ) or pa.types.is_decimal(typ) or pa.types.is_date(typ) or pa.types.is_boolean(typ)
            or pa.types.is_time(typ) or pa.types.is_null(typ)):
        return col.cast(pa.string())
    if pa.types.is_binary(typ) or pa.types.is_large_binary(typ):
        try:
            return col.cast(pa.string())
        except pa.ArrowInvalid:
            raise UnreadableDelivery(f"{path.name}: column {name!r} holds bytes that are not UTF-8 text") from None
    raise UnreadableDelivery(f"{path.name}: column {name!r} has type {typ}, not a value the contract allows")


def _frame_from_arrow(table: pa.Table, path: Path) -> pd.DataFrame:
    _check_header(path, table.column_names)
    cols = {name: _column_text(table.column(i), name, path) for i, name in enumerate(table.column_names)}
    # Straight to object columns holding str / None (one conversion; to_pandas would build pandas'
    # string dtype first and the frame would then be converted again).
    n = table.num_rows
    return pd.DataFrame(
        {name: pd.Series(np.asarray(col.to_numpy(zero_copy_only=False), dtype=object), dtype=object, copy=False)
         for name, col in cols.items()},
        index=pd.RangeIndex(n),
    )


def _check_header(path: Path, names: list[str], where: str = "the header") -> None:
    """Column names must be present and distinct, or the file's layout is not a table of the contract."""
    empty = [i + 1 for i, n in enumerate(names) if n is None or not str(n).strip()]
    if empty:
        raise UnreadableDelivery(
            f"{path.name}: {where} has {len(empty)} empty column name(s) (column {', '.join(map(str, empty[:5]))}"
            f"{', ...' if len(empty) > 5 else ''}): not a header row (a title row above it, or a stray column?)")
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise UnreadableDelivery(f"{path.name}: column {n!r} delivered more than once in {where}")
        seen.add(n)


def _no_row_text(message: str) -> str:
    """Arrow's parse errors quote the offending line: personal data must not reach logs or feed_runs."""
    text = re.sub(r"(Expected \d+ columns, got \d+):.*", r"\1", str(message), flags=re.S)
    return re.sub(r"(CSV conversion error to [a-z0-9]+):.*", r"\1", text, flags=re.S)


_BOMS = ((b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def check_encoding(path: Path, declared: str) -> str:
    """Strictly decode the whole file with its declared encoding; returns the codec to read it with.

    Refused (UnreadableDelivery) when the bytes are not the declared encoding, and when a file declared
    gbk is in fact UTF-8: GB 18030 decodes most UTF-8 byte sequences without error, into mojibake, so
    a gbk file that has non-ASCII bytes and is valid UTF-8 throughout is taken to be UTF-8 (genuine
    GBK text of any length is practically never valid UTF-8). A UTF-8 byte order mark is allowed in a
    UTF-8 file. The reason gives the byte offset and line of the first bad byte, never the text."""
    codec = "gb18030" if declared.lower() in ("gbk", "gb2312", "gb18030") else declared.lower()
    with open(path, "rb") as fh:
        head = fh.read(4)
        for bom, name in _BOMS:
            if head.startswith(bom):
                raise UnreadableDelivery(f"{path.name}: declared {declared} but the file is {name} (byte order mark)")
        fh.seek(0)
        dec = codecs.getincrementaldecoder(codec)(errors="strict")
        utf8 = codecs.getincrementaldecoder("utf-8")(errors="strict") if codec != "utf-8" else None
        utf8_ok, non_ascii, offset, lines = True, False, 0, 0
        while True:
            chunk = fh.read(_CHUNK)
            final = not chunk
            try:
                dec.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                at = offset + max(exc.start, 0)
                line = lines + chunk[: max(exc.start, 0)].count(b"\n") + 1
                hint = ""
                if codec == "utf-8":
                    hint = "; it looks like GBK/GB 18030" if _decodes(path, "gb18030") else ""
                raise UnreadableDelivery(
                    f"{path.name}: declared {declared} but byte {at} (line {line}) is not {declared}{hint}") from None
            if utf8 is not None:
                if not non_ascii and chunk and not chunk.isascii():
                    non_ascii = True
                if utf8_ok:
                    try:
                        utf8.decode(chunk, final=final)
                    except UnicodeDecodeError:
                        utf8_ok = False
            if final:
                break
            offset += len(chunk)
            lines += chunk.count(b"\n")
    if utf8 is not None and utf8_ok and non_ascii:
        raise UnreadableDelivery(f"{path.name}: declared {declared} but the file is UTF-8 (it would load as mojibake)")
    return codec


def _decodes(path: Path, codec: str) -> bool:
    dec = codecs.getincrementaldecoder(codec)(errors="strict")
    with open(path, "rb") as fh:
        try:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                dec.decode(chunk)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def read_csv(path: Path, encoding: str) -> pd.DataFrame:
    codec = check_encoding(path, encoding)
    header = _all_text(path, codec)
    malformed: list[str] = []

    def on_invalid(row) -> str:  # a line with the wrong number of fields: keep it for quarantine
        malformed.append(row.text)
        return "skip"

    block = CSV_BLOCK_BYTES
    while True:
        malformed.clear()
        try:
            # All columns as text: pandas/pyarrow type guessing loses leading zeros in codes.
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(encoding=codec, block_size=block),
                parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(
                    column_types=header, strings_can_be_null=True, quoted_strings_can_be_null=False
                ),
            )
            break
        except pa.ArrowInvalid as exc:
            if "straddl" in str(exc) and block < CSV_MAX_LINE_BYTES:
                # A line longer than a block (one huge value): read again with blocks that hold it.
                block = min(CSV_MAX_LINE_BYTES, max(block * 4, path.stat().st_size + 1))
                continue
            if "straddl" in str(exc):
                raise UnreadableDelivery(f"{path.name}: a line is longer than {CSV_MAX_LINE_BYTES >> 20} MiB") from None
            raise UnreadableDelivery(f"{path.name}: not a readable {encoding} csv ({_no_row_text(exc)})") from None
        except (UnicodeDecodeError, LookupError) as exc:
            raise UnreadableDelivery(f"{path.name}: not a readable {encoding} csv ({type(exc).__name__})") from None
    frame = _frame_from_arrow(table, path)
    if malformed:
        frame = _with_malformed(path, codec, frame, malformed, len(header))
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


def _all_text(path: Path, codec: str) -> dict[str, pa.DataType]:
    # utf-8-sig: a UTF-8 byte order mark is not part of the first column's name (Arrow skips it too).
    with open(path, encoding="utf-8-sig" if codec == "utf-8" else codec, newline="") as fh:
        names = next(csv.reader(fh), [])
    if not names:
        raise UnreadableDelivery(f"{path.name}: empty file (a header row is required)")
    _check_header(path, names)
    return {h: pa.string() for h in names}


def read_xlsx(path: Path) -> pd.DataFrame:
    """The first sheet: the first non-empty row is the header, every row below it a data row (``_row_no``
    counts them all, so an empty row in the sheet does not shift the numbers of the rows after it).
    Cells typed as text, numbers, dates or date-times are all read (see _text); trailing columns with
    neither a name nor any value (formatting that widened the used range) are ignored."""
    from python_calamine import CalamineWorkbook

    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise UnreadableDelivery(f"{path.name}: not a readable xlsx ({type(exc).__name__})") from None
    filled = [i for i, r in enumerate(rows) if any(v not in ("", None) for v in r)]
    if not filled:
        return pd.DataFrame()
    first = filled[0]
    header = [_text(h) for h in rows[first]]
    body_rows = rows[first + 1:]
    width = max(len(header), *(len(r) for r in body_rows)) if body_rows else len(header)
    used = [j for j in range(width)
            if (j < len(header) and header[j] is not None and header[j].strip())
            or any(j < len(r) and r[j] not in ("", None) for r in body_rows)]
    header = [(header[j].strip() if j < len(header) and header[j] is not None else None) for j in used]
    _check_header(path, header, where=f"the header (sheet row {first + 1})")
    keep = [k for k, r in enumerate(body_rows) if any(v not in ("", None) for v in r)]
    body = [[_text(body_rows[k][j]) if j < len(body_rows[k]) else None for j in used] for k in keep]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame[ROW_NO] = np.asarray(keep, dtype=np.int64) + 1
    return frame


def read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnreadableDelivery(f"{path.name}: not a readable parquet file ({type(exc).__name__})") from None
    return _frame_from_arrow(table, path)


def read_json_page(path: Path) -> pd.DataFrame:
    """A page ``{"items": [{...}, ...]}``. Numbers are read exactly (decimals never through float);
    NaN / Infinity stay text (a `type` failure, not a silent null); nested values become JSON text."""
    try:
        doc = json.loads(path.read_bytes(), parse_float=Decimal, parse_constant=str)
    except UnicodeDecodeError:
        raise UnreadableDelivery(f"{path.name}: not UTF-8 JSON") from None
    except ValueError as exc:
        raise UnreadableDelivery(f"{path.name}: not JSON ({type(exc).__name__} at line {getattr(exc, 'lineno', '?')})") \
            from None
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise UnreadableDelivery(f"{path.name}: not a JSON page (an object with a list of items)")
    bad = next((i for i, it in enumerate(items) if not isinstance(it, dict)), None)
    if bad is not None:
        raise UnreadableDelivery(f"{path.name}: item {bad + 1} is not an object")
    if not items:
        return pd.DataFrame()
    keys: list[str] = []
    seen: set[str] = set()
    for it in items:
        for k in it:
            if k not in seen:
                seen.add(k)
                keys.append(k)
    _check_header(path, keys, where="the item keys")
    return pd.DataFrame([[_text(it.get(k)) for k in keys] for it in items], columns=keys, dtype=object)


def read_file(feed: FeedSpec, path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if feed.delivery.format == "ocds":  # releases -> this feed's rows (tianyan/ingest/ocds.py)
        from tianyan.ingest import ocds

        try:
            return ocds.read(feed, path)
        except ocds.OcdsError as exc:
            raise UnreadableDelivery(str(exc)) from None
    if suffix == ".csv":
        # database extracts (rows.csv) are always utf-8; file feeds use their declared encoding
        # (gbk is read as its superset GB 18030)
        return read_csv(path, "utf-8" if feed.delivery.transport == "database" else feed.delivery.encoding)
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
