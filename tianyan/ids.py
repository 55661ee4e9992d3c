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


def id18_check_of_digits(d: np.ndarray) -> np.ndarray:
    """GB 11643 check characters of rows of 17 digit values (an int matrix n x 17)."""
    return _ID_CHECK[(d.astype(np.int64) @ _ID_WEIGHTS) % 11]


def id18_arrow(t: pa.Array) -> pa.Array:
    """normalise_id18 for ASCII values already trimmed (blank -> null): vectorised on Arrow strings."""
    out = pc.utf8_upper(pc.replace_substring_regex(t, _WS_RUN, ""))
    legacy = pc.fill_null(pc.match_substring_regex(out, r"^\d{15}$"), False)
    if pc.any(legacy).as_py():
        idx = np.flatnonzero(legacy.to_numpy(zero_copy_only=False))
        old = _fixed_width(out.take(pa.array(idx)), 15)
        body = np.concatenate([old[:, :6], np.full((len(idx), 2), [ord("1"), ord("9")], dtype=np.uint8), old[:, 6:]], 1)
        full = np.concatenate([body, id18_check_of_digits(body - 48).astype("S1").view(np.uint8).reshape(-1, 1)], 1)
        new = pa.StringArray.from_buffers(
            len(idx), pa.py_buffer(np.arange(0, 18 * (len(idx) + 1), 18, dtype=np.int32)), pa.py_buffer(full.tobytes())
        )
        out = pc.replace_with_mask(out, legacy, new)
    return out


def uscc_arrow(t: pa.Array) -> pa.Array:
    """normalise_uscc for ASCII values already trimmed (blank -> null)."""
    return pc.utf8_upper(pc.replace_substring_regex(t, _WS_RUN, ""))


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
# [0-9] rather than \d: \d also matches full-width and other Unicode digits in some engines.
ID18_SHAPE = r"^[0-9]{17}[0-9X]$"


def _real_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Proleptic Gregorian calendar check (30 February, 31 April and year 0000 are not dates)."""
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    days = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    return (year >= 1) & month_ok & (day >= 1) & (day <= days)


def _of_shape(a: pa.Array, pattern: str, width: int) -> tuple[int, np.ndarray, np.ndarray]:
    """(length, positions of the values matching ``pattern``, their bytes as an n x ``width`` matrix)."""
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    shape = pc.fill_null(pc.match_substring_regex(a, pattern), False).to_numpy(zero_copy_only=False)
    idx = np.flatnonzero(shape)
    return len(a), idx, _fixed_width(a.take(pa.array(idx, type=pa.int64())), width)


def valid_id18_arrow(a: pa.Array) -> np.ndarray:
    """GB 11643 on an Arrow string array (nulls -> False), as a bool ndarray: 17 ASCII digits and a
    check character (0-9, X) that matches, and a birth date (characters 7-14) that is a real date.

    This is THE implementation of the rule (normalisation and the GX expectation both call it); it
    agrees with python-stdnum's ``cn.ric`` on length, format, checksum and birth date. stdnum's
    birth-place lookup is left out on purpose: its table lags administrative changes, so valid ids of
    re-coded districts would be refused. Whether the birth date is plausible (not before 1900, not
    after the delivery) is a separate rule, ``birth_date`` (tianyan.ingest.gx_expectations)."""
    n, idx, c = _of_shape(a, ID18_SHAPE, 18)
    ok = np.zeros(n, dtype=bool)
    d = c[:, :17].astype(np.int64) - 48
    year = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
    month = d[:, 10] * 10 + d[:, 11]
    day = d[:, 12] * 10 + d[:, 13]
    check = id18_check_of_digits(d).astype("S1").view(np.uint8)
    ok[idx] = (check == c[:, 17]) & _real_dates(year, month, day)
    return ok


def id18_birth_dates(a: pa.Array) -> np.ndarray:
    """Birth dates of well-shaped ids as YYYYMMDD integers (0 where the value is not 17 digits + check
    character); the calendar and the check digit are the id18 rule's business, not this one's."""
    n, idx, c = _of_shape(a, ID18_SHAPE, 18)
    out = np.zeros(n, dtype=np.int64)
    out[idx] = (c[:, 6:14].astype(np.int64) - 48) @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
    return out


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
    return id18_check_of_digits(_digits(first17.to_numpy(dtype=object), 17))


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


def as_text_array(s: pd.Series) -> pa.Array:
    """Any Series as Arrow strings (non-text values through str(); None/NaN -> null)."""
    a = text_array(s)
    if a is None:
        a = pa.array([None if v is None or v != v else str(v) for v in s.to_numpy(dtype=object)], type=pa.string())
    return a


def valid_id18(s: pd.Series) -> pd.Series:
    """True where the value is a valid GB 11643 id (see valid_id18_arrow); null -> False."""
    return pd.Series(valid_id18_arrow(as_text_array(s)), index=s.index)


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
USCC_SHAPE = rf"^[0-9]{{8}}[{USCC_ALPHABET}]{{10}}$"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_USCC_VALUE = np.zeros(256, dtype=np.int64)
for _i, _ch in enumerate(USCC_ALPHABET):
    _USCC_VALUE[ord(_ch)] = _i


def normalise_uscc(s: pd.Series) -> pd.Series:
    return _split(s, uscc_arrow, _normalise_uscc_py)


def _normalise_uscc_py(s: pd.Series) -> pd.Series:
    out = fold(s.astype("object").where(s.notna(), None).astype("string")).str.replace(r"\s+", "", regex=True)
    out = out.str.upper()
    return out.astype(object).where(out.notna(), None)


def _uscc_check_index(v: np.ndarray) -> np.ndarray:
    return (31 - (v[:, :17].astype(np.int64) @ _USCC_WEIGHTS) % 31) % 31


def uscc_check_of_values(v: np.ndarray) -> np.ndarray:
    """GB 32100 check characters of rows of 17 character values (index in USCC_ALPHABET; n x 17)."""
    return np.array(list(USCC_ALPHABET))[_uscc_check_index(v)]


def valid_uscc_arrow(a: pa.Array) -> np.ndarray:
    """GB 32100 unified social credit codes: 8 digits (registration authority, type, region), 10 code
    characters, check character; the rule of python-stdnum ``cn.uscc`` (upper case only: normalisation
    upper-cases). Nulls -> False."""
    n, idx, c = _of_shape(a, USCC_SHAPE, 18)
    ok = np.zeros(n, dtype=bool)
    v = _USCC_VALUE[c]
    ok[idx] = _uscc_check_index(v) == v[:, 17]
    return ok



def valid_uscc(s: pd.Series) -> pd.Series:
    """True where the value is a valid GB 32100 code (see valid_uscc_arrow); null -> False."""
    return pd.Series(valid_uscc_arrow(as_text_array(s)), index=s.index)
