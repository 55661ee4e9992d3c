"""Identifier normalisation and checks, vectorised over pandas Series.

Departments send resident ids as legacy 15-digit numbers, with lower-case x, full-width digits or
stray spaces. They are normalised (never dropped) before matching; a value that cannot be made a
valid GB 11643 id is left as delivered (trimmed) so validation quarantines it with its raw value.
The check-digit arithmetic is GB 11643 / GB 32100 as implemented by python-stdnum
(``stdnum.cn.ric``, ``stdnum.cn.uscc``); here it is vectorised with numpy for millions of rows,
and the tests cross-check it against stdnum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Full-width ASCII (U+FF01..U+FF5E) -> ASCII, ideographic space -> space.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.array(list("10X98765432"))
# The Arrow fast paths below only see ASCII values (anything else goes through the Python
# implementation) and use the very kernels pandas' Arrow-backed string methods run for `.str.strip()`
# (utf8_trim_whitespace) and `.str.replace(r"\s+", "", regex=True)` (RE2), so results are identical.
_WS_RUN = r"\s+"


def text_array(s: pd.Series) -> pa.Array | None:
    """A text Series as an Arrow string array (None/NaN -> null); None when it holds non-text values."""
    try:
        if s.dtype == object:
            return pa.array(s.to_numpy(), type=pa.string(), from_pandas=True)
        return pa.array(s, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None


def _fixed_width(arr: pa.Array, width: int) -> np.ndarray:
    """Non-null ASCII strings of exactly `width` bytes -> uint8 matrix (no Python objects)."""
    arr = arr.cast(pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if len(arr) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    offs = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    return data[offs[0] : offs[-1]].reshape(-1, width)


def _check_chars_codes(d: np.ndarray) -> np.ndarray:
    return _ID_CHECK[(d.astype(np.int64) @ _ID_WEIGHTS) % 11]


def id18_arrow(t: pa.Array) -> pa.Array:
    """normalise_id18 for ASCII values already trimmed (blank -> null): vectorised on Arrow strings."""
    out = pc.utf8_upper(pc.replace_substring_regex(t, _WS_RUN, ""))
    legacy = pc.fill_null(pc.match_substring_regex(out, r"^\d{15}$"), False)
    if pc.any(legacy).as_py():
        idx = np.flatnonzero(legacy.to_numpy(zero_copy_only=False))
        old = _fixed_width(out.take(pa.array(idx)), 15)
        body = np.concatenate([old[:, :6], np.full((len(idx), 2), [ord("1"), ord("9")], dtype=np.uint8), old[:, 6:]], 1)
        full = np.concatenate([body, _check_chars_codes(body - 48).astype("S1").view(np.uint8).reshape(-1, 1)], 1)
        new = pa.StringArray.from_buffers(
            len(idx), pa.py_buffer(np.arange(0, 18 * (len(idx) + 1), 18, dtype=np.int32)), pa.py_buffer(full.tobytes())
        )
        out = pc.replace_with_mask(out, legacy, new)
    return out


def uscc_arrow(t: pa.Array) -> pa.Array:
    """normalise_uscc for ASCII values already trimmed (blank -> null)."""
    return pc.utf8_upper(pc.replace_substring_regex(t, _WS_RUN, ""))


def valid_id18_arrow(a: pa.Array) -> np.ndarray:
    """valid_id18 on an Arrow string array (nulls -> False), as a bool ndarray."""
    shape = pc.fill_null(pc.match_substring_regex(a, r"^\d{17}[\dX]$"), False).to_numpy(zero_copy_only=False)
    ok = np.zeros(len(a), dtype=bool)
    if shape.any():
        idx = np.flatnonzero(shape)
        c = _fixed_width(a.take(pa.array(idx)), 18)
        d = c[:, :17].astype(np.int64) - 48
        month = d[:, 10] * 10 + d[:, 11]
        day = d[:, 12] * 10 + d[:, 13]
        check = _ID_CHECK[(d @ _ID_WEIGHTS) % 11].astype("S1").view(np.uint8)
        ok[idx] = (check == c[:, 17]) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    return ok


def ascii_trimmed(s: pd.Series, blank_to_null: bool = True) -> tuple[pa.Array, np.ndarray] | None:
    """(trimmed Arrow values, blank -> null, non-ASCII rows -> null; mask of non-ASCII rows)."""
    a = text_array(s)
    if a is None:
        return None
    non_ascii = ~pc.fill_null(pc.string_is_ascii(a), True).to_numpy(zero_copy_only=False)
    t = pc.utf8_trim_whitespace(a)
    drop = pa.array(non_ascii)
    if blank_to_null:
        drop = pc.or_kleene(pc.equal(t, ""), drop)
    t = pc.if_else(drop, pa.scalar(None, pa.string()), t)
    return t, non_ascii


def fold(s: pd.Series) -> pd.Series:
    """Full-width characters folded to ASCII and surrounding whitespace trimmed."""
    return s.str.translate(_FULLWIDTH).str.strip()


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Rows of `width` ASCII digits (all rows must be exactly that) -> int matrix."""
    buf = "".join(values.tolist()).encode("ascii")
    return (np.frombuffer(buf, dtype=np.uint8).reshape(-1, width) - 48).astype(np.int64)


