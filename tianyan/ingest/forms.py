"""The written forms a delivered value may take, per contract type, and the canonical text each becomes.

This module is the contract (docs/contract.md is generated from ``FORMS`` and ``REFUSED`` by
``python -m tianyan.ingest.contract_doc``; the tests run every example through the normaliser), and it
holds the vectorised parsers for the temporal types:

- ``timestamp``: date ``YYYY-MM-DD`` (or ``YYYY/MM/DD``; month, day and hour may have one digit), then
  ``T`` or a space and ``HH:MM`` or ``HH:MM:SS`` with optional fractional seconds (1-9 digits), then
  optionally ``Z`` or an offset ``+HH:MM`` / ``+HHMM`` / ``+HH`` (a space before it is allowed); a
  date alone is midnight. A value without an offset is wall time in Asia/Shanghai. Canonical text:
  Shanghai wall time with its offset, ``YYYY-MM-DD HH:MM:SS[.ffffff]+08:00`` (digits beyond the
  microsecond are cut: PostgreSQL stores microseconds). Stored as ``timestamptz``; the same text also
  stores the right wall time into a ``timestamp`` column (PostgreSQL ignores the offset there).
- ``date``: ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD`` (one-digit month/day allowed), ``YYYYMMDD``,
  ``YYYY年M月D日``, or any timestamp form above at midnight, as written (the sender's date, whatever the
  offset) or once converted to Shanghai time (Oracle ``DATE`` exports, Java/pandas/Spark dates written
  as timestamps). Canonical ``YYYY-MM-DD``.

Asia/Shanghai has kept UTC+8 without summer time since September 1991; earlier values (summer time
1986-1991 and the 1940s, local mean time before 1901) take their offset from the tz database, value
by value, so the canonical text always names the instant PostgreSQL will store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tianyan.warehouse.conn import TIME_ZONE  # the contract's time zone, also every warehouse session's

SHANGHAI = ZoneInfo(TIME_ZONE)
_NULL = pa.scalar(None, pa.string())
# From this instant on (UTC, and the same moment as Shanghai wall time) the offset is always +08:00.
_FIXED_FROM_UTC = int(dt.datetime(1992, 1, 1, tzinfo=dt.UTC).timestamp())
_FIXED_FROM_WALL = _FIXED_FROM_UTC + 8 * 3600
_EIGHT_HOURS = 8 * 3600
# Canonical text is written with 4-digit years: wall times outside 0001..9999 are not representable.
_MIN_WALL = int((dt.datetime(1, 1, 1) - dt.datetime(1970, 1, 1)).total_seconds())
_MAX_WALL = int((dt.datetime(9999, 12, 31, 23, 59, 59) - dt.datetime(1970, 1, 1)).total_seconds())

_TIMESTAMP_RE = (
    r"^(?P<y>[0-9]{4})(?P<s1>[-/])(?P<mo>[0-9]{1,2})(?P<s2>[-/])(?P<d>[0-9]{1,2})"
    r"(?:(?:T| )(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,9}))?)?"
    r" ?(?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$"
)
_DATE_RE = (
    r"^(?P<y>[0-9]{4})(?:(?P<s1>[-/.])(?P<mo>[0-9]{1,2})(?P<s2>[-/.])(?P<d>[0-9]{1,2})"
    r"|(?P<mo8>[0-9]{2})(?P<d8>[0-9]{2})|年(?P<moc>[0-9]{1,2})月(?P<dc>[0-9]{1,2})日)$"
)
# A timestamp form whose clock reads exactly midnight as written (any offset).
_MIDNIGHT_RE = (
    r"^(?P<y>[0-9]{4})[-/](?P<mo>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})(?:T| )0?0:00(?::00(?:\.0{1,9})?)?"
    r" ?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?$"
)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)

BOOL_TRUE = ("TRUE", "T", "YES", "Y", "1", "ON", "是")
BOOL_FALSE = ("FALSE", "F", "NO", "N", "0", "OFF", "否")


def _combined(a: pa.Array | pa.ChunkedArray) -> pa.Array:
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def _field(parts: pa.StructArray, name: str) -> pa.Array:
    """A regex group as text, null where the row did not match or the group took no part."""
    f = pc.struct_field(parts, name)
    return pc.if_else(pc.equal(f, ""), _NULL, f)


def _ints(a: pa.Array, default: int = 0) -> np.ndarray:
    a = pc.if_else(pc.equal(a, ""), _NULL, a)
    return pc.fill_null(pc.cast(a, pa.int64()), default).to_numpy(zero_copy_only=False).astype(np.int64)


def _real_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_ok = (m >= 1) & (m <= 12)
    days = _DAYS_IN_MONTH[np.where(month_ok, m, 0)] + ((m == 2) & leap)
    return (y >= 1) & month_ok & (d >= 1) & (d <= days)


def _epoch_days(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of valid proleptic Gregorian dates (H. Hinnant's days_from_civil)."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _shanghai_offset_of_utc(seconds: int) -> int:
    at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=int(seconds))
    return int(at.astimezone(SHANGHAI).utcoffset().total_seconds())


def _shanghai_offset_of_wall(seconds: int) -> int:
    wall = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(seconds))
    return int(wall.replace(tzinfo=SHANGHAI).utcoffset().total_seconds())


def _offset_text(seconds: np.ndarray) -> np.ndarray:
    out = np.full(len(seconds), "+08:00", dtype=object)
    other = np.flatnonzero(seconds != _EIGHT_HOURS)
    for i in other:
        s = int(seconds[i])
        sign = "+" if s >= 0 else "-"
        h, rest = divmod(abs(s), 3600)
        m, sec = divmod(rest, 60)
        out[i] = f"{sign}{h:02d}:{m:02d}" + (f":{sec:02d}" if sec else "")
    return out


def _digits_at(matrix: np.ndarray, start: int, width: int) -> np.ndarray:
    d = matrix[:, start:start + width].astype(np.int64) - 48
    return d @ (10 ** np.arange(width - 1, -1, -1, dtype=np.int64))


def _fixed_ok(head: pa.Array, width: int) -> np.ndarray:
    """Calendar (and clock) check of fixed-width ``YYYY-MM-DD[ HH:MM:SS]`` texts, on their bytes."""
    from tianyan.ids import _fixed_width

    m = _fixed_width(head, width)
    ok = _real_dates(_digits_at(m, 0, 4), _digits_at(m, 5, 2), _digits_at(m, 8, 2))
    if width == 19:
        ok &= (_digits_at(m, 11, 2) <= 23) & (_digits_at(m, 14, 2) <= 59) & (_digits_at(m, 17, 2) <= 59)
    return ok


def _with_fast_path(a: pa.Array, shape: str, width: int, suffix: str, general) -> pa.Array:
    """Values of the most common form (fixed-width `shape`) are checked on their bytes and get `suffix`;
    the rest go through `general`. Same results as `general` on every value, several times faster on a
    delivery in the common form."""
    hit = pc.fill_null(pc.match_substring_regex(a, shape), False)
    out = pa.nulls(len(a), pa.string())
    if pc.any(hit).as_py():
        idx = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
        head = pc.utf8_slice_codeunits(a.take(pa.array(idx)), 0, width)
        good = _fixed_ok(head, width)
        fast = np.zeros(len(a), dtype=bool)
        fast[idx[good]] = True
        done = pc.binary_join_element_wise(head, pa.scalar(suffix), "") if suffix else head
        out = pc.replace_with_mask(out, pa.array(fast), done.filter(pa.array(good)))
    else:
        fast = np.zeros(len(a), dtype=bool)
    rest = pc.is_valid(a).to_numpy(zero_copy_only=False) & ~fast
    if rest.any():
        idx = np.flatnonzero(rest)
        out = pc.replace_with_mask(out, pa.array(rest), general(a.take(pa.array(idx))))
    return out


def parse_timestamps(a: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Trimmed ASCII text (full-width already folded) -> canonical timestamp text, null where the value
    is not one of the contract's timestamp forms or not a real date and time."""
    a = pc.utf8_upper(_combined(a).cast(pa.string()))
    # Since 1992 a Shanghai wall time is +08:00: the plain and the canonical form need no arithmetic.
    return _with_fast_path(a, r"^(?:199[2-9]|2[0-9]{3})-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\+08:00)?$",
                           19, "+08:00", _parse_timestamps)


