"""Fixed per-delivery costs cut (issue 14) without changing what a delivery gives: GX's configuration
memo gives the same failures, and Data Docs are recorded per delivery but built once, on request,
with the same masked, sanitised content."""

from __future__ import annotations

import datetime as dt

import pytest
from citylib import write_csv
from unhappy_lib import D1, id18, reset

from tianyan import paths
from tianyan.ingest import data_docs, validate
from tianyan.ingest.pipeline import process_delivery
from tianyan.registry import load_feeds
from tianyan.warehouse.migrate import migrate

DEATH = "health.death_certificates"
PAYMENTS = load_feeds()["civil_affairs.assistance_payments"]
PERSON = id18(7, birth="19700101")
_REAL = id18(9, birth="19400101")
BAD_ID = _REAL[:-1] + ("1" if _REAL[-1] != "1" else "2")  # wrong check digit


@pytest.fixture(scope="module")
def wh(make_database):
    url = make_database("fixed_costs")
    migrate(url)
    return url


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "STATE_DIR", tmp_path / "state")
    monkeypatch.setenv("TIANYAN_ARCHIVE", str(tmp_path / "archive"))
    return tmp_path / "state"


def _payments():
    import pandas as pd

    rows = [{"payment_id": f"P{i}", "id_no": PERSON if i % 3 else "110101199003071230", "program": "DIBAO",
             "period": "2024-13" if i == 4 else "2024-01", "amount": "-5" if i == 6 else "10",
             "pay_date": "2024-01-05", "bank_account": "6222000000000000", "region_code": "110101001001"}
            for i in range(12)]
    rows.append(dict(rows[1], payment_id="P1"))  # a key delivered twice
    return pd.DataFrame(rows, columns=PAYMENTS.column_names, dtype=object)


def test_configuration_memo_gives_the_same_failures_and_goes_away(state):
    from great_expectations.expectations.expectation import Expectation

    original = Expectation.__dict__["configuration"]
    assert isinstance(original, property)  # the memo replaces this property for one run
    with_memo = validate.validate(PAYMENTS, _payments(), batch_id="memo", data_docs=False,
                                  delivery_date=dt.date(2024, 2, 1))
    assert Expectation.__dict__["configuration"] is original  # restored after the run

    real = validate._configurations_memoised
    try:
        import contextlib

        validate._configurations_memoised = contextlib.nullcontext
        plain = validate.validate(PAYMENTS, _payments(), batch_id="plain", data_docs=False,
                                  delivery_date=dt.date(2024, 2, 1))
    finally:
        validate._configurations_memoised = real
    got = set(map(tuple, with_memo.failures[["row", "rule", "column", "message"]].to_numpy().tolist()))
    assert got == set(map(tuple, plain.failures[["row", "rule", "column", "message"]].to_numpy().tolist()))
    assert {r for _, r, _, _ in got} >= {"id18", "period", "unique"}
    assert with_memo.expectations == plain.expectations > 0


def _deliver(landing, d, rows):
    feed = load_feeds()[DEATH]
    write_csv(landing / feed.department / feed.name / d.isoformat() / "deaths.csv", feed.column_names, rows)


def test_a_delivery_records_its_data_docs_and_one_build_renders_them(wh, state, tmp_path):
    reset(wh, DEATH)
    feed = load_feeds()[DEATH]
    rows = [[f"C{i:04d}", id18(i, birth="19400101"), "2026-02-20", "HOME", None] for i in range(6)]
    rows.append(["C9999", id18(8, birth="19400101"), "2026-02-20", "<img src=x onerror=alert(1)>", None])
    rows.append(["C9998", BAD_ID, "2026-02-20", "HOME", None])
    _deliver(tmp_path / "l", D1, rows)
    d2 = D1 + dt.timedelta(days=1)
    _deliver(tmp_path / "l", d2, rows[:3])
    first = process_delivery(feed, D1, landing=str(tmp_path / "l"), url=wh, work_root=tmp_path / "w")
    second = process_delivery(feed, d2, landing=str(tmp_path / "l"), url=wh, work_root=tmp_path / "w")
    assert first.quarantined == 2 and second.quarantined == 0
    site = state / "data_docs"
    # Per delivery: the result is recorded, no page is rendered yet.
    assert not list(site.rglob("*.html"))
    index = validate.build_data_docs()
    assert index == site / "index.html"
    pages = sorted(p for p in (site / "validations").rglob("*.html"))
    assert [p.name for p in pages] == sorted([f"{first.batch_id}.html", f"{second.batch_id}.html"])
    text = index.read_text(encoding="utf-8")
    assert first.batch_id in text and second.batch_id in text and "failed" in text and "passed" in text
    for page in [index, *pages]:
        html = page.read_text(encoding="utf-8")
        assert html.startswith("<!doctype html>\n" + data_docs.MARKER)
        assert "<img" not in html.lower() and BAD_ID not in html
    bad_page = next(p for p in pages if p.name.startswith(first.batch_id)).read_text(encoding="utf-8")
    assert BAD_ID[:6] + "*" * 12 in bad_page and "‹img src=x onerror=alert(1)›" in bad_page.lower()
    # Nothing pending: the next build does nothing (and pages stay as they are).
    assert validate.build_data_docs() is None
    assert sorted((site / "validations").rglob("*.html")) == pages