def id18_check_chars(first17: pd.Series) -> np.ndarray:
    """GB 11643 check characters for 17-digit strings (all must be 17 ASCII digits)."""
    if first17.empty:
        return np.array([], dtype=object)
    d = _digits(first17.to_numpy(dtype=object), 17)
    return _ID_CHECK[(d @ _ID_WEIGHTS) % 11]


def normalise_id18(s: pd.Series) -> pd.Series:
    """Normalised 18-character ids; values that cannot be recovered stay as trimmed input."""
    return _split(s, id18_arrow, _normalise_id18_py)


def _split(s: pd.Series, fast, slow) -> pd.Series:
    """ASCII rows through the Arrow fast path, the rest (rare) through the exact Python version."""
    got = ascii_trimmed(s, blank_to_null=False)
    if got is None:
        return slow(s)
    t, non_ascii = got
    out = fast(t).to_numpy(zero_copy_only=False)
    if non_ascii.any():
        idx = np.flatnonzero(non_ascii)
        out[idx] = slow(s.iloc[idx]).to_numpy(dtype=object)
    return pd.Series(out, index=s.index, dtype=object)


def _normalise_id18_py(s: pd.Series) -> pd.Series:
    out = fold(s.astype("object").where(s.notna(), None).astype("string")).str.replace(r"\s+", "", regex=True)
    out = out.str.upper()
    legacy = out.str.fullmatch(r"\d{15}").fillna(False)
    if legacy.any():
        # 15-digit numbers (issued before 1999) omit the century and the check digit.
        body = out[legacy].str[:6] + "19" + out[legacy].str[6:15]
        out.loc[legacy] = body + id18_check_chars(body)
    return out.astype(object).where(out.notna(), None)


def valid_id18(s: pd.Series) -> pd.Series:
    """True where the value is a well-formed 18-character id with a correct check digit."""
    a = text_array(s)
    if a is not None and pc.all(pc.fill_null(pc.string_is_ascii(a), True)).as_py():
        return pd.Series(valid_id18_arrow(a), index=s.index)
    s = s.astype("string")
    shape = s.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    ok = pd.Series(False, index=s.index)
    if shape.any():
        body = s[shape].str[:17]
        month = body.str[10:12].astype(int)
        day = body.str[12:14].astype(int)
        ok.loc[shape] = (id18_check_chars(body) == s[shape].str[17].to_numpy()) & month.between(1, 12).to_numpy() & day.between(1, 31).to_numpy()
    return ok


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)


def normalise_uscc(s: pd.Series) -> pd.Series:
    return _split(s, uscc_arrow, _normalise_uscc_py)


def _normalise_uscc_py(s: pd.Series) -> pd.Series:
    out = fold(s.astype("object").where(s.notna(), None).astype("string")).str.replace(r"\s+", "", regex=True)
    out = out.str.upper()
    return out.astype(object).where(out.notna(), None)


def valid_uscc(s: pd.Series) -> pd.Series:
    """GB 32100 unified social credit codes (18 chars, check character)."""
    s = s.astype("string")
    shape = s.str.fullmatch(f"[{_USCC_ALPHABET}]{{18}}").fillna(False).astype(bool)
    ok = pd.Series(False, index=s.index)
    if shape.any():
        lookup = np.full(128, -1, dtype=np.int64)
        for i, ch in enumerate(_USCC_ALPHABET):
            lookup[ord(ch)] = i
        codes = lookup[np.frombuffer("".join(s[shape].tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 18)]
        check = (31 - (codes[:, :17] @ _USCC_WEIGHTS) % 31) % 31
        ok.loc[shape] = check == codes[:, 17]
    return ok
