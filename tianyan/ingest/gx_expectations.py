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
  plausibility (include/config/plausibility.yaml; the delivery date is the suite parameter
  ``delivery_date``, passed by tianyan.ingest.validate):
    future_date  ExpectColumnValuesToBeDatesBetween  event date not after the delivery date + tolerance
    birth_date   ExpectColumnValuesToHaveBirthDateBetween (id18) / ...DatesBetween (date columns)
    code_shape   ExpectColumnValuesToMatchShape      the whole value matches the column's shape

Importing this module registers the expectations and metrics with GX (class creation does it);
import it before loading a suite from JSON, or GX silently drops the unknown expectation types.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from great_expectations.core.suite_parameters import SuiteParameterDict
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.core.expect_column_values_to_not_be_null import (
    ExpectColumnValuesToNotBeNull,
)
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

from tianyan.ids import USCC_ALPHABET as USCC_ALPHABET  # re-exported: part of the uscc rule
from tianyan.ids import as_text_array, id18_birth_dates, valid_id18_arrow, valid_uscc_arrow

# ---------------------------------------------------------------------------------------------
# Vectorised checks: Series of str/None -> boolean Series (True = good). Nulls count as good
# except in `is_present`; GX removes nulls before calling a condition anyway, and an optional
# column's null passes every rule.
# ---------------------------------------------------------------------------------------------

_REGION_SHAPE = r"[0-9]{12}"
_PERIOD_SHAPE = r"[0-9]{4}-(?:0[1-9]|1[0-2])"


def _text(s: pd.Series) -> pd.Series:
    """The values as pandas' Arrow-backed ``str`` dtype (regexes in C++; None stays missing)."""
    return s if s.dtype == "str" else s.astype("str")


def _shape(s: pd.Series, pattern: str) -> np.ndarray:
    """Boolean array: value fully matches `pattern`; missing values give False."""
    return _text(s).str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def is_present(s: pd.Series) -> pd.Series:
    """Required: not null and not blank."""
    filled = _text(s).str.strip().str.len().fillna(0).to_numpy() > 0
    return pd.Series(filled, index=s.index)


def is_id18(s: pd.Series) -> pd.Series:
    """GB 11643 resident id: the one implementation, ``tianyan.ids.valid_id18_arrow`` (17 digits, check
    character, real birth date); nulls pass."""
    return pd.Series(valid_id18_arrow(as_text_array(s)), index=s.index) | s.isna()


def is_uscc(s: pd.Series) -> pd.Series:
    """GB 32100 unified social credit code: ``tianyan.ids.valid_uscc_arrow`` (stdnum's rule); nulls pass."""
    return pd.Series(valid_uscc_arrow(as_text_array(s)), index=s.index) | s.isna()


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


def _limit(date: str | None, days: int = 0) -> str | None:
    """An ISO date (+ days) as text; canonical dates and timestamps compare as text on their first 10."""
    if not date:
        return None
    return (dt.date.fromisoformat(str(date)[:10]) + dt.timedelta(days=int(days or 0))).isoformat()


def is_date_between(s: pd.Series, min_date: str | None = None, max_date: str | None = None,
                    tolerance_days: int = 0) -> pd.Series:
    """Canonical dates / timestamps (YYYY-MM-DD..., a timestamp's Shanghai date) within
    [min_date, max_date + tolerance_days]; nulls pass, and so do values that are not dates (a `type`
    failure already)."""
    day = _text(s).str.slice(0, 10)
    day = day.mask(day.str.strip() == "")  # blank is missing: the `required` rule's business
    ok = np.ones(len(s), dtype=bool)
    lo, hi = _limit(min_date), _limit(max_date, tolerance_days)
    if lo is not None:
        ok &= ~(day < lo).fillna(False).to_numpy(dtype=bool)
    if hi is not None:
        ok &= ~(day > hi).fillna(False).to_numpy(dtype=bool)
    return pd.Series(ok, index=s.index)


def has_birth_date_between(s: pd.Series, min_date: str | None = None, max_date: str | None = None) -> pd.Series:
    """The birth date inside a resident id (characters 7-14) within [min_date, max_date]; values that are
    not 17 digits + check character pass (the id18 rule reports them), as do nulls."""
    born = id18_birth_dates(as_text_array(s))
    ok = born == 0
    lo = int(_limit(min_date).replace("-", "")) if min_date else 0
    hi = int(_limit(max_date).replace("-", "")) if max_date else 99991231
    ok |= (born >= lo) & (born <= hi)
    return pd.Series(ok, index=s.index)


