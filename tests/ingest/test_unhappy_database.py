"""Database feeds out of order and rows the extract cannot place (issue 12, cases 3 and 4).

The department's front-end table is built here, as a department's system would hold it: rows arrive
day by day and a changed row is updated in place. Whatever order the business dates are run in, the
history ends the same (provenance included), a first load takes the history up to its date, and a
row whose changed_at places it on no date is delivered, counted and quarantined, never lost."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from unhappy_lib import D1, D2, D3, attempts, counts, current, history, id18, quarantine, reset, runs

from tianyan.ingest import readers
from tianyan.ingest.pipeline import DeliveryRejected, process_delivery
from tianyan.registry import load_feeds
from tianyan.warehouse.migrate import migrate

FISCAL, SUBSIDY = "finance.fiscal_payments", "finance.subsidy_payments"


def fiscal(pid: str, changed_at: str | None, amount: str = "1200.00", pay_date: str = "2026-02-01") -> tuple:
    return (pid, "U0001", "PERSON", id18(int(pid[-3:])), "王某", "6222000011112222", amount, pay_date, "wages",
            None, changed_at)


HISTORY = [fiscal(f"H{i:03d}", f"2026-0{1 + i % 2}-{10 + i:02d} 08:00:00") for i in range(5)]
ARRIVALS = {  # what reaches the front-end on each business date (history comes with the first one)
    D1: HISTORY + [fiscal("P001", "2026-03-02 09:00:00"), fiscal("P002", "2026-03-02 23:59:59")],
    D2: [fiscal("P003", "2026-03-03 00:00:00"), fiscal("P001", "2026-03-03 10:00:00", amount="1250.00")],
    D3: [fiscal("P004", "2026-03-04 12:00:00")],
}


@pytest.fixture(scope="module")
def wh(make_database):
    url = make_database("unhappy_db")
    migrate(url)
    return url


@pytest.fixture
def front(make_database, monkeypatch):
    """A fresh front-end database with the department's tables; returns its libpq URL."""
    url = make_database("front").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("create schema exchange")
        c.execute("create table exchange.fiscal_payments (payment_id text primary key, budget_unit_code text,"
                  " payee_kind text, payee_id text, payee_name text, payee_account text, amount numeric,"
                  " pay_date date, purpose text, project_code text, changed_at timestamp)")
        # A legacy system that keeps changed_at as text.
        c.execute("create table exchange.subsidy_payments (payment_id text, id_no text, subsidy_type text,"
                  " issuing_department text, amount text, pay_date text, bank_account text, region_code text,"
                  " changed_at text)")
    monkeypatch.setenv("AIRFLOW_CONN_FINANCE_DB", url)
    return url


def arrive(front_url: str, rows) -> None:
    """Rows reach the front-end table; a changed row replaces its earlier state (update in place)."""
    with psycopg.connect(front_url, autocommit=True) as c:
        for r in rows:
            c.execute("delete from exchange.fiscal_payments where payment_id = %s", (r[0],))
            c.execute("insert into exchange.fiscal_payments values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", r)


def run(url, d, tmp_path, feed_id=FISCAL):
    try:
        return process_delivery(load_feeds()[feed_id], d, landing="", url=url, work_root=tmp_path / "w",
                                data_docs=False)
    except DeliveryRejected as exc:
        return exc


def _replay(wh, front, tmp_path, order, *, arrive_as_run: bool):
    reset(wh, FISCAL)
    arrived = set()
    if not arrive_as_run:
        for d in (D1, D2, D3):
            arrive(front, ARRIVALS[d])
    for d in order:
        if arrive_as_run and d not in arrived:  # as `tianyan run --date D` loads the date's rows first
            arrive(front, ARRIVALS[d])
            arrived.add(d)
        got = run(wh, d, tmp_path)
        assert not isinstance(got, Exception), got
    return history(wh, FISCAL)


def test_out_of_order_dates_with_a_growing_front_end_lose_nothing(wh, front, tmp_path):
    """The drill: day 3, then 1, then 2, the front-end getting each day's rows as the date is run."""
    got = _replay(wh, front, tmp_path, [D3, D1, D2], arrive_as_run=True)
    status = {d: (r["status"], r["delivered"]) for d, r in runs(wh, FISCAL).items()}
    assert status == {D3: ("LOADED", 1), D1: ("LOADED", 7), D2: ("LOADED", 2)}
    assert len(current(wh, FISCAL)) == 9  # H000-H004, P001-P004
    assert current(wh, FISCAL, "payment_id", "amount")[5] == ("P001", 1250)
    # A rerun of day 1 (the front-end has moved on: P001 now carries day 2's change) keeps every version
    # and its date; only the batch differs, the re-extract being other bytes.
    without_batch = history(wh, FISCAL, batch=False)
    assert run(wh, D1, tmp_path).status == "LOADED"
    assert history(wh, FISCAL, batch=False) == without_batch
    # Same history, versions and provenance as running the dates in order on a fresh front-end.
    with psycopg.connect(front, autocommit=True) as c:
        c.execute("truncate exchange.fiscal_payments")
    in_order = _replay(wh, front, tmp_path, [D1, D2, D3], arrive_as_run=True)
    assert got == in_order  # batch ids too: each date's extract held the same rows in both runs
    p001 = [r for r in in_order if r[0] == "P001"]
    assert [(r[-6].date(), r[-1]) for r in p001] == [(D1, D1), (D2, D2)]  # both versions, each from its date


@pytest.mark.parametrize("order", [[D3, D1, D2], [D2, D2, D1, D3], [D1, D3, D2], [D3, D2, D1, D3]],
                         ids=["3-1-2", "2-2-1-3", "1-3-2", "3-2-1-3"])
