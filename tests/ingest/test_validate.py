"""Row validation with Great Expectations: rules, row mapping, suites in sync, data docs, batch checks."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from stdnum.cn import ric, uscc

from tianyan import paths
from tianyan.ingest import gx_expectations as g
from tianyan.ingest import suites
from tianyan.ingest.quarantine import FAILURE_COLUMNS
from tianyan.ingest.validate import batch_checks, validate
from tianyan.registry import ColumnSpec, FeedSpec, load_feeds

FEEDS = load_feeds()
PAYMENTS = FEEDS["civil_affairs.assistance_payments"]
ENTERPRISES = FEEDS["market_regulation.enterprises"]


# --- valid data generated from a feed's contract -------------------------------------------------


def make_id18(i: int) -> str:
    body = f"110101{19500101 + (i % 28) + 100 * (i % 12) + 10000 * (i % 50)}{i % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_uscc(i: int) -> str:
    body = f"91110101{i:08d}A"
    return body + uscc.calc_check_digit(body)


def valid_value(col: ColumnSpec, i: int) -> str:
    if col.id18:
        return make_id18(i)
    if col.uscc:
        return make_uscc(i)
    if col.region:
        return f"110101{i % 1000:03d}001"
    if col.period:
        return f"2024-{i % 12 + 1:02d}"
    if col.type == "enum":
        return col.enum_values[i % len(col.enum_values)]
    shape = suites.code_shape(col, suites.plausibility()["code_shape"])
    if shape is not None:  # a code column: a value of its declared shape
        return {"plate_no": f"贵A1234{i % 10}"}.get(col.name, f"6222{i:012d}" if "account" in col.name
                                                   else f"C{col.name[:2].upper()}{i:06d}")
    if col.min is not None or col.max is not None:
        lo = col.min if col.min is not None else col.max - 1
        return str(int(lo) + (1 if lo < (col.max if col.max is not None else lo + 2) else 0))
    return {
        "int": str(i),
        "decimal": f"{i}.50",
        "date": "2024-03-01",
        "timestamp": "2024-03-01 08:30:00",
        "bool": "true",
    }.get(col.type, f"{col.name}-{i}")


def valid_frame(feed: FeedSpec, n: int = 6) -> pd.DataFrame:
    data = {c.name: [valid_value(c, i) for i in range(n)] for c in feed.columns}
    return pd.DataFrame(data, dtype=object)


def failures_of(outcome) -> set[tuple[int, str, str]]:
    f = outcome.failures
    return set(zip(f["row"].tolist(), f["rule"].tolist(), f["column"].tolist(), strict=True))


@pytest.fixture(autouse=True)
def _state_dir(tmp_path, monkeypatch):
    """Data Docs and stored results go to a temporary state directory, never the repo's."""
    monkeypatch.setattr(paths, "STATE_DIR", tmp_path / "state")


# --- the vectorised checks against python-stdnum ---------------------------------------------------


def test_id18_check_matches_stdnum_checksum_and_birth_date():
    rnd = random.Random(11)
    values = []
    for _ in range(3000):
        body = f"{rnd.randint(110000, 659999)}{rnd.randint(1900, 2030)}{rnd.randint(0, 13):02d}{rnd.randint(0, 32):02d}{rnd.randint(0, 999):03d}"
        check = ric.calc_check_digit(body + "0") if rnd.random() < 0.7 else rnd.choice("0123456789X")
        values.append(body + check)
    values += [
        "11010119800101001x",
        "1101011980010100",
        "",
        "１１０１０１１９８００１０１００１Ｘ",
        "110101198002300014",
    ]

    def reference(v: str) -> bool:  # stdnum.cn.ric minus the birth-place table lookup
        if len(v) != 18 or not v[:17].isascii() or not v[:17].isdigit() or v[17] not in "0123456789X":
            return False
        try:
            ric.get_birth_date(v)
        except Exception:
            return False
        return v[17] == ric.calc_check_digit(v)

    got = g.is_id18(pd.Series(values, dtype=object)).tolist()
    assert got == [reference(v) for v in values]
    assert sum(got) > 500  # the sample exercises both outcomes


