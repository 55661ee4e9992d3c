"""Custom Great Expectations (1.x, pandas) for the spec's row rules, and the vectorised checks behind them.

The checks are plain functions over a pandas Series of canonical strings (see
``tianyan.ingest.normalise``) returning a boolean Series "value is good", so the same code backs the
GX expectations, the benchmark's plain-pandas reference and the tests. They are vectorised: string
shape with the Arrow-backed ``str`` dtype (regexes run in C++, ~3x faster than on object dtype),
check digits with numpy over the digit matrix. python-stdnum is the reference implementation the
tests cross-check against; it is not called per row (about 8 s per million ids, and its
``cn.ric`` birth-place lookup rejects codes missing from its bundled table and can raise KeyError).

Rules (names are the quarantine rule names of docs/conventions.md):
    required  ExpectColumnValuesToBePresent         not null, not empty/blank
    id18      ExpectColumnValuesToBeValidId18       GB 11643: 17 digits + check char, real birth date
    uscc      ExpectColumnValuesToBeValidUscc       GB 32100: 8 digits + 10 code chars, check char
    region    ExpectColumnValuesToBeValidRegionCode 12 ASCII digits
    period    ExpectColumnValuesToBeValidPeriod     YYYY-MM, month 01-12
    bound     ExpectColumnValuesToBeNumberBetween   decimal/int strings compared as numbers
    enum      expect_column_values_to_be_in_set      (GX core)
    unique    expect_column_values_to_be_unique      (GX core: every row of a duplicated value fails)

Importing this module registers the expectations and metrics with GX (class creation does it);
import it before loading a suite from JSON, or GX silently drops the unknown expectation types.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.core.expect_column_values_to_not_be_null import (
    ExpectColumnValuesToNotBeNull,
)
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

# ---------------------------------------------------------------------------------------------
# Vectorised checks: Series of str/None -> boolean Series (True = good). Nulls count as good
# except in `is_present`; GX removes nulls before calling a condition anyway, and an optional
# column's null passes every rule.
# ---------------------------------------------------------------------------------------------

_ID18_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
# Check value (sum % 11) -> check character, as ASCII codes so the comparison stays in numpy.
_ID18_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_USCC_VALUE = np.full(256, 0, dtype=np.int64)
for _i, _ch in enumerate(USCC_ALPHABET):
    _USCC_VALUE[ord(_ch)] = _i

# [0-9] rather than \d: \d also matches full-width and other Unicode digits.
_ID18_SHAPE = r"[0-9]{17}[0-9X]"
_USCC_SHAPE = rf"[0-9]{{8}}[{USCC_ALPHABET}]{{10}}"
_REGION_SHAPE = r"[0-9]{12}"
_PERIOD_SHAPE = r"[0-9]{4}-(?:0[1-9]|1[0-2])"


def _text(s: pd.Series) -> pd.Series:
    """The values as pandas' Arrow-backed ``str`` dtype (regexes in C++; None stays missing)."""
    return s if s.dtype == "str" else s.astype("str")


def _shape(s: pd.Series, pattern: str) -> np.ndarray:
    """Boolean array: value fully matches `pattern`; missing values give False."""
    return _text(s).str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def _ascii_matrix(values: pd.Series, width: int) -> np.ndarray:
    """Fixed-width ASCII strings -> uint8 matrix (n, width). Callers ensure the shape first."""
    buf = "".join(values.tolist()).encode("ascii")
    return np.frombuffer(buf, dtype=np.uint8).reshape(-1, width)


def is_present(s: pd.Series) -> pd.Series:
    """Required: not null and not blank."""
    filled = _text(s).str.strip().str.len().fillna(0).to_numpy() > 0
    return pd.Series(filled, index=s.index)


def is_id18(s: pd.Series) -> pd.Series:
    """GB 11643 resident id: 17 digits + check character (0-9, X) and a real birth date.

    Matches python-stdnum's ``cn.ric`` length/format/checksum/birth-date checks; the birth-place
    lookup is left out on purpose (its table lags administrative changes, so valid ids of
    re-coded districts would be quarantined).
    """
    ok = _shape(s, _ID18_SHAPE)
    out = np.zeros(len(s), dtype=bool)
    if ok.any():
        m = _ascii_matrix(s[ok], 18)
        d = m[:, :17].astype(np.int64) - 48
        check_ok = _ID18_CHECK[(d @ _ID18_WEIGHTS) % 11] == m[:, 17]
        year = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
        month = d[:, 10] * 10 + d[:, 11]
        day = d[:, 12] * 10 + d[:, 13]
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        month_ok = (month >= 1) & (month <= 12)
        days = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
        date_ok = (year >= 1) & month_ok & (day >= 1) & (day <= days)
        out[ok] = check_ok & date_ok
    return pd.Series(out, index=s.index) | s.isna()


def is_uscc(s: pd.Series) -> pd.Series:
    """GB 32100 unified social credit code: 8 digits, 10 code characters, check character.

    Same rule as python-stdnum ``cn.uscc.is_valid`` (upper case only: normalisation upper-cases).
    """
    ok = _shape(s, _USCC_SHAPE)
    out = np.zeros(len(s), dtype=bool)
    if ok.any():
        v = _USCC_VALUE[_ascii_matrix(s[ok], 18)]
        out[ok] = (31 - (v[:, :17] @ _USCC_WEIGHTS) % 31) % 31 == v[:, 17]
    return pd.Series(out, index=s.index) | s.isna()


def is_region(s: pd.Series) -> pd.Series:
    """12-digit administrative division code (district = first 6)."""
    return pd.Series(_shape(s, _REGION_SHAPE), index=s.index) | s.isna()