def test_any_order_gives_the_in_order_state_with_a_static_front_end(wh, front, tmp_path, order):
    """Every version and its business date as in date order. The batch may differ: run first, day 3
    extracts everything up to day 3 in one batch, and _batch_id names the extract that delivered a version."""
    _replay(wh, front, tmp_path, [D1, D2, D3], arrive_as_run=False)
    expected = history(wh, FISCAL, batch=False)
    with psycopg.connect(front, autocommit=True) as c:
        c.execute("truncate exchange.fiscal_payments")
    _replay(wh, front, tmp_path, order, arrive_as_run=False)
    assert history(wh, FISCAL, batch=False) == expected
    # each version belongs to the first loaded date on or after its changed_at, whatever the order
    for row in expected:
        changed = row[-6].date()
        assert row[-1] == min(d for d in (D1, D2, D3) if d >= changed)


def test_a_skipped_day_is_carried_by_the_next_loaded_date(wh, front, tmp_path):
    got = _replay(wh, front, tmp_path, [D1, D3], arrive_as_run=False)
    assert runs(wh, FISCAL)[D3]["delivered"] == 3  # day 2's two changes and day 3's one
    assert {r[0] for r in got} >= {"P003", "P004"}
    w = runs(wh, FISCAL)[D3]["files"][0]
    assert (w["window_from"], w["window_to"], w["rows"], w["unplaced"]) == ("2026-03-03", "2026-03-04", 3, 0)


def test_rows_without_changed_at_are_delivered_counted_and_quarantined(wh, front, tmp_path):
    reset(wh, FISCAL)
    arrive(front, ARRIVALS[D1] + [fiscal("N001", None)])
    result = run(wh, D1, tmp_path)
    assert (result.status, result.delivered, result.loaded, result.quarantined) == ("LOADED", 8, 7, 1)
    assert quarantine(wh, FISCAL) == [(D1, "rows.csv", 6, "required", "changed_at")]  # rows ordered by key
    f = runs(wh, FISCAL)[D1]["files"][0]
    assert (f["rows"], f["unplaced"], f["window_from"]) == (8, 1, None)
    # still there on the next day: delivered (and quarantined) again until the department fixes it
    arrive(front, ARRIVALS[D2])
    result = run(wh, D2, tmp_path)
    assert (result.delivered, result.loaded, result.quarantined) == (3, 2, 1)
    assert "N001" not in {r[0] for r in current(wh, FISCAL)}


def _subsidy(pid: str, changed_at: str | None) -> tuple:
    return (pid, id18(int(pid[-3:])), "GRAIN", "agriculture", "300.00", "2026-02-15", "6222000033334444",
            "320102001001", changed_at)


def test_text_changed_at_is_placed_by_its_date_and_unplaceable_rows_are_quarantined(wh, front, tmp_path):
    reset(wh, SUBSIDY)
    rows = [_subsidy("S001", "2026-03-02 10:00:00"), _subsidy("S002", "2026-03-03 10:00:00"),
            _subsidy("S003", "yesterday"), _subsidy("S004", ""), _subsidy("S005", None),
            _subsidy("S006", "2026-02-30 10:00:00"), _subsidy("S007", "2026-01-05 08:00:00")]
    with psycopg.connect(front, autocommit=True) as c:
        c.cursor().executemany("insert into exchange.subsidy_payments values (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    result = run(wh, D1, tmp_path, SUBSIDY)
    assert (result.status, result.delivered) == ("LOADED", 6)  # all but S002, which belongs to day 2
    got = {(r[2], r[3], r[4]) for r in quarantine(wh, SUBSIDY)}
    # rows.csv is ordered by key: S003 'yesterday' is row 2, S004 '' row 3, S005 null row 4, S006 row 5
    assert {r[0] for r in got} == {2, 3, 4, 5} and {r[2] for r in got} == {"changed_at"}
    assert {(2, "type"), (3, "required"), (4, "required"), (5, "type")} <= {(r[0], r[1]) for r in got}
    assert {r[0] for r in current(wh, SUBSIDY)} == {"S001", "S007"}
    f = runs(wh, SUBSIDY)[D1]["files"][0]
    assert (f["rows"], f["unplaced"]) == (6, 3)
    result = run(wh, D2, tmp_path, SUBSIDY)
    assert (result.delivered, result.quarantined, result.loaded) == (4, 3, 1)  # S002 + the 3 unplaceable


def test_rows_read_are_reconciled_with_the_source_count(wh, front, tmp_path, monkeypatch):
    reset(wh, FISCAL)
    arrive(front, ARRIVALS[D1])
    real = readers.read_delivery
    monkeypatch.setattr(readers, "read_delivery", lambda feed, files: real(feed, files).iloc[:-1])
    got = run(wh, D1, tmp_path)
    assert isinstance(got, DeliveryRejected) and got.status == "FAILED"
    a = attempts(wh, FISCAL)[-1]
    assert a["status"] == "FAILED" and "6 rows read, but the source counted 7" in a["reason"]
    assert history(wh, FISCAL) == []


def test_database_quiet_window_is_no_delivery(wh, front, tmp_path):
    reset(wh, FISCAL)
    arrive(front, ARRIVALS[D1])
    assert run(wh, D1, tmp_path).status == "LOADED"
    assert run(wh, D1 + dt.timedelta(days=1), tmp_path).status == "NO_DELIVERY"
    assert counts(runs(wh, FISCAL)[D1]) == (7, 7, 0, 0)