def test_uscc_check_matches_stdnum():
    rnd = random.Random(5)
    values = [make_uscc(i) for i in range(500)]
    values += ["".join(rnd.choice(g.USCC_ALPHABET) for _ in range(18)) for _ in range(500)]
    values += ["91110101000000001a", "91110101000000001", "9111010100000000I1"]
    got = g.is_uscc(pd.Series(values, dtype=object)).tolist()
    assert got == [uscc.is_valid(v) and v == v.upper() for v in values]
    assert sum(got) >= 500


def test_simple_checks():
    s = pd.Series(
        ["110101001001", "11010100100", "1101010010011", "11010100100a", "１１０１０１００１００１", None],
        dtype=object,
    )
    assert g.is_region(s).tolist() == [True, False, False, False, False, True]
    p = pd.Series(["2024-01", "2024-12", "2024-13", "2024-00", "202401", "2024-1", None], dtype=object)
    assert g.is_period(p).tolist() == [True, True, False, False, False, False, True]
    r = pd.Series(["x", "", "  ", None], dtype=object)
    assert g.is_present(r).tolist() == [True, False, False, False]
    n = pd.Series(["0", "0.01", "-1", "1e3", "abc", None], dtype=object)
    assert g.is_number_between(n, 0, None, strict_min=True).tolist() == [
        False,
        True,
        False,
        True,
        False,
        True,
    ]
    assert g.is_number_between(n, 0, None).tolist() == [True, True, False, True, False, True]
    assert g.is_number_between(pd.Series(["1", "4", "5", "0"]), 1, 4).tolist() == [True, True, False, False]


# --- validate(): every rule, row indices, nulls --------------------------------------------------


@pytest.mark.parametrize("feed_id", sorted(FEEDS))
def test_valid_delivery_passes_every_suite(feed_id):
    feed = FEEDS[feed_id]
    outcome = validate(feed, valid_frame(feed), batch_id=f"ok-{feed_id}", data_docs=False)
    assert outcome.failures.empty, outcome.failures.to_dict("records")
    assert outcome.success
    assert outcome.expectations == len(json.loads(suites.suite_path(feed_id).read_text())["expectations"])


@pytest.mark.parametrize("feed_id", sorted(FEEDS))
def test_nulls_in_optional_columns_pass_every_rule(feed_id):
    feed = FEEDS[feed_id]
    df = valid_frame(feed)
    for col in feed.columns:
        if not col.required:
            df[col.name] = None
    outcome = validate(feed, df, batch_id="nulls", data_docs=False)
    assert outcome.failures.empty, outcome.failures.to_dict("records")


def test_each_rule_catches_its_bad_row_with_the_right_index():
    df = valid_frame(PAYMENTS, 12)
    df.loc[1, "bank_account"] = None  # required
    df.loc[2, "bank_account"] = ""  # required (empty)
    df.loc[3, "id_no"] = df.loc[3, "id_no"][:17] + (
        "1" if df.loc[3, "id_no"][17] != "1" else "2"
    )  # id18 check digit
    df.loc[4, "program"] = "DIBAO"  # enum
    df.loc[5, "period"] = "2024-13"  # period
    df.loc[6, "amount"] = "0"  # bound (>0)
    df.loc[7, "region_code"] = "11010100100"  # region
    df.loc[9, "payment_id"] = df.loc[8, "payment_id"]  # unique: both rows
    df.loc[10, "amount"] = "-3.50"  # bound
    df.loc[10, "id_no"] = "110101198002300014"  # id18: 30 February, and a second rule on the same row
    outcome = validate(PAYMENTS, df, batch_id="bad", data_docs=False)
    assert list(outcome.failures.columns) == FAILURE_COLUMNS
    assert failures_of(outcome) == {
        (1, "required", "bank_account"),
        (2, "required", "bank_account"),
        (3, "id18", "id_no"),
        (4, "enum", "program"),
        (5, "period", "period"),
        (6, "bound", "amount"),
        (7, "region", "region_code"),
        (8, "unique", "payment_id"),
        (9, "unique", "payment_id"),
        (10, "bound", "amount"),
        (10, "id18", "id_no"),
    }
    assert not outcome.success
    assert outcome.statistics["failed_rows"] == 10
    assert outcome.failures["row"].dtype == np.int64
    msg = outcome.failures.set_index(["row", "rule"]).loc[(4, "enum"), "message"]
    assert "program='DIBAO'" in msg and "DIBAO_URBAN" in msg
    assert "> 0" in outcome.failures.set_index(["row", "rule"]).loc[(6, "bound"), "message"]


