"""Normalisation before validation and matching: every value becomes canonical text.

- id18: full-width folded, spaces removed, x upper-cased, 15-digit legacy numbers upgraded;
- uscc / region / codes: full-width folded, trimmed, upper-cased where the rule says so;
- dates 'YYYY-MM-DD', timestamps 'YYYY-MM-DD HH:MM:SS[.ffffff]+08:00' (Shanghai wall time and
  offset), bools 'true'/'false': the forms each accepts are ``tianyan.ingest.forms`` (the contract,
  docs/contract.md); periods 'YYYY-MM' (also YYYYMM, YYYY/MM);
- decimals kept exact as text (never through float), ints as text; thousands separators only in
  groups of three (a decimal comma such as '12,34' is refused, never read as 1234).
A value that cannot be parsed into its declared type, or that PostgreSQL could not store (an int
beyond bigint, a NUL character), becomes None and is reported as a `type`
failure with the raw value kept by the caller, so nothing is lost silently; the failure message
shows the value masked where it is a personal identifier (``tianyan.ingest.masking``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tianyan.ids import (
    ascii_trimmed,
    fold,
    id18_arrow,
    normalise_id18,
    normalise_uscc,
    uscc_arrow,
    valid_id18,
    valid_id18_arrow,
)
from tianyan.ids import (
    text_array as ids_text_array,
)
from tianyan.ingest import quarantine
from tianyan.ingest.forms import parse_bools, parse_dates, parse_timestamps
from tianyan.ingest.masking import shown
from tianyan.registry import ColumnSpec, FeedSpec

# Digits with thousands separators in groups of three, or plain digits (after the sign).
_DIGITS = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
DECIMAL_RE = rf"^[+-]?(?:{_DIGITS}(?:\.[0-9]*)?|\.[0-9]+)$"
INT_RE = rf"^[+-]?{_DIGITS}(?:\.0*)?$"
CODE_SUFFIXES = ("_id", "_code", "_no", "_uscc", "account", "uscc", "plate_no")


def _blank_to_none(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip()
    return s.mask(s == "")


def _arrow_then_pandas(fn, s: pd.Series) -> pd.Series:
    out = fn(pa.array(s.astype(object).where(s.notna(), None).to_numpy(), type=pa.string()))
    return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index, dtype="string")


def _column(col: ColumnSpec, raw: pd.Series, kind: pd.Series | None) -> pd.Series:
    """The reference implementation, per value in Python: used for rows the Arrow fast path leaves."""
    s = _blank_to_none(raw)
    if col.id18:
        return pd.Series(normalise_id18(s), index=s.index, dtype="string")
    if col.uscc:
        return pd.Series(normalise_uscc(s), index=s.index, dtype="string")
    if col.type == "enum":
        return fold(s).str.upper()
    if col.type == "date":
        return _arrow_then_pandas(parse_dates, fold(s))
    if col.type == "timestamp":
        return _arrow_then_pandas(parse_timestamps, fold(s))
    if col.type == "decimal":
        t = fold(s)
        ok = t.str.fullmatch(DECIMAL_RE[1:-1]).fillna(False).astype(bool)
        t = t.str.replace(",", "", regex=False)
        t = t.str.lstrip("+").str.replace(r"^(-?)\.", r"\g<1>0.", regex=True).str.rstrip(".")
        return t.where(ok)
    if col.type == "int":
        t = fold(s)
        ok = t.str.fullmatch(INT_RE[1:-1]).fillna(False).astype(bool)
        return t.str.replace(",", "", regex=False).str.replace(r"\.0*$", "", regex=True).str.lstrip("+").where(ok)
    if col.type == "bool":
        return _arrow_then_pandas(parse_bools, fold(s))
    if col.period:
        t = fold(s).str.replace("/", "-", regex=False)
        return t.mask(t.str.fullmatch(r"\d{6}").fillna(False).astype(bool), t.str[:4] + "-" + t.str[4:])
    if col.kind_column is not None and kind is not None:
        # owner_id / payee_id / ...: a PERSON's id is matched as an id18 when it can be recovered.
        t = fold(s)
        person = (kind == "PERSON").fillna(False).astype(bool)
        if person.any():
            cand = pd.Series(normalise_id18(t[person]), index=t[person].index, dtype="string")
            good = valid_id18(cand).to_numpy()
            t.loc[cand.index[good]] = cand[good]
        return t
    if col.region or col.name in CODE_SUFFIXES or col.name.endswith(CODE_SUFFIXES) or col.ref:
        return fold(s)
    return s


_NULL = pa.scalar(None, pa.string())


def _column_fast(col: ColumnSpec, t: pa.Array, kind: pa.Array | None) -> tuple[pa.Array, np.ndarray | None]:
    """_column for ASCII values, trimmed, blank -> null, on Arrow strings: (result, rows left to _column)."""
    if col.id18:
        return id18_arrow(t), None
    if col.uscc:
        return uscc_arrow(t), None
    if col.type == "enum":
        return pc.utf8_upper(t), None
    if col.type == "date":
        return parse_dates(t), None
    if col.type == "timestamp":
        return parse_timestamps(t), None
    if col.type == "decimal":
        ok = pc.fill_null(pc.match_substring_regex(t, DECIMAL_RE), False)
        x = pc.utf8_ltrim(pc.replace_substring(t, ",", ""), "+")
        x = pc.replace_substring_regex(x, r"^-\.", "-0.")
        x = pc.replace_substring_regex(x, r"^\.", "0.")
        return pc.if_else(ok, pc.utf8_rtrim(x, "."), _NULL), None
    if col.type == "int":
        ok = pc.fill_null(pc.match_substring_regex(t, INT_RE), False)
        x = pc.utf8_ltrim(pc.replace_substring_regex(pc.replace_substring(t, ",", ""), r"\.0*$", ""), "+")
        return pc.if_else(ok, x, _NULL), None
    if col.type == "bool":
        return parse_bools(t), None
    if col.period:
        x = pc.replace_substring(t, "/", "-")
        six = pc.fill_null(pc.match_substring_regex(x, r"^\d{6}$"), False)
        dashed = pc.binary_join_element_wise(pc.utf8_slice_codeunits(x, 0, 4), pc.utf8_slice_codeunits(x, 4), "-")
        return pc.if_else(six, dashed, x), None
    if col.kind_column is not None and kind is not None:
        person = pc.fill_null(pc.equal(kind, "PERSON"), False)
        if not pc.any(person).as_py():
            return t, None
        cand = id18_arrow(pc.if_else(person, t, _NULL))
        good = pa.array(valid_id18_arrow(cand))
        return pc.if_else(good, cand, t), None
    return t, None


def _plain(col: ColumnSpec, kind) -> bool:
    """Columns _column only trims (no folding, no type): exact on every row with Arrow's trim."""
    return not (
        col.id18 or col.uscc or col.period
        or col.type in ("enum", "date", "timestamp", "decimal", "int", "bool")
        or (col.kind_column is not None and kind is not None)
        or col.region or col.name in CODE_SUFFIXES or col.name.endswith(CODE_SUFFIXES) or col.ref
    )


