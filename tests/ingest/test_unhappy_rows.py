"""Duplicates and identical redeliveries (issue 12, cases 5 and 8): exact duplicate rows collapse to
one loaded row and are counted as collapsed; rows sharing a key with other values are refused as
`unique`; a delivery that repeats the previous one byte for byte adds no versions and no loaded rows,
and says so, whatever order the dates are loaded in. Files are written here."""

from __future__ import annotations

import datetime as dt

import pytest
from citylib import write_csv
from stdnum.cn import ric
from unhappy_lib import D1, D2, D3, attempts, counts, current, history, id18, quarantine, reset, runs

from tianyan.ingest.pipeline import process_delivery
from tianyan.registry import load_feeds
from tianyan.warehouse.migrate import migrate

PAY, DEATH, UNITS = "civil_affairs.assistance_payments", "health.death_certificates", "organization.public_units"


@pytest.fixture(scope="module")
def wh(make_database):
    url = make_database("unhappy_rows")
    migrate(url)
    return url


def _x_id() -> str:
    """A valid resident id whose check character is X."""
    for n in range(1000):
        body = f"32010219800101{n:03d}"
        if ric.calc_check_digit(body + "0") == "X":
            return body + "X"
    raise AssertionError("no id with check X")


def _deliver(landing, feed_id, d, header, rows, name="delivery.csv"):
    feed = load_feeds()[feed_id]
    write_csv(landing / feed.department / feed.name / d.isoformat() / name, header, rows)


def _run(url, landing, feed_id, d, tmp_path):
    return process_delivery(load_feeds()[feed_id], d, landing=str(landing), url=url, work_root=tmp_path / "w",
                            data_docs=False)


# ---- case 5: duplicates within a delivery ----------------------------------------------------------


def pay(pid, id_no=None, amount="500.00", period="2026-02", pay_date="2026-02-10"):
    return [pid, id_no or id18(int(pid[1:])), "DIBAO_URBAN", period, amount, pay_date, "6222000055556666",
            "320102001001"]


def test_exact_duplicates_collapse_and_key_clashes_are_refused(wh, tmp_path):
    reset(wh, PAY)
    x = _x_id()
    rows = [
        pay("P1"), pay("P1"),                          # an exact duplicate line
        pay("P2", id_no=x), pay("P2", id_no=x.lower()),  # the same row once normalised (x -> X)
        pay("P3", amount="100.00"), pay("P3", amount="200.00"),  # same key, other values
        pay("P4"),
        pay("P5", period="2026-13"), pay("P5", period="2026-13"),  # a duplicated bad row: refused once
        pay("P6", pay_date="2026-02-30"), pay("P6", pay_date="2026-02-30"),  # ... also when its text is bad
    ]
    _deliver(tmp_path / "landing", PAY, D1, load_feeds()[PAY].column_names, rows)
    result = _run(wh, tmp_path / "landing", PAY, D1, tmp_path)
    assert result.status == "LOADED"
    assert (result.delivered, result.loaded, result.quarantined, result.collapsed) == (11, 3, 4, 4)
    assert counts(runs(wh, PAY)[D1]) == (11, 3, 4, 4)
    got = quarantine(wh, PAY)
    assert {r[2] for r in got} == {5, 6, 8, 10}  # the second copies (2, 4, 9, 11) are collapsed, not refused
    rules = {(r[2], r[3]) for r in got}
    assert {(5, "unique"), (6, "unique"), (8, "period"), (10, "type")} <= rules
    assert current(wh, PAY, "payment_id", "id_no") == [("P1", id18(1)), ("P2", x), ("P4", id18(4))]


def test_duplicates_across_files_of_one_delivery_collapse_too(wh, tmp_path):
    reset(wh, PAY)
    header = load_feeds()[PAY].column_names
    _deliver(tmp_path / "landing", PAY, D1, header, [pay("P1"), pay("P2")], name="part1.csv")
    _deliver(tmp_path / "landing", PAY, D1, header, [pay("P2"), pay("P3")], name="part2.csv")
    result = _run(wh, tmp_path / "landing", PAY, D1, tmp_path)
    assert (result.delivered, result.loaded, result.quarantined, result.collapsed) == (4, 3, 0, 1)


# ---- case 8: an identical redelivery ------------------------------------------------------------


def death(n: int, place: str = "HOME", death_date: str = "2026-02-20") -> list:
    return [f"C{n:04d}", id18(n, birth="19400101"), death_date, place, None]


ROWS = [death(i) for i in range(1, 6)] + [death(6, place="STREET")]  # one bad row (enum)


def _three_dates(landing, d2_rows=ROWS):
    header = load_feeds()[DEATH].column_names
    _deliver(landing, DEATH, D1, header, ROWS)
    _deliver(landing, DEATH, D2, header, d2_rows)
    _deliver(landing, DEATH, D3, header, ROWS)


def test_identical_redelivery_adds_no_versions_and_no_loaded_rows(wh, tmp_path):
    reset(wh, DEATH)
    _three_dates(tmp_path / "landing")
    first = _run(wh, tmp_path / "landing", DEATH, D1, tmp_path)
    assert (first.status, first.loaded, first.quarantined) == ("LOADED", 5, 1)
    before = history(wh, DEATH)
    again = _run(wh, tmp_path / "landing", DEATH, D2, tmp_path)
    assert again.status == "UNCHANGED"
    assert history(wh, DEATH) == before  # no new version for any of the 5 rows
    r = runs(wh, DEATH)[D2]
    assert r["status"] == "LOADED" and r["same_as"] == D1
    assert counts(r) == (6, 0, 1, 5)  # delivered = loaded + quarantined + collapsed still holds
    assert "identical to the delivery of 2026-03-02" in r["reason"]
    assert attempts(wh, DEATH)[-1]["status"] == "UNCHANGED"
    assert [q[0] for q in quarantine(wh, DEATH)] == [D1, D2]  # the bad row is refused for each delivery
    # a rerun of the identical date stays identical
    assert _run(wh, tmp_path / "landing", DEATH, D2, tmp_path).status == "UNCHANGED"
    assert history(wh, DEATH) == before