def test_required_id18_null_fails_once_as_required():
    df = valid_frame(PAYMENTS)
    df.loc[2, "id_no"] = None
    assert failures_of(validate(PAYMENTS, df, batch_id="n", data_docs=False)) == {(2, "required", "id_no")}


def test_uscc_rule():
    df = valid_frame(ENTERPRISES)
    col = next(c.name for c in ENTERPRISES.columns if c.uscc)
    df.loc[3, col] = df.loc[3, col][:17] + ("0" if df.loc[3, col][17] != "0" else "1")
    df.loc[4, col] = df.loc[4, col].lower()  # normalisation upper-cases; lower case here is a bad code
    got = failures_of(validate(ENTERPRISES, df, batch_id="u", data_docs=False))
    assert {(3, "uscc", col), (4, "uscc", col)} <= got
    assert {r for r, rule, _ in got if rule == "uscc"} == {3, 4}


def test_between_bound_on_int_strings():
    feed = FEEDS["disabled_persons.certificates"]
    df = valid_frame(feed)
    df.loc[0, "grade"], df.loc[1, "grade"], df.loc[2, "grade"] = "4", "5", "10"
    got = failures_of(validate(feed, df, batch_id="b", data_docs=False))
    assert {(r, rule) for r, rule, c in got if c == "grade"} == {(1, "bound"), (2, "bound")}


def test_all_null_required_column_fails_every_row_and_the_suite():
    df = valid_frame(PAYMENTS, 4)
    df["bank_account"] = None
    outcome = validate(PAYMENTS, df, batch_id="allnull", data_docs=False)
    assert failures_of(outcome) == {(i, "required", "bank_account") for i in range(4)}
    assert not outcome.success


def test_non_default_index_reported_as_positions():
    df = valid_frame(PAYMENTS, 5)
    df.index = [10, 20, 30, 40, 50]
    df.loc[30, "period"] = "2024-00"
    assert failures_of(validate(PAYMENTS, df, batch_id="i", data_docs=False)) == {(2, "period", "period")}


def test_empty_delivery():
    df = valid_frame(PAYMENTS, 0)
    outcome = validate(PAYMENTS, df, batch_id="empty", data_docs=False)
    assert outcome.failures.empty and list(outcome.failures.columns) == FAILURE_COLUMNS


def test_wrong_columns_are_refused():
    df = valid_frame(PAYMENTS).rename(columns={"id_no": "idno"})
    with pytest.raises(ValueError, match="id_no"):
        validate(PAYMENTS, df, batch_id="cols", data_docs=False)


# --- batch checks --------------------------------------------------------------------------------


def test_batch_checks():
    cols = PAYMENTS.column_names
    assert batch_checks(PAYMENTS, cols) == []
    assert batch_checks(PAYMENTS, reversed(cols)) == []  # order is the reader's business
    problems = batch_checks(PAYMENTS, [c for c in cols if c != "amount"])
    assert problems == [f"{PAYMENTS.id}: column 'amount' missing"]
    renamed = ["ID_NO" if c == "id_no" else ("regioncode" if c == "region_code" else c) for c in cols]
    problems = batch_checks(PAYMENTS, renamed)
    assert any("'id_no' missing" in p and "'ID_NO'" in p and "rename" in p for p in problems)
    assert any("'region_code' missing" in p and "'regioncode'" in p for p in problems)
    assert not any("unexpected" in p for p in problems)
    problems = batch_checks(PAYMENTS, [*cols, "note", "amount"])
    assert any("unexpected column 'note'" in p for p in problems)
    assert any("'amount' delivered more than once" in p for p in problems)


# --- suites --------------------------------------------------------------------------------------


def test_a_suite_for_every_feed_in_sync_with_the_registry():
    assert len(FEEDS) == 47
    for feed_id in FEEDS:
        assert suites.suite_path(feed_id).exists(), feed_id
    assert suites.suites_in_sync() == [], "run: python -m tianyan.ingest.suites"


@pytest.mark.parametrize("feed_id", sorted(FEEDS))
def test_loading_a_suite_keeps_every_expectation(feed_id):
    doc = json.loads(suites.suite_path(feed_id).read_text())
    suite = suites.load_suite(feed_id)
    assert len(suite.expectations) == len(doc["expectations"]) > 0
    assert [e.expectation_type for e in suite.expectations] == [e["type"] for e in doc["expectations"]]