def _obj(a: pa.Array) -> np.ndarray:
    return np.asarray(a.to_numpy(zero_copy_only=False), dtype=object)


_INT64_MAX = "9223372036854775807"
_INT64_MIN_ABS = "9223372036854775808"


def _may_hold_nul(a: pa.Array | pa.ChunkedArray) -> bool:
    """Cheap pre-check on the raw data buffers (memchr speed): almost no delivery holds a NUL byte."""
    for chunk in a.chunks if isinstance(a, pa.ChunkedArray) else [a]:
        data = chunk.buffers()[2] if len(chunk.buffers()) > 2 else None
        if data is not None and data.size and (np.frombuffer(data, dtype=np.uint8) == 0).any():
            return True
    return False


def _unstorable(col: ColumnSpec, a: pa.Array) -> np.ndarray:
    """Canonical values PostgreSQL would refuse at COPY time, which would fail the whole delivery:
    a NUL character in any text, an int outside bigint. They become `type` failures of their row."""
    bad = pc.fill_null(pc.match_substring(a, "\x00"), False) if _may_hold_nul(a) else pa.repeat(False, len(a))
    if col.type == "int":
        neg = pc.fill_null(pc.starts_with(a, "-"), False)
        digits = pc.utf8_ltrim(pc.utf8_ltrim(a, "-"), "0")
        n = pc.utf8_length(digits)
        limit = pc.if_else(neg, pa.scalar(_INT64_MIN_ABS), pa.scalar(_INT64_MAX))
        # Same length as the limit: digit strings compare like the numbers they write.
        over = pc.or_(pc.greater(n, 19), pc.and_(pc.equal(n, 19), pc.greater(digits, limit)))
        bad = pc.or_(bad, pc.fill_null(over, False))
    return bad.to_numpy(zero_copy_only=False)


