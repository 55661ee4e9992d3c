"""One GB 11643 / GB 32100 implementation (tianyan.ids), used by normalisation and by the GX rule,
checked against python-stdnum over generated ids (Hypothesis): calendar, check digit, shape."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from tianyan import ids
from tianyan.ingest import gx_expectations as g


def with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def stdnum_ric(value: str) -> bool:
    """stdnum's cn.ric without its birth-place table (see ids.valid_id18_arrow)."""
    try:
        v = ric.compact(value)
        return len(v) == 18 and v[:17].isdigit() and v[:17].isascii() and v[-1] == ric.calc_check_digit(v) \
            and bool(ric.get_birth_date(v))
    except Exception:  # noqa: BLE001 - stdnum raises its own ValidationError types
        return False


def test_calendar_dates_decide_validity_in_both_rules():
    cases = {
        "19900230": False,  # 30 February: was valid for ids.valid_id18 (any day up to 31)
        "19900431": False,  # 31 April
        "20000229": True,  # leap year (divisible by 400)
        "19000229": False,  # not a leap year (divisible by 100)
        "20240229": True,
        "00000101": False,  # year 0000
        "19901301": False,
        "19900100": False,
    }
    values = [with_check(f"110101{ymd}123") for ymd in cases]
    got_ids = ids.valid_id18(pd.Series(values)).tolist()
    got_gx = g.is_id18(pd.Series(values, dtype=object)).tolist()
    assert got_ids == list(cases.values())
    assert got_gx == got_ids


def test_the_gx_rule_is_the_ids_rule():
    # gx_expectations has no check-digit arithmetic of its own any more.
    assert not hasattr(g, "_ID18_WEIGHTS") and not hasattr(g, "_USCC_WEIGHTS")


@settings(max_examples=300, deadline=None)
@given(region=st.integers(110000, 659999), birth=st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
       seq=st.integers(0, 999), day_shift=st.integers(0, 3), corrupt=st.booleans())
def test_id18_agrees_with_stdnum(region, birth, seq, day_shift, corrupt):
    ymd = f"{birth.year:04d}{birth.month:02d}{min(birth.day + day_shift, 39):02d}"
    value = with_check(f"{region}{ymd}{seq:03d}")
    if corrupt:
        value = value[:17] + ("0" if value[17] != "0" else "1")
    expected = stdnum_ric(value)
    assert ids.valid_id18(pd.Series([value])).iloc[0] == expected
    assert g.is_id18(pd.Series([value], dtype=object)).iloc[0] == expected


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="0123456789Xx -０１２", min_size=0, max_size=20))
def test_id18_never_accepts_what_stdnum_refuses(text):
    assert ids.valid_id18(pd.Series([text])).iloc[0] == (stdnum_ric(text) and text == ric.compact(text)
                                                         and text.isascii() and text[-1] != "x")


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet=ids.USCC_ALPHABET + "IOSVZ", min_size=17, max_size=17), corrupt=st.booleans())
def test_uscc_agrees_with_stdnum(body, corrupt):
    try:
        value = body + uscc.calc_check_digit(body)
    except Exception:  # noqa: BLE001 - letters outside the alphabet have no check value
        value = body + "0"
    if corrupt:
        value = value[:17] + ("0" if value[17] != "0" else "1")
    assert ids.valid_uscc_arrow(pa.array([value]))[0] == uscc.is_valid(value)
    assert g.is_uscc(pd.Series([value], dtype=object)).iloc[0] == uscc.is_valid(value)


def test_birth_dates_of_ids():
    values = pd.Series([with_check("110101219901013210"[:17]), "bad", None, with_check("11010118000101321")])
    got = ids.id18_birth_dates(ids.as_text_array(values)).tolist()
    assert got == [21990101, 0, 0, 18000101]
