"""Every form the contract lists (tianyan.ingest.forms, docs/contract.md) normalises to its documented
canonical text; every refused form is a `type` failure that shows the value (masked where it is an
identifier). Hypothesis varies the forms; PostgreSQL checks that the canonical text stores the instant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tianyan.ingest.forms import BOOL_FALSE, BOOL_TRUE, FORMS, REFUSED
from tianyan.ingest.normalise import normalise
from tianyan.registry import ColumnSpec, Delivery, FeedSpec

SHANGHAI = ZoneInfo("Asia/Shanghai")
TYPES = ("timestamp", "date", "decimal", "int", "bool")


def feed_of(*columns: tuple[str, str]) -> FeedSpec:
    return FeedSpec(id="test.forms", title="forms", key=(columns[0][0],),
                    delivery=Delivery(transport="file", format="csv", mode="append", cadence="daily"),
                    columns=tuple(ColumnSpec.parse(n, notation) for n, notation in columns))


FEED = feed_of(*((t, t) for t in TYPES))


def norm(typ: str, values: list) -> tuple[list, pd.DataFrame]:
    raw = pd.DataFrame({t: (values if t == typ else [None] * len(values)) for t in TYPES}, dtype=object)
    out, fails = normalise(FEED, raw)
    return out[typ].tolist(), fails


@pytest.mark.parametrize("typ", sorted(FORMS))
def test_every_documented_form_gives_its_canonical_text(typ):
    examples = [ex for form in FORMS[typ] for ex in form.examples]
    got, fails = norm(typ, [i for i, _ in examples])
    assert got == [o for _, o in examples]
    assert fails.empty


@pytest.mark.parametrize("typ", sorted(REFUSED))
def test_every_refused_form_is_a_type_failure_showing_the_value(typ):
    values = [i for i, _ in REFUSED[typ]]
    got, fails = norm(typ, values)
    assert got == [None] * len(values)
    assert fails["rule"].tolist() == ["type"] * len(values) and fails["row"].tolist() == list(range(len(values)))
    for value, msg in zip(values, fails["message"], strict=True):
        assert repr(value) in msg and typ in msg


def test_iso_8601_with_t_and_offset_is_accepted():
    # The form that rejected four feeds of an independent city whole.
    assert norm("timestamp", ["2024-07-12T19:00:58+08:00"])[0] == ["2024-07-12 19:00:58+08:00"]


def test_failure_messages_mask_identifiers():
    feed = feed_of(("id_no", "string! id18"), ("account", "string"), ("amount", "decimal"))
    raw = pd.DataFrame({"id_no": ["110101199003071234\x00"], "account": ["6222\x00"], "amount": ["1.2.3"]},
                       dtype=object)
    _, fails = normalise(feed, raw)
    by_col = dict(zip(fails["column"], fails["message"], strict=True))
    assert "110101************" in by_col["id_no"] and "199003071234" not in by_col["id_no"]
    assert "'***'" in by_col["account"] and "6222" not in by_col["account"]
    assert "'1.2.3'" in by_col["amount"]


# --- Hypothesis: the forms vary, the canonical text does not -------------------------------------

OFFSETS = st.sampled_from([None, 0, 8 * 60, -5 * 60, 5 * 60 + 30, 14 * 60, -12 * 60, 9 * 60])


def render_timestamp(local: dt.datetime, offset_min: int | None, sep: str, frac_digits: int, tz_style: str,
                     seconds: bool) -> str:
    date = local.strftime("%Y-%m-%d")
    clock = local.strftime("%H:%M") + (local.strftime(":%S") if seconds else "")
    if seconds and frac_digits:
        clock += "." + f"{local.microsecond:06d}{'0' * 3}"[:frac_digits]
    if offset_min is None:
        return f"{date}{sep}{clock}"
    if offset_min == 0 and tz_style == "z":
        return f"{date}{sep}{clock}Z"
    sign = "+" if offset_min >= 0 else "-"
    h, m = divmod(abs(offset_min), 60)
    zone = {"colon": f"{sign}{h:02d}:{m:02d}", "compact": f"{sign}{h:02d}{m:02d}",
            "z": f"{sign}{h:02d}:{m:02d}", "hours": f"{sign}{h:02d}" if m == 0 else f"{sign}{h:02d}{m:02d}"}[tz_style]
    return f"{date}{sep}{clock}{zone}"


def expected_timestamp(local: dt.datetime, offset_min: int | None, frac_digits: int, seconds: bool) -> str:
    micro = int(f"{local.microsecond:06d}"[:frac_digits].ljust(6, "0")) if (seconds and frac_digits) else 0
    wall = local.replace(second=local.second if seconds else 0, microsecond=micro)
    if offset_min is None:
        aware = wall.replace(tzinfo=SHANGHAI)
    else:
        aware = wall.replace(tzinfo=dt.timezone(dt.timedelta(minutes=offset_min))).astimezone(SHANGHAI)
    off = aware.utcoffset()
    total = int(off.total_seconds())
    h, rest = divmod(abs(total), 3600)
    m, s = divmod(rest, 60)
    text = aware.strftime("%Y-%m-%d %H:%M:%S")
    if aware.microsecond:
        text += "." + f"{aware.microsecond:06d}".rstrip("0")
    return text + ("+" if total >= 0 else "-") + f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


@settings(max_examples=400, deadline=None)
@given(local=st.datetimes(dt.datetime(1900, 1, 2), dt.datetime(2200, 12, 30)), offset=OFFSETS,
       sep=st.sampled_from(["T", " ", "t"]), frac=st.integers(0, 9),
       tz_style=st.sampled_from(["colon", "compact", "z", "hours"]), seconds=st.booleans(),
       pad=st.sampled_from(["", " ", "\t", "　"]))
def test_timestamps_in_any_declared_form(local, offset, sep, frac, tz_style, seconds, pad):
    text = pad + render_timestamp(local, offset, sep, frac, tz_style, seconds) + pad
    assert norm("timestamp", [text])[0] == [expected_timestamp(local, offset, frac, seconds)]


@settings(max_examples=300, deadline=None)
@given(day=st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
       form=st.sampled_from(["iso", "slash", "dot", "compact", "chinese", "unpadded", "midnight", "midnight+8",
                             "midnight-utc", "fullwidth"]))
def test_dates_in_any_declared_form(day, form):
    y, m, d = f"{day.year:04d}", day.month, day.day
    text = {"iso": f"{y}-{m:02d}-{d:02d}", "slash": f"{y}/{m:02d}/{d:02d}", "dot": f"{y}.{m}.{d}",
            "compact": f"{y}{m:02d}{d:02d}", "chinese": f"{y}年{m}月{d}日", "unpadded": f"{y}-{m}-{d}",
            "midnight": f"{y}-{m:02d}-{d:02d}T00:00:00", "midnight+8": f"{y}-{m:02d}-{d:02d}T00:00:00+08:00",
            "midnight-utc": f"{y}-{m:02d}-{d:02d} 00:00:00.000Z",
            "fullwidth": f"{y}-{m:02d}-{d:02d}".translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})}[form]
    assert norm("date", [text])[0] == [day.isoformat()]


@settings(max_examples=300, deadline=None)
@given(value=st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=4, allow_nan=False),
       grouped=st.booleans(), plus=st.booleans())
def test_decimals_exact_in_any_declared_form(value, grouped, plus):
    text = f"{value:,f}" if grouped else format(value, "f")
    if plus and value >= 0:
        text = "+" + text
    got = norm("decimal", [text])[0][0]
    assert Decimal(got) == value and "," not in got and "e" not in got.lower()


@settings(max_examples=200, deadline=None)
@given(word=st.sampled_from(BOOL_TRUE + BOOL_FALSE), case=st.sampled_from(["upper", "lower", "title"]))
def test_bool_spellings(word, case):
    text = getattr(word, case)()
    assert norm("bool", [text])[0] == ["true" if word in BOOL_TRUE else "false"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="0123456789-/:.TZ+ ", max_size=30))
def test_anything_accepted_as_a_timestamp_is_canonical(text):
    got = norm("timestamp", [text])[0][0]
    if got is not None:
        assert norm("timestamp", [got])[0][0] == got  # canonical text is a fixed point
        assert dt.datetime.fromisoformat(got)


def test_canonical_text_stores_the_instant_and_the_wall_time(warehouse_url):
    """PostgreSQL reads the canonical text as the same instant (timestamptz) and the same Shanghai
    wall time (timestamp: the offset is ignored), whatever the delivered form."""
    values = ["2024-07-12T11:00:58.25Z", "2024-07-12 19:00:58", "1988-07-01T01:00:00Z", "1900-06-01 12:00:00",
              "2024-12-31T23:59:59-10:00"]
    canonical = norm("timestamp", values)[0]
    from tianyan.warehouse.conn import psycopg_dsn

    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn:
        conn.execute("set timezone = 'UTC'")  # whatever the session's zone, the offset decides
        for raw, text in zip(values, canonical, strict=True):
            instant, wall = conn.execute("select %s::timestamptz, %s::timestamp", (text, text)).fetchone()
            local = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            aware = local if local.tzinfo else local.replace(tzinfo=SHANGHAI)
            assert instant == aware, raw
            assert wall == aware.astimezone(SHANGHAI).replace(tzinfo=None), raw