@pytest.mark.parametrize("order", [(D2, D1), (D3, D1, D2), (D1, D3, D2), (D3, D2, D1)],
                         ids=["2-1", "3-1-2", "1-3-2", "3-2-1"])
def test_identical_redeliveries_come_out_the_same_in_any_order(wh, tmp_path, order):
    landing = tmp_path / "landing"
    _three_dates(landing)
    reset(wh, DEATH)
    for d in sorted(set(order)):
        _run(wh, landing, DEATH, d, tmp_path)
    expected = history(wh, DEATH), {d: (r["status"], counts(r), r["same_as"]) for d, r in runs(wh, DEATH).items()}
    reset(wh, DEATH)
    for d in order:
        _run(wh, landing, DEATH, d, tmp_path)
    got = history(wh, DEATH), {d: (r["status"], counts(r), r["same_as"]) for d, r in runs(wh, DEATH).items()}
    assert got == expected
    want = {D1: ("LOADED", (6, 5, 1, 0), None), D2: ("LOADED", (6, 0, 1, 5), D1), D3: ("LOADED", (6, 0, 1, 5), D2)}
    assert expected[1] == {d: want[d] for d in order}
    assert {r[-1] for r in expected[0]} == {D1}  # every version from the first delivery


def test_a_different_delivery_between_two_identical_ones_makes_the_later_one_load(wh, tmp_path):
    landing = tmp_path / "landing"
    changed = [death(1, place="HOSPITAL")] + ROWS[1:]
    _three_dates(landing, d2_rows=changed)
    reset(wh, DEATH)
    for d in (D1, D2, D3):
        _run(wh, landing, DEATH, d, tmp_path)
    expected = history(wh, DEATH)
    reset(wh, DEATH)
    _run(wh, landing, DEATH, D1, tmp_path)
    assert _run(wh, landing, DEATH, D3, tmp_path).status == "UNCHANGED"  # D3 repeats D1 while D2 is missing
    _run(wh, landing, DEATH, D2, tmp_path)  # D2 arrives: D3 now undoes D2's change and is loaded again
    assert history(wh, DEATH) == expected
    assert {d: r["same_as"] for d, r in runs(wh, DEATH).items()} == {D1: None, D2: None, D3: None}
    assert current(wh, DEATH, "certificate_id", "place")[0] == ("C0001", "HOME")


def test_identical_snapshot_redelivery(wh, tmp_path):
    reset(wh, UNITS)
    rows = [[f"U{i:03d}", f"单位{i}", None, "GOVERNMENT", "320102000000"] for i in range(20)]
    for d in (D1, D2):
        _deliver(tmp_path / "landing", UNITS, d, load_feeds()[UNITS].column_names, rows)
    _run(wh, tmp_path / "landing", UNITS, D1, tmp_path)
    before = history(wh, UNITS)
    assert _run(wh, tmp_path / "landing", UNITS, D2, tmp_path).status == "UNCHANGED"
    assert history(wh, UNITS) == before
    assert counts(runs(wh, UNITS)[D2]) == (20, 0, 0, 20)


def test_same_content_is_not_identical_when_it_is_empty(wh, tmp_path):
    """Two quiet days repeat each other byte for byte; there is nothing to call a redelivery."""
    reset(wh, DEATH)
    header = load_feeds()[DEATH].column_names
    for d in (D1, D1 + dt.timedelta(days=1)):
        _deliver(tmp_path / "landing", DEATH, d, header, [])
        assert _run(wh, tmp_path / "landing", DEATH, d, tmp_path).status == "LOADED"
    assert all(r["same_as"] is None and r["reason"] is None for r in runs(wh, DEATH).values())


def test_exact_duplicates_match_a_whole_frame_comparison():
    """The key-hash pre-filter finds exactly the rows a plain comparison of whole rows finds."""
    import numpy as np
    import pandas as pd

    from tianyan.ingest.pipeline import exact_duplicates

    feed = load_feeds()[PAY]
    rng = np.random.default_rng(3)
    n = 3000
    frame = pd.DataFrame({c: pd.Series([f"{c}{v}" for v in rng.integers(0, 40, n)], dtype=object)
                          for c in feed.column_names})  # few values: many key clashes, some exact copies
    frame.loc[rng.choice(n, 200), "amount"] = None
    frame.iloc[2000:2300] = frame.iloc[0:300].to_numpy()  # exact copies (some with their Nones)
    frame.index = pd.RangeIndex(n) * 2
    typed = set(frame.index[rng.random(n) < 0.1])
    raw = frame.copy()
    raw.loc[list(typed), "pay_date"] = "2026-02-30"  # their delivered text differs from the normalised None
    norm = frame.copy()
    norm.loc[list(typed), "pay_date"] = None
    got = exact_duplicates(feed, raw, norm, typed, set())
    clean = norm.loc[[i for i in norm.index if i not in typed]]
    bad = raw.loc[sorted(typed)]
    want = list(clean.index[clean.duplicated()]) + list(bad.index[bad.duplicated()])
    assert sorted(got) == sorted(want) and len(want) > 10