def test_unknown_expectation_type_is_not_silently_dropped(tmp_path):
    doc = json.loads(suites.suite_path(PAYMENTS.id).read_text())
    doc["expectations"].append(
        {
            "type": "expect_column_values_to_be_frobnicated",
            "kwargs": {"column": "amount"},
            "meta": {"rule": "bound"},
        }
    )
    (tmp_path / f"{PAYMENTS.id}.json").write_text(json.dumps(doc))
    with pytest.raises(suites.SuiteError, match="frobnicated"):
        suites.load_suite(PAYMENTS.id, tmp_path)


def test_manual_expectations_survive_regeneration_and_report_their_rule(tmp_path, monkeypatch):
    feeds = {PAYMENTS.id: PAYMENTS}
    assert suites.write_suites(tmp_path, feeds) == [PAYMENTS.id]
    path = suites.suite_path(PAYMENTS.id, tmp_path)
    doc = json.loads(path.read_text())
    manual = {
        "type": "expect_column_values_to_match_regex",
        "kwargs": {"column": "bank_account", "regex": "^[0-9]{16,19}$"},
        "meta": {"source": "manual", "rule": "type", "message": "bank account must be 16-19 digits"},
    }
    doc["expectations"].append(manual)
    doc["expectations"][0]["kwargs"]["column"] = "edited-by-hand"  # generated entries are rewritten
    path.write_text(json.dumps(doc))
    assert suites.suites_in_sync(tmp_path, feeds) == [PAYMENTS.id]
    assert suites.write_suites(tmp_path, feeds) == [PAYMENTS.id]
    assert suites.suites_in_sync(tmp_path, feeds) == []
    regenerated = json.loads(path.read_text())
    assert regenerated["expectations"][-1] == manual
    assert regenerated["expectations"][0]["kwargs"]["column"] == PAYMENTS.columns[0].name

    # validate() runs the manual expectation too (and notices the changed file).
    monkeypatch.setattr(paths, "EXPECTATIONS_DIR", tmp_path)
    df = valid_frame(PAYMENTS)
    df["bank_account"] = [f"62220000111122{i:02d}" for i in range(len(df))]
    df.loc[1, "bank_account"] = "12-34"
    outcome = validate(PAYMENTS, df, batch_id="manual", data_docs=False)
    assert failures_of(outcome) == {(1, "type", "bank_account")}
    assert "16-19 digits" in outcome.failures["message"].iloc[0]


def test_stale_suite_file_is_reported(tmp_path):
    suites.write_suites(tmp_path, {PAYMENTS.id: PAYMENTS})
    (tmp_path / "gone.feed.json").write_text("{}")
    assert suites.suites_in_sync(tmp_path, {PAYMENTS.id: PAYMENTS}) == ["gone.feed"]


def test_suite_files_are_stable_text():
    text = suites.suite_path(PAYMENTS.id).read_text()
    assert text == suites.render(json.loads(text))
    assert '"id"' not in text  # no GX-generated uuids: regenerating must not churn the diff


# --- data docs and GX internals we rely on -------------------------------------------------------


def test_data_docs_index_written(tmp_path):
    df = valid_frame(PAYMENTS)
    df.loc[0, "period"] = "2024-13"
    outcome = validate(PAYMENTS, df, batch_id="docs-run-1", data_docs=True)
    index = outcome.data_docs_path
    assert index == tmp_path / "state" / "data_docs" / "index.html"
    assert index.is_file()
    pages = list((index.parent / "validations").rglob("docs-run-1.html"))
    assert len(pages) == 1 and "2024-13" in pages[0].read_text()
    validate(PAYMENTS, valid_frame(PAYMENTS), batch_id="docs-run-2", data_docs=True)
    assert "docs-run-1" in index.read_text() and "docs-run-2" in index.read_text()


def test_gx_hash_threshold_still_exists():
    """validate() turns GX's whole-frame fingerprint off through this constant (see _Runtime)."""
    from great_expectations.execution_engine import pandas_execution_engine

    assert hasattr(pandas_execution_engine, "HASH_THRESHOLD")
    assert "HASH_THRESHOLD" in Path(pandas_execution_engine.__file__).read_text()