def matches_shape(s: pd.Series, pattern: str) -> pd.Series:
    """The whole value matches `pattern` (RE2); nulls and blanks pass (`required` reports those)."""
    return pd.Series(_shape(s, pattern) | ~is_present(s).to_numpy(), index=s.index)


# ---------------------------------------------------------------------------------------------
# GX metrics: one ColumnMapMetricProvider per rule. GX calls the pandas partial with the non-null
# values of the column (filter_column_isnull) and inverts the result into "unexpected".
# ---------------------------------------------------------------------------------------------


def _value_check_metric(class_name: str, metric_name: str, check, *, see_nulls: bool = False) -> type:
    """A map metric that applies a vectorised, parameterless check (a function of this module) to the column.
    GX's metric metaclass registers the class as it is created, so this is the same as writing it out."""

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return check(column)

    namespace = {"__module__": __name__, "condition_metric_name": metric_name, "_pandas": _pandas}
    if see_nulls:
        namespace["filter_column_isnull"] = False
    return type(class_name, (ColumnMapMetricProvider,), namespace)


# Nulls are the point of `present`: its condition must see them.
ColumnValuesPresent = _value_check_metric("ColumnValuesPresent", "column_values.tianyan_present", is_present,
                                          see_nulls=True)
ColumnValuesValidId18 = _value_check_metric("ColumnValuesValidId18", "column_values.tianyan_valid_id18", is_id18)
ColumnValuesValidUscc = _value_check_metric("ColumnValuesValidUscc", "column_values.tianyan_valid_uscc", is_uscc)
ColumnValuesValidRegionCode = _value_check_metric("ColumnValuesValidRegionCode",
                                                  "column_values.tianyan_valid_region_code", is_region)
ColumnValuesValidPeriod = _value_check_metric("ColumnValuesValidPeriod", "column_values.tianyan_valid_period",
                                              is_period)


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


class ColumnValuesDatesBetween(ColumnMapMetricProvider):
    condition_metric_name = "column_values.tianyan_dates_between"
    condition_value_keys = ("min_date", "max_date", "tolerance_days")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, min_date: str | None = None, max_date: str | None = None,
                tolerance_days: int = 0, **kwargs: Any) -> pd.Series:
        return is_date_between(column, min_date, max_date, tolerance_days)


class ColumnValuesBirthDateBetween(ColumnMapMetricProvider):
    condition_metric_name = "column_values.tianyan_birth_date_between"
    condition_value_keys = ("min_date", "max_date")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, min_date: str | None = None, max_date: str | None = None,
                **kwargs: Any) -> pd.Series:
        return has_birth_date_between(column, min_date, max_date)


class ColumnValuesMatchShape(ColumnMapMetricProvider):
    condition_metric_name = "column_values.tianyan_match_shape"
    condition_value_keys = ("pattern",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, pattern: str = ".*", **kwargs: Any) -> pd.Series:
        return matches_shape(column, pattern)


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


class ExpectColumnValuesToBeDatesBetween(ColumnMapExpectation):
    """Expect canonical dates or timestamps between min_date and max_date + tolerance_days (rules
    `future_date`, `birth_date`). Either bound may be the suite parameter ``{"$PARAMETER": "delivery_date"}``."""

    min_date: str | SuiteParameterDict | None = None
    max_date: str | SuiteParameterDict | None = None
    tolerance_days: int = 0

    map_metric: ClassVar[str] = "column_values.tianyan_dates_between"
    success_keys: ClassVar[tuple[str, ...]] = ("min_date", "max_date", "tolerance_days", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "min_date", "max_date")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["tianyan"]}


class ExpectColumnValuesToHaveBirthDateBetween(ColumnMapExpectation):
    """Expect the birth date inside resident ids between min_date and max_date (rule `birth_date`)."""

    min_date: str | SuiteParameterDict | None = None
    max_date: str | SuiteParameterDict | None = None

    map_metric: ClassVar[str] = "column_values.tianyan_birth_date_between"
    success_keys: ClassVar[tuple[str, ...]] = ("min_date", "max_date", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "min_date", "max_date")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["tianyan"]}


class ExpectColumnValuesToMatchShape(ColumnMapExpectation):
    """Expect the whole value to match the column's declared shape, a regular expression (rule `code_shape`)."""

    pattern: str

    map_metric: ClassVar[str] = "column_values.tianyan_match_shape"
    success_keys: ClassVar[tuple[str, ...]] = ("pattern", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "pattern")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["tianyan"]}