def _parse_timestamps(a: pa.Array) -> pa.Array:
    n = len(a)
    parts = pc.extract_regex(a, _TIMESTAMP_RE)
    matched = pc.is_valid(parts).to_numpy(zero_copy_only=False)
    if not matched.any():
        return pa.nulls(n, pa.string())
    y, mo, d = (_ints(_field(parts, k)) for k in ("y", "mo", "d"))
    h, mi, s = (_ints(_field(parts, k)) for k in ("h", "mi", "s"))
    same_sep = pc.fill_null(pc.equal(pc.struct_field(parts, "s1"), pc.struct_field(parts, "s2")), False)
    ok = matched & same_sep.to_numpy(zero_copy_only=False) & _real_dates(y, mo, d)
    ok &= (h <= 23) & (mi <= 59) & (s <= 59)
    tz = _field(parts, "tz")
    has_tz = pc.is_valid(tz).to_numpy(zero_copy_only=False)
    zulu = pc.fill_null(pc.equal(tz, "Z"), False).to_numpy(zero_copy_only=False)
    tz_sign = np.where(pc.fill_null(pc.starts_with(tz, "-"), False).to_numpy(zero_copy_only=False), -1, 1)
    digits = pc.replace_substring(pc.utf8_slice_codeunits(tz, 1), ":", "")
    tz_h = _ints(pc.utf8_slice_codeunits(digits, 0, 2))
    tz_m = _ints(pc.if_else(pc.equal(pc.utf8_length(digits), 4), pc.utf8_slice_codeunits(digits, 2, 4), _NULL))
    ok &= ~has_tz | zulu | ((tz_h <= 14) & (tz_m <= 59))
    delivered_offset = np.where(has_tz & ~zulu, tz_sign * (tz_h * 3600 + tz_m * 60), 0)

    days = _epoch_days(np.where(ok, y, 1970), np.where(ok, mo, 1), np.where(ok, d, 1))
    local = days * 86400 + h * 3600 + mi * 60 + s
    utc = local - delivered_offset
    offset = np.full(n, _EIGHT_HOURS, dtype=np.int64)
    # Before 1992 Shanghai's offset varied (summer time, LMT): ask the tz database, value by value.
    for i in np.flatnonzero(ok & has_tz & (utc < _FIXED_FROM_UTC)):
        try:
            offset[i] = _shanghai_offset_of_utc(utc[i])
        except (OverflowError, ValueError):
            ok[i] = False
    for i in np.flatnonzero(ok & ~has_tz & (local < _FIXED_FROM_WALL)):
        try:
            offset[i] = _shanghai_offset_of_wall(local[i])
        except (OverflowError, ValueError):
            ok[i] = False
    wall = np.where(has_tz, utc + offset, local)
    ok &= (wall >= _MIN_WALL) & (wall <= _MAX_WALL)
    if not ok.any():
        return pa.nulls(n, pa.string())
    text = np.datetime_as_string(np.where(ok, wall, 0).astype("datetime64[s]"), unit="s")
    base = pc.replace_substring(pa.array(text.astype(object), type=pa.string()), "T", " ")
    frac = pc.utf8_rtrim(pc.utf8_slice_codeunits(pc.fill_null(_field(parts, "f"), ""), 0, 6), "0")
    frac = pc.if_else(pc.equal(frac, ""), pa.scalar(""), pc.binary_join_element_wise(".", frac, ""))
    out = pc.binary_join_element_wise(base, frac, pa.array(_offset_text(offset), type=pa.string()), "")
    return pc.if_else(pa.array(ok), out, _NULL)


