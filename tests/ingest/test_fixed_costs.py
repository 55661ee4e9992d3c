"""Fixed per-delivery costs cut (issue 14) without changing what a delivery gives: GX's configuration
and metric-id memos give the same failures, and Data Docs are recorded per delivery but built once, on request,
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
CONTRIBUTIONS = load_feeds()["human_resources.social_insurance_contributions"]
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


def _contributions():
    """Failing rows of every rule of the suite: required, id18, birth_date, uscc, period, bound."""
    import pandas as pd

    from tianyan.synth.ids import uscc

    good = [PERSON, uscc("91", 110101, 1), "2025-06", "1000.00"]
    rows = [list(good) for _ in range(14)]
    rows[1][0] = None
    rows[2][0] = BAD_ID
    rows[3][0] = id18(5, birth="20300101")  # born after the delivery date
    rows[4][1] = uscc("91", 110101, 2)[:-1] + "!"
    rows[5][1] = None
    rows[6][2] = "2025-13"
    rows[7][2] = None
    rows[8][3] = "-5"
    rows[9][3] = "0"  # strict_min
    rows[10][3] = None
    rows[11] = [BAD_ID, None, "2025-00", "abc"]  # one row, four rules
    return pd.DataFrame(rows, columns=CONTRIBUTIONS.column_names, dtype=object)


def _outcome(out):
    return (sorted(map(tuple, out.failures[["row", "rule", "column", "message"]].to_numpy().tolist())),
            out.expectations, out.success,
            {k: out.statistics[k] for k in ("evaluated_expectations", "successful_expectations",
                                            "unsuccessful_expectations", "failures_by_rule")})


@pytest.mark.parametrize(("feed", "frame", "rules"), [
    (PAYMENTS, _payments, {"id18", "period", "unique"}),
    (CONTRIBUTIONS, _contributions, {"required", "id18", "birth_date", "uscc", "period", "bound"}),
], ids=["payments", "contributions"])
def test_metric_id_memo_gives_the_same_results_and_goes_away(state, feed, frame, rules):
    from great_expectations.core.id_dict import IDDict

    original = IDDict.__dict__["to_id"]  # the memo replaces this method for one run
    day = dt.date(2025, 6, 30)
    with_memo = validate.validate(feed, frame(), batch_id="memo", data_docs=False, delivery_date=day)
    assert IDDict.__dict__["to_id"] is original  # restored after the run
    real = validate._metric_ids_memoised
    try:
        import contextlib

        validate._metric_ids_memoised = contextlib.nullcontext
        plain = validate.validate(feed, frame(), batch_id="plain", data_docs=False, delivery_date=day)
    finally:
        validate._metric_ids_memoised = real
    assert _outcome(with_memo) == _outcome(plain)
    assert set(with_memo.failures["rule"]) >= rules
    assert not with_memo.success and with_memo.expectations > 0


def test_metric_ids_are_gx_s_own_and_never_shared_by_different_kwargs():
    """Kwargs Python calls equal (1 == 1.0 == True, 0.0 == -0.0) or that differ only in order or type
    get the id GX gives them, whichever comes first; values the memo cannot key go to GX unchanged."""
    import numpy as np
    from great_expectations.core.id_dict import IDDict

    def kinds():
        base = {"column": "amount", "batch_id": "b", "row_condition": None}
        values = [1, 1.0, True, 0.0, -0.0, float("nan"), "1", None, [1, 2], (1, 2), [2, 1], {"a": 1, "b": 2},
                  {"b": 2, "a": 1}, IDDict({"a": 1}), {"a": 1}, {"result_format": "COMPLETE"}, np.int64(1),
                  {1, 2}, dt.date(2025, 1, 1), [1.0, 2]]
        out = [IDDict(base, mostly=v) for v in values] + [IDDict(mostly=v) for v in values]
        return out + [IDDict(), IDDict(base), IDDict(dict(reversed(base.items())))]

    expected = [d.to_id() for d in kinds()]
    assert len(set(expected)) > 30  # the cases are not all alike
    for order in (kinds(), list(reversed(kinds()))):
        with validate._metric_ids_memoised():
            got = [d.to_id() for d in order] + [d.to_id() for d in order]  # second pass: memo hits
        assert got == [d.to_id() for d in order] * 2
    assert got[: len(expected)] == list(reversed(expected))
    with validate._metric_ids_memoised():
        d = IDDict(column="a", mostly=1)
        first = d.to_id()
        d["mostly"] = 0.5  # content-keyed: a changed dict gets its new id
        assert d.to_id() != first and d.to_id() == IDDict(column="a", mostly=0.5).to_id()
        assert d.to_id(id_keys=["column"]) == "column=a"


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


# ---------------------------------------------------------------------------------------------
# Bookkeeping of a small delivery: one kept look-up connection, analyze only past autovacuum's threshold
# ---------------------------------------------------------------------------------------------


def _stats(url, feed):
    import psycopg

    from tianyan.warehouse.conn import psycopg_dsn

    table = ".".join(feed.history_table)
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute("select coalesce(last_analyze, 'epoch'), (select count(*) from " + table + ")"
                            " from pg_stat_user_tables where relid = %s::regclass", (table,)).fetchone()


def test_analyze_rule_is_autovacuum_s():
    from tianyan.ingest.pipeline import needs_analyze

    assert needs_analyze(0, 0, False, 1) and needs_analyze(-1, 0, True, 1)  # never analyzed / empty
    assert needs_analyze(1000, 0, False, 0)
    assert not needs_analyze(1000, 0, True, 150)  # 150 <= 50 + 10% of 1000
    assert needs_analyze(1000, 0, True, 151)
    assert needs_analyze(1000, 140, True, 11)  # earlier loads' changes count too
    assert not needs_analyze(100_000, 9_000, True, 100)


def test_small_increment_keeps_statistics_a_big_one_analyzes(wh, state, tmp_path):
    """The first load analyzes; a delivery of a few rows into a table of hundreds does not (under
    autovacuum's threshold); one that brings more than 10% more rows does. Every load's rows and
    accounting are as before. (The second load may or may not analyze: the first load's session may
    report its 600 inserts to the statistics collector only after the first analyze.)"""
    reset(wh, DEATH)
    feed = load_feeds()[DEATH]
    land = tmp_path / "l"

    def rows(lo, hi):
        return [[f"C{i:05d}", id18(i, birth="19400101"), "2026-02-20", "HOME", None] for i in range(lo, hi)]

    parts = [rows(0, 600), rows(600, 610), rows(610, 620), rows(620, 820)]
    days = [D1 + dt.timedelta(days=k) for k in range(len(parts))]
    for d, part in zip(days, parts, strict=True):
        _deliver(land, d, part)
    results, stats = [], []
    for d in days:
        r = process_delivery(feed, d, landing=str(land), url=wh, work_root=tmp_path / "w")
        results.append((r.status, r.delivered, r.loaded, r.quarantined))
        stats.append(_stats(wh, feed))
    assert results == [("LOADED", n, n, 0) for n in (600, 10, 10, 200)]
    assert [n for _, n in stats] == [600, 610, 620, 820]
    analyzed = [at for at, _ in stats]
    assert analyzed[0] > dt.datetime(2000, 1, 1, tzinfo=analyzed[0].tzinfo)  # the first load analyzed
    assert analyzed[2] == analyzed[1]  # 10 rows into 610: statistics kept
    assert analyzed[3] > analyzed[2]  # 200 more rows (> 50 + 10% of 610): analyzed


def test_lookup_connection_is_kept_and_replaced_when_broken(wh):
    import psycopg

    from tianyan.ingest import pipeline

    def backend(conn):
        return conn.execute("select pg_backend_pid()").fetchone()[0]

    first = pipeline._lookup(wh, backend)
    assert pipeline._lookup(wh, backend) == first  # kept between look-ups
    with pytest.raises(psycopg.errors.UndefinedTable):  # an error of the query itself propagates...
        pipeline._lookup(wh, lambda conn: conn.execute("select * from no_such_table"))
    assert pipeline._lookup(wh, backend) == first  # ...and the connection stays usable
    with psycopg.connect(pipeline.psycopg_dsn(wh), autocommit=True) as admin:
        admin.execute("select pg_terminate_backend(%s)", (first,))
    again = pipeline._lookup(wh, backend)  # the ended session is replaced, the look-up answered
    assert again != first
    assert pipeline._lookup(wh, backend) == again


def test_pending_result_reaches_the_store_at_the_build_unchanged(state):
    """A delivery keeps its slimmed, masked result beside its pending note; the build stores exactly that
    result (same serialisation GX would have written per delivery) and removes note and result file."""
    import json

    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    out = validate.validate(PAYMENTS, _payments(), batch_id="pend-1", data_docs="record",
                            delivery_date=dt.date(2024, 2, 1))
    assert not out.success
    site = state / "data_docs"
    notes = [json.loads(p.read_text(encoding="utf-8")) for p in (state / "gx" / "docs_pending").glob("*.json")]
    assert len(notes) == 1 and notes[0]["result"]
    kept = data_docs.pending_result(site, notes[0])
    rt = validate._get_runtime()
    store = rt.context.validation_results_store
    key = ValidationResultIdentifier.from_tuple(tuple(notes[0]["key"]))
    assert key not in set(store.list_keys())  # not serialised per delivery
    expected = store.serialize(kept)
    assert "110101199003071230" not in expected and "pend-1" in expected  # the refused id is masked
    assert validate.build_data_docs() == site / "index.html"
    assert store._store_backend.get(key.to_tuple()) == expected
    assert not list((state / "gx" / "docs_pending").iterdir())