def is_period(s: pd.Series) -> pd.Series:
    """Month as YYYY-MM with month 01-12."""
    return pd.Series(_shape(s, _PERIOD_SHAPE), index=s.index) | s.isna()


def to_number(s: pd.Series) -> pd.Series:
    """Decimal/int strings -> float64 (NaN where not a number).

    float is exact enough for comparing against the spec's bounds (0 and small integers): the sign
    and integer part of a decimal string survive the conversion; money itself stays exact text and is
    loaded as numeric, never through this.
    """
    return pd.to_numeric(_text(s), errors="coerce").astype("float64")


def is_number_between(
    s: pd.Series,
    min_value: float | None = None,
    max_value: float | None = None,
    strict_min: bool = False,
    strict_max: bool = False,
) -> pd.Series:
    """Numeric bound on decimal/int strings; a non-null value that is not a number fails."""
    v = to_number(s).to_numpy()
    with np.errstate(invalid="ignore"):
        ok = ~np.isnan(v)
        if min_value is not None:
            ok &= (v > min_value) if strict_min else (v >= min_value)
        if max_value is not None:
            ok &= (v < max_value) if strict_max else (v <= max_value)
    return pd.Series(ok, index=s.index) | s.isna()


# ---------------------------------------------------------------------------------------------
# GX metrics: one ColumnMapMetricProvider per rule. GX calls the pandas partial with the non-null
# values of the column (filter_column_isnull) and inverts the result into "unexpected".
# ---------------------------------------------------------------------------------------------


class ColumnValuesPresent(ColumnMapMetricProvider):
    condition_metric_name = "column_values.tianyan_present"
    # Nulls are the point of this rule: the condition must see them.
    filter_column_isnull = False

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return is_present(column)


class ColumnValuesValidId18(ColumnMapMetricProvider):
    condition_metric_name = "column_values.tianyan_valid_id18"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return is_id18(column)


class ColumnValuesValidUscc(ColumnMapMetricProvider):
    condition_metric_name = "column_values.tianyan_valid_uscc"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return is_uscc(column)


class ColumnValuesValidRegionCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.tianyan_valid_region_code"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return is_region(column)


class ColumnValuesValidPeriod(ColumnMapMetricProvider):
    condition_metric_name = "column_values.tianyan_valid_period"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return is_period(column)


class ColumnValuesNumberBetween(ColumnMapMetricProvider):
    condition_metric_name = "column_values.tianyan_number_between"
    condition_value_keys = ("min_value", "max_value", "strict_min", "strict_max")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        column: pd.Series,
        min_value: float | None = None,
        max_value: float | None = None,
        strict_min: bool = False,
        strict_max: bool = False,
        **kwargs: Any,
    ) -> pd.Series:
        return is_number_between(column, min_value, max_value, strict_min, strict_max)


# ---------------------------------------------------------------------------------------------
# Expectations. The class name decides the JSON "type" (snake case of the name), so renaming a
# class breaks every stored suite: suites.load_suite asserts nothing was dropped.
# ---------------------------------------------------------------------------------------------


class ExpectColumnValuesToBePresent(ExpectColumnValuesToNotBeNull):
    """Expect column values to be present: not null and not empty or blank (rule `required`).

    Inherits not-null's success logic, which (unlike ColumnMapExpectation's) counts a column of only
    nulls as a failure instead of "vacuously true".
    """

    map_metric: ClassVar[str] = "column_values.tianyan_present"
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["tianyan"]}


class ExpectColumnValuesToBeValidId18(ColumnMapExpectation):
    """Expect column values to be GB 11643 resident identity numbers (18 chars, check digit, birth date)."""

    map_metric: ClassVar[str] = "column_values.tianyan_valid_id18"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["tianyan"]}


class ExpectColumnValuesToBeValidUscc(ColumnMapExpectation):
    """Expect column values to be GB 32100 unified social credit codes (check character valid)."""

    map_metric: ClassVar[str] = "column_values.tianyan_valid_uscc"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["tianyan"]}


class ExpectColumnValuesToBeValidRegionCode(ColumnMapExpectation):
    """Expect column values to be 12-digit administrative division codes."""

    map_metric: ClassVar[str] = "column_values.tianyan_valid_region_code"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["tianyan"]}


class ExpectColumnValuesToBeValidPeriod(ColumnMapExpectation):
    """Expect column values to be months written YYYY-MM (month 01-12)."""

    map_metric: ClassVar[str] = "column_values.tianyan_valid_period"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["tianyan"]}


class ExpectColumnValuesToBeNumberBetween(ColumnMapExpectation):
    """Expect decimal/int strings to be numbers within bounds (rule `bound`: >0, >=0, between a b).

    GX's own expect_column_values_to_be_between compares the strings themselves, so '10' < '9'.
    """

    min_value: float | None = None
    max_value: float | None = None
    strict_min: bool = False
    strict_max: bool = False

    map_metric: ClassVar[str] = "column_values.tianyan_number_between"
    success_keys: ClassVar[tuple[str, ...]] = ("min_value", "max_value", "strict_min", "strict_max", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "min_value", "max_value")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["tianyan"]}


CUSTOM_EXPECTATIONS: tuple[type[ColumnMapExpectation], ...] = (
    ExpectColumnValuesToBePresent,
    ExpectColumnValuesToBeValidId18,
    ExpectColumnValuesToBeValidUscc,
    ExpectColumnValuesToBeValidRegionCode,
    ExpectColumnValuesToBeValidPeriod,
    ExpectColumnValuesToBeNumberBetween,
)