def parse_dates(a: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Trimmed text (full-width folded) -> canonical ``YYYY-MM-DD``, null where not a contract date form."""
    a = _combined(a).cast(pa.string())
    return _with_fast_path(a, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", 10, "", _parse_dates)


def _parse_dates(a: pa.Array) -> pa.Array:
    parts = pc.extract_regex(a, _DATE_RE)
    matched = pc.is_valid(parts).to_numpy(zero_copy_only=False)
    y = _ints(_field(parts, "y"))
    mo = _ints(pc.coalesce(_field(parts, "mo"), _field(parts, "mo8"), _field(parts, "moc")))
    d = _ints(pc.coalesce(_field(parts, "d"), _field(parts, "d8"), _field(parts, "dc")))
    s1, s2 = pc.struct_field(parts, "s1"), pc.struct_field(parts, "s2")
    same_sep = pc.fill_null(pc.equal(s1, s2), False).to_numpy(zero_copy_only=False)
    ok = matched & same_sep & _real_dates(y, mo, d)
    mo_t = pc.utf8_lpad(pc.coalesce(_field(parts, "mo"), _field(parts, "mo8"), _field(parts, "moc")), 2, "0")
    d_t = pc.utf8_lpad(pc.coalesce(_field(parts, "d"), _field(parts, "d8"), _field(parts, "dc")), 2, "0")
    text = pc.binary_join_element_wise(_field(parts, "y"), mo_t, d_t, "-")
    out = pc.if_else(pa.array(ok), text, _NULL)
    rest = ~matched & pc.is_valid(a).to_numpy(zero_copy_only=False)
    if rest.any():
        # A timestamp form at midnight names a date (Oracle DATE exports, dates written as timestamps
        # by Java, pandas or Spark): midnight as written (in the sender's zone: that date), or else
        # midnight once converted to Shanghai time (a UTC instant of a Shanghai midnight).
        idx = np.flatnonzero(rest)
        sub = a.take(pa.array(idx))
        ts = parse_timestamps(sub)
        midnight = pc.fill_null(pc.equal(pc.utf8_slice_codeunits(ts, 10, 19), " 00:00:00"), False)
        midnight = pc.and_(midnight, pc.invert(pc.fill_null(pc.equal(pc.utf8_slice_codeunits(ts, 19, 20), "."),
                                                            False)))
        day = pc.if_else(midnight, pc.utf8_slice_codeunits(ts, 0, 10), _NULL)
        as_written = pc.extract_regex(pc.utf8_upper(sub), _MIDNIGHT_RE)
        written = pc.is_valid(as_written).to_numpy(zero_copy_only=False) & pc.is_valid(ts).to_numpy(
            zero_copy_only=False)
        if written.any():
            wy, wm, wd = (_ints(_field(as_written, k)) for k in ("y", "mo", "d"))
            text = pc.binary_join_element_wise(_field(as_written, "y"), pc.utf8_lpad(_field(as_written, "mo"), 2, "0"),
                                               pc.utf8_lpad(_field(as_written, "d"), 2, "0"), "-")
            use = written & _real_dates(wy, wm, wd)
            day = pc.if_else(pa.array(use), text, day)
        merged = _combined(out).to_numpy(zero_copy_only=False).astype(object)
        merged[idx] = day.to_numpy(zero_copy_only=False)
        out = pa.array(merged, type=pa.string())
    return out


def parse_bools(a: pa.Array | pa.ChunkedArray) -> pa.Array:
    u = pc.utf8_upper(_combined(a).cast(pa.string()))
    return pc.if_else(pc.is_in(u, value_set=pa.array(BOOL_TRUE)), pa.scalar("true"),
                      pc.if_else(pc.is_in(u, value_set=pa.array(BOOL_FALSE)), pa.scalar("false"), _NULL))


# ---------------------------------------------------------------------------------------------
# The documented contract: every form with examples (delivered text -> canonical text), and forms
# that are refused. tests/ingest/test_contract_forms.py runs each through the normaliser.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    name: str
    examples: tuple[tuple[str, str], ...]


FORMS: dict[str, tuple[Form, ...]] = {
    "timestamp": (
        Form("`YYYY-MM-DD HH:MM:SS`, wall time in Asia/Shanghai",
             (("2024-07-12 19:00:58", "2024-07-12 19:00:58+08:00"),)),
        Form("ISO 8601 / RFC 3339 with `T` and an offset `±HH:MM`",
             (("2024-07-12T19:00:58+08:00", "2024-07-12 19:00:58+08:00"),
              ("2024-07-12T06:00:58-05:00", "2024-07-12 19:00:58+08:00"))),
        Form("`Z` (UTC)", (("2024-07-12T11:00:58Z", "2024-07-12 19:00:58+08:00"),
                           ("2024-07-12t11:00:58z", "2024-07-12 19:00:58+08:00"))),
        Form("offset `±HHMM` or `±HH`, also after a space",
             (("2024-07-12 19:00:58 +0800", "2024-07-12 19:00:58+08:00"),
              ("2024-07-12 11:00:58+00", "2024-07-12 19:00:58+08:00"))),
        Form("fractional seconds, 1 to 9 digits (kept to the microsecond)",
             (("2024-07-12T19:00:58.5+08:00", "2024-07-12 19:00:58.5+08:00"),
              ("2024-07-12 19:00:58.123456789", "2024-07-12 19:00:58.123456+08:00"),
              ("2024-07-12 19:00:58.000", "2024-07-12 19:00:58+08:00"))),
        Form("no seconds `YYYY-MM-DD HH:MM`", (("2024-07-12 19:00", "2024-07-12 19:00:00+08:00"),)),
        Form("`YYYY/MM/DD`, one-digit month, day or hour",
             (("2024/7/2 9:05:00", "2024-07-02 09:05:00+08:00"),)),
        Form("a date alone is midnight", (("2024-07-12", "2024-07-12 00:00:00+08:00"),)),
        Form("full-width digits and surrounding spaces", (("　２０２４-０７-１２ １９:００:５８ ", "2024-07-12 19:00:58+08:00"),)),
        Form("before 1992 the offset is Shanghai's at that time (summer time 1986-1991)",
             (("1988-07-01 10:00:00", "1988-07-01 10:00:00+09:00"),
              ("1988-07-01T01:00:00Z", "1988-07-01 10:00:00+09:00"))),
    ),
    "date": (
        Form("`YYYY-MM-DD`", (("2024-07-12", "2024-07-12"),)),
        Form("`YYYY/MM/DD`, `YYYY.MM.DD`, one-digit month or day",
             (("2024/07/12", "2024-07-12"), ("2024.7.2", "2024-07-02"), ("2024-7-2", "2024-07-02"))),
        Form("`YYYYMMDD`", (("20240712", "2024-07-12"),)),
        Form("`YYYY年M月D日`", (("2024年7月12日", "2024-07-12"),)),
        Form("a timestamp at midnight, as written (the sender's date) or once in Shanghai time",
             (("2024-07-12 00:00:00", "2024-07-12"), ("2024-07-12T00:00:00.000+08:00", "2024-07-12"),
              ("2024-07-12T00:00:00-05:00", "2024-07-12"), ("1943-02-10T00:00:00+08:00", "1943-02-10"),
              ("2024-07-11T16:00:00Z", "2024-07-12"))),
        Form("full-width digits", (("２０２４-０７-１２", "2024-07-12"),)),
    ),
    "decimal": (
        Form("digits with an optional sign and decimal point (exact, never through float)",
             (("1234.50", "1234.50"), ("-0.5", "-0.5"), ("+12", "12"), (".5", "0.5"), ("12.", "12"))),
        Form("thousands separators in groups of three", (("1,234,567.89", "1234567.89"),)),
        Form("a JSON number (read exactly)", (("1234.5", "1234.5"),)),
        Form("full-width digits", (("１２３４.５", "1234.5"),)),
    ),
    "int": (
        Form("digits with an optional sign", (("42", "42"), ("-7", "-7"), ("+3", "3"))),
        Form("a whole number written with a zero fraction (spreadsheets)", (("2024.0", "2024"),)),
        Form("thousands separators in groups of three", (("1,000", "1000"),)),
    ),
    "bool": (
        Form("true: " + ", ".join(f"`{v.lower() if v.isascii() else v}`" for v in BOOL_TRUE) + " (any case)",
             tuple((v.lower() if v.isascii() else v, "true") for v in BOOL_TRUE) + (("True", "true"),)),
        Form("false: " + ", ".join(f"`{v.lower() if v.isascii() else v}`" for v in BOOL_FALSE) + " (any case)",
             tuple((v.lower() if v.isascii() else v, "false") for v in BOOL_FALSE) + (("FALSE", "false"),)),
    ),
}

REFUSED: dict[str, tuple[tuple[str, str], ...]] = {
    "timestamp": (
        ("2024-07-12T25:00:00", "hour 25"),
        ("2024-02-30 10:00:00", "not a calendar date"),
        ("2024-07-12T19:00:58+25:00", "offset beyond ±14:00"),
        ("12/07/2024 19:00", "day-first dates are ambiguous"),
        ("2024-07-12 19:00:58 CST", "zone abbreviations are ambiguous (CST is also US Central)"),
        ("1720782058", "epoch seconds"),
        ("2024-07/12 19:00", "mixed separators"),
    ),
    "date": (
        ("2023-02-29", "not a calendar date"),
        ("12/07/2024", "day-first dates are ambiguous"),
        ("2024-07-12 10:30:00", "a time of day other than midnight"),
        ("45485", "a spreadsheet serial number delivered as text"),
        ("2024-07", "a month, not a date"),
    ),
    "decimal": (
        ("12,34", "a decimal comma (or misplaced separator)"),
        ("1.5e3", "exponent notation in text"),
        ("¥12", "currency symbols"),
        ("NaN", "not a number"),
    ),
    "int": (("1.5", "a fraction"), ("9223372036854775808", "beyond bigint"), ("1e3", "exponent notation")),
    "bool": (("maybe", "not a spelling of true or false"), ("2", "not 0 or 1")),
}
