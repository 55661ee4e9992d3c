"""Plausibility rules of every suite (include/config/plausibility.yaml): event dates not after the
delivery date (+ tolerance), birth dates inside resident ids and birth-date columns between 1900 and the
delivery date, code columns of their declared shape. A failing value is quarantined under its own rule;
the pipeline passes the delivery date to validation."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg
import pytest
import yaml
from citylib import write_csv
from stdnum.cn import ric

from tianyan import paths
from tianyan.ingest import suites
from tianyan.ingest.normalise import normalise
from tianyan.ingest.pipeline import process_delivery
from tianyan.ingest.validate import validate
from tianyan.registry import load_feeds
from tianyan.warehouse.conn import psycopg_dsn

FEEDS = load_feeds()
D = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _state_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "STATE_DIR", tmp_path / "state")


def person(ymd: str, seq: str = "123") -> str:
    body = f"522622{ymd}{seq}"
    return body + ric.calc_check_digit(body + "0")


def failures(feed_id: str, rows: list[dict], delivery_date=D) -> set[tuple[int, str, str]]:
    feed = FEEDS[feed_id]
    raw = pd.DataFrame(rows, columns=feed.column_names, dtype=object)
    norm, type_fails = normalise(feed, raw)
    assert type_fails.empty, type_fails.to_dict("records")
    out = validate(feed, norm, batch_id="p", data_docs=False, delivery_date=delivery_date)
    f = out.failures
    return set(zip(f["row"], f["rule"], f["column"], strict=True))


def death(i: int, death_date: str, id_no: str | None = None) -> dict:
    return {"certificate_id": f"C{i}", "id_no": id_no or person("19500101"), "death_date": death_date,
            "place": "HOME", "cause_code": "I21.9"}


def test_event_dates_not_after_the_delivery_date_with_a_tolerance():
    got = failures("health.death_certificates", [
        death(0, "2099-01-01"),  # loaded before
        death(1, (D + dt.timedelta(days=1)).isoformat()),  # within the one-day tolerance
        death(2, (D + dt.timedelta(days=2)).isoformat()),
        death(3, "2026/11/27"),
    ])
    assert got == {(0, "future_date", "death_date"), (2, "future_date", "death_date")}


def test_timestamps_are_judged_by_their_shanghai_date():
    feed = FEEDS["discipline.alert_dispositions"]
    base = {"alert_id": "a" * 32, "outcome": "CONFIRMED", "amount_recovered": "1", "note": None, "recorded_by": "x"}
    rows = [{**base, "recorded_at": "2026-11-28T15:59:59Z"},  # 23:59:59 on the 28th in Shanghai: tolerated
            {**base, "alert_id": "b" * 32, "recorded_at": "2026-11-28T16:00:00Z"}]  # the 29th in Shanghai
    assert {r[:2] for r in failures(feed.id, rows)} == {(1, "future_date")}


def test_scheduled_dates_may_lie_ahead():
    row = {"certificate_no": "D1", "id_no": person("19800101"), "category": "VISUAL", "grade": "1",
           "issue_date": "2020-01-01", "valid_until": "2035-01-01", "status": "VALID"}
    assert failures("disabled_persons.certificates", [row]) == set()
    assert failures("disabled_persons.certificates", [{**row, "issue_date": "2030-01-01"}]) == \
        {(0, "future_date", "issue_date")}


def test_birth_dates_inside_resident_ids():
    got = failures("health.death_certificates", [
        death(0, "2026-01-01", person("21990101")),  # correct check digit, born in 2199: loaded before
        death(1, "2026-01-01", person("18000101")),  # born in 1800: loaded before
        death(2, "2026-01-01", person("19000101")),  # the first accepted day
        death(3, "2026-01-01", person("20261127")),  # born on the delivery date
        death(4, "2026-01-01", person("20261128")),
        death(5, "2026-01-01", person("19900230")),  # not a date: the id18 rule, not birth_date
    ])
    assert got == {(0, "birth_date", "id_no"), (1, "birth_date", "id_no"), (4, "birth_date", "id_no"),
                   (5, "id18", "id_no")}


def test_birth_date_columns():
    feed = FEEDS["public_security.household_registration"]
    base = {"op": "U", "id_no": person("19500101"), "name": "x", "gender": "M", "birth_date": "1950-01-01",
            "household_id": "H1", "relation_to_head": "HEAD", "region_code": "522622001001", "status": "ACTIVE",
            "status_date": None, "changed_at": "2026-11-27 09:30:00"}
    got = failures(feed.id, [base, {**base, "birth_date": "1899-12-31"}, {**base, "birth_date": "2027-01-01"}])
    assert got == {(1, "birth_date", "birth_date"), (2, "birth_date", "birth_date")}


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "a b", "<b>x</b>",
                                   "x" * 65, "'quoted'"])
def test_code_columns_of_their_declared_shape(value):
    row = {"unit_code": "U1", "name": "x", "parent_unit_code": None, "kind": "PARTY", "region_code": "522622001001"}
    assert failures("organization.public_units", [row, {**row, "unit_code": value}]) == \
        {(1, "code_shape", "unit_code")}


def test_declared_shape_of_plates():
    feed = FEEDS["public_security.vehicle_registrations"]
    base = {"op": "U", "plate_no": "贵A12345", "owner_kind": "PERSON", "owner_id": person("19500101"),
            "vehicle_type": "SMALL_CAR", "purchase_price": "1", "registration_date": "2020-01-01", "status": "ACTIVE",
            "status_date": None, "changed_at": "2026-11-27 09:30:00"}
    got = failures(feed.id, [base, {**base, "plate_no": "贵AD12345"}, {**base, "plate_no": "A12345"},
                             {**base, "plate_no": "贵A·12345"}, {**base, "plate_no": "=1+1"}])
    assert got == {(2, "code_shape", "plate_no"), (4, "code_shape", "plate_no")}


def test_rules_are_configurable_per_feed(tmp_path):
    config = yaml.safe_load((paths.CONFIG_DIR / "plausibility.yaml").read_text(encoding="utf-8"))
    feed = FEEDS["agriculture.collective_contracts"]
    before = suites.build_suite_dict(feed, config=config)
    config["feeds"] = {feed.id: {"future_date": {"scheduled": ["start_date", "end_date"], "tolerance_days": 3}}}
    after = suites.build_suite_dict(feed, config=config)

    def future(doc):
        return {e["kwargs"]["column"]: e["kwargs"]["tolerance_days"] for e in doc["expectations"]
                if e["meta"]["rule"] == "future_date"}

    assert future(before) == {"start_date": 1, "sign_date": 1}
    assert future(after) == {"sign_date": 3}
    assert suites.rules_for("x.y", config)["code_shape"] == config["code_shape"]


def test_suites_name_the_delivery_date_as_a_parameter():
    doc = suites.read_suite_dict("health.death_certificates")
    future = [e for e in doc["expectations"] if e["meta"]["rule"] == "future_date"]
    assert future and future[0]["kwargs"]["max_date"] == {"$PARAMETER": "delivery_date"}


def test_the_pipeline_quarantines_an_implausible_row_and_loads_the_rest(warehouse_url, tmp_path):
    feed = FEEDS["health.death_certificates"]
    landing = tmp_path / "landing"
    rows = [["C1", person("19500101"), "2026-11-20", "HOME", "I21.9"],
            ["C2", person("19500102"), "2099-01-01", "HOME", "I21.9"],
            ["C3", person("21990101"), "2026-11-20", "HOME", "I21.9"]]
    write_csv(landing / "health" / "death_certificates" / D.isoformat() / "d.csv", feed.column_names, rows)
    result = process_delivery(feed, D, landing=str(landing), url=warehouse_url, work_root=tmp_path / "w",
                              data_docs=False)
    assert (result.status, result.loaded, result.quarantined) == ("LOADED", 1, 2)
    assert result.failures_by_rule == {"birth_date": 1, "future_date": 1}
    with psycopg.connect(psycopg_dsn(warehouse_url)) as conn:
        got = conn.execute("select row_no, rule, column_name, message from meta.quarantine where feed_id = %s "
                           "and delivery_date = %s order by row_no", (feed.id, D)).fetchall()
    assert [(r[0], r[1], r[2]) for r in got] == [(2, "future_date", "death_date"), (3, "birth_date", "id_no")]
    assert "2026-11-27" in got[0][3] and "522622************" in got[1][3] and "21990101" not in got[1][3]
