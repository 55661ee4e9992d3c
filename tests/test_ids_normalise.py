import random

import pandas as pd
from stdnum.cn import ric, uscc

from tianyan.ids import normalise_id18, valid_id18
from tianyan.ingest.gx_expectations import is_uscc
from tianyan.ingest.normalise import normalise
from tianyan.registry import load_feeds


def _ids(n, seed=1):
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        body = f"3201{rnd.randint(10, 99)}{rnd.randint(1940, 1998)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}{rnd.randint(0, 999):03d}"
        out.append(body + ric.calc_check_digit(body + "0"))  # stdnum expects the full 18 chars
    return out


def test_vectorised_id18_agrees_with_stdnum():
    ids = _ids(3000)
    s = pd.Series(ids)
    assert valid_id18(s).all()
    corrupted = s.str[:17] + s.str[17].map(lambda c: "1" if c == "0" else "0")
    expected = [ric.is_valid(x) for x in corrupted]
    assert valid_id18(corrupted).tolist() == expected


def test_dirty_ids_are_recovered_never_dropped():
    good = _ids(4, seed=2)
    legacy = good[0][:6] + good[0][8:17]  # 15-digit form: no century, no check digit
    fullwidth = good[1].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    x_id = next(i for i in _ids(500, seed=3) if i.endswith("X"))
    raw = pd.Series([legacy, f"  {fullwidth} ", x_id.lower(), f"{good[3][:9]} {good[3][9:]}", "12345", None])
    out = normalise_id18(raw)
    assert out.tolist()[:4] == [good[0], good[1], x_id, good[3]]
    assert out[4] == "12345" and out[5] is None  # unrecoverable stays as delivered -> quarantined later
    assert valid_id18(out.fillna("")).tolist() == [True, True, True, True, False, False]


def test_uscc_check_character():
    rnd = random.Random(5)
    codes = []
    for _ in range(300):
        # GB 32100: 8 digits (authority, type, region), then 9 code characters before the check character
        body = f"9132{rnd.randint(0, 9999):04d}" + "".join(rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        codes.append(body + uscc.calc_check_digit(body))
    assert is_uscc(pd.Series(codes)).all() and all(uscc.is_valid(c) for c in codes)
    bad = [c[:17] + ("0" if c[17] != "0" else "1") for c in codes]
    assert is_uscc(pd.Series(bad)).tolist() == [uscc.is_valid(b) for b in bad]


def test_normalise_types_and_reports_unparseable_values():
    feed = load_feeds()["civil_affairs.assistance_payments"]
    pid = _ids(1)[0]
    raw = pd.DataFrame(
        {
            "payment_id": [" P1 ", "P2", "P3"],
            "id_no": [pid.lower(), pid, pid],
            "program": ["dibao_urban", "TEKUN", "TEKUN"],
            "period": ["202609", "2026/10", "2026-11"],
            "amount": ["1,234.50", "+12", "abc"],
            "pay_date": ["2026/09/05", "20261005", "2026-13-40"],
            "bank_account": ["6222 01", "6222", "6222"],
            "region_code": ["３２０１０２００１００１", "320102001001", "320102001001"],
        }
    )
    norm, fails = normalise(feed, raw)
    assert norm.loc[0, "payment_id"] == "P1"
    assert norm.loc[0, "program"] == "DIBAO_URBAN"
    assert norm["period"].tolist() == ["2026-09", "2026-10", "2026-11"]
    assert norm["amount"].tolist() == ["1234.50", "12", None]
    assert norm["pay_date"].tolist() == ["2026-09-05", "2026-10-05", None]
    assert norm.loc[0, "region_code"] == "320102001001"
    assert sorted(zip(fails["row"], fails["column"], fails["rule"], strict=True)) == [
        (2, "amount", "type"), (2, "pay_date", "type")
    ]


def test_quality_gate_judges_share_only_on_large_enough_deliveries():
    from tianyan.ingest.pipeline import should_reject

    assert not should_reject("civil_affairs.assistance_payments", 3, 8)  # small: quarantine, don't reject
    assert should_reject("civil_affairs.assistance_payments", 8, 8)  # nothing usable
    assert not should_reject("civil_affairs.assistance_payments", 10, 100)
    assert should_reject("civil_affairs.assistance_payments", 21, 100)


def test_dates_outside_the_nanosecond_range_are_values_not_crashes():
    feed = load_feeds()["health.death_certificates"]
    raw = pd.DataFrame({"certificate_id": ["C1", "C2", "C3"], "id_no": ["a", "b", "c"],
                        "death_date": ["2262/12/31", "1600-01-01", "2026-02-30"], "place": ["HOME"] * 3,
                        "cause_code": [None] * 3}, dtype=object)
    norm, fails = normalise(feed, raw)
    assert norm["death_date"].tolist() == ["2262-12-31", "1600-01-01", None]
    assert fails[["row", "rule", "column"]].values.tolist() == [[2, "type", "death_date"]]