def _normalise_column(col: ColumnSpec, raw_col: pd.Series, kind: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(normalised values as an object array with None, mask of rows that had a value)."""
    kind_s = pd.Series(kind, index=raw_col.index, dtype="string") if kind is not None else None
    got = ascii_trimmed(raw_col)
    if got is None:  # not text (never from the readers): the reference implementation, whole column
        norm = _column(col, raw_col, kind_s)
        out = norm.astype(object).where(norm.notna(), None).to_numpy()
        out[_unstorable(col, pa.array(out, type=pa.string(), from_pandas=True))] = None
        return out, _blank_to_none(raw_col).notna().to_numpy()
    t, non_ascii = got
    if _plain(col, kind) and non_ascii.any():
        # _blank_to_none is pandas' Arrow-backed strip (utf8_trim_whitespace): same kernel, all rows.
        a = pc.utf8_trim_whitespace(ids_text_array(raw_col))
        t, non_ascii = pc.if_else(pc.equal(a, ""), _NULL, a), np.zeros(len(a), dtype=bool)
    had = pc.is_valid(t).to_numpy(zero_copy_only=False)
    kind_a = pa.array(kind, type=pa.string(), from_pandas=True) if kind is not None else None
    res, slow = _column_fast(col, t, kind_a)
    out = _obj(res)
    bad = _unstorable(col, res)
    slow = non_ascii if slow is None else (slow | non_ascii)
    if slow.any():
        idx = np.flatnonzero(slow)
        sub = raw_col.iloc[idx]
        norm = _column(col, sub, kind_s.iloc[idx] if kind_s is not None else None)
        out[idx] = norm.astype(object).where(norm.notna(), None).to_numpy()
        had[idx] = _blank_to_none(sub).notna().to_numpy()
        bad[idx] = _unstorable(col, pa.array(out[idx], type=pa.string(), from_pandas=True))
    if bad.any():
        out[bad] = None  # reported as a type failure by the caller (had a value, has none)
    return out, had


def normalise(feed: FeedSpec, raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(normalised frame of the spec's columns as canonical text, type failures)."""
    out: dict[str, np.ndarray] = {}
    failures = []
    # Kind columns first: polymorphic ids depend on them.
    ordered = sorted(feed.columns, key=lambda c: c.kind_column is not None)
    for col in ordered:
        raw_col = raw[col.name] if col.name in raw.columns else pd.Series(None, index=raw.index, dtype=object)
        kind = out.get(col.kind_column) if col.kind_column else None
        norm, had_value = _normalise_column(col, raw_col, kind)
        lost = np.flatnonzero(had_value & pd.isna(norm))
        if len(lost):
            labels = raw.index[lost]
            failures.append(quarantine.failures(
                labels, "type", col.name,
                [f"{col.name}: {shown(col, raw_col[idx])} is not a valid {col.type}" for idx in labels]))
        out[col.name] = norm
    frame = pd.DataFrame({c.name: pd.Series(out[c.name], index=raw.index, dtype=object) for c in feed.columns},
                         index=raw.index)
    fails = quarantine.concat(failures)
    return frame, fails
