"""Failures leave a record and nothing else (issue 12, cases 6 and 7, and what must keep holding).

Whatever breaks (a file the reader cannot read, a crash in validation, the warehouse going away in
the middle of a load, a connection that is not configured), the attempt is recorded with a reason
naming the feed and the file and never quoting row values, a LOADED record of the date stays, and
the warehouse is exactly as it was. Failures that retrying cannot fix raise DeliveryRejected at
once; the warehouse going away is re-raised for the task's retries. Files are written here."""

from __future__ import annotations

import datetime as dt
import threading

import openpyxl
import psycopg
import pyarrow as pa
import pytest
from citylib import write_csv
from unhappy_lib import D1, D2, D3, attempts, counts, current, history, id18, quarantine, reset, runs

from tianyan.ingest import load, readers
from tianyan.ingest import validate as validate_mod
from tianyan.ingest.pipeline import DeliveryRejected, process_delivery
from tianyan.registry import load_feeds
from tianyan.warehouse.migrate import migrate

UNITS, DEATH, SUBSIDIES = "organization.public_units", "health.death_certificates", "disabled_persons.subsidies"


@pytest.fixture(scope="module")
def wh(make_database):
    url = make_database("unhappy_fail")
    migrate(url)
    return url


def unit(i: int, name: str | None = None, region: str = "320102000000") -> list:
    return [f"U{i:03d}", name or f"第{i}办公室", None, "GOVERNMENT", region]


def _deliver(landing, feed_id, d, rows, *, header=None, encoding="utf-8", name="delivery.csv"):
    feed = load_feeds()[feed_id]
    write_csv(landing / feed.department / feed.name / d.isoformat() / name, header or feed.column_names, rows,
              encoding=encoding)


def _run(url, landing, feed_id, d, tmp_path):
    return process_delivery(load_feeds()[feed_id], d, landing=str(landing), url=url, work_root=tmp_path / "w",
                            data_docs=False)


def _state(url, feed_id):
    return history(url, feed_id), quarantine(url, feed_id), {d: counts(r) for d, r in runs(url, feed_id).items()}


# ---- case 6: reader errors of any kind become a clean rejection, at once ---------------------------


def test_gbk_file_for_a_utf8_feed_is_refused_with_a_reason_and_the_loaded_date_kept(wh, tmp_path):
    reset(wh, UNITS)
    _deliver(tmp_path / "a", UNITS, D1, [unit(i) for i in range(10)])
    assert _run(wh, tmp_path / "a", UNITS, D1, tmp_path).status == "LOADED"
    before = _state(wh, UNITS)
    _deliver(tmp_path / "b", UNITS, D1, [unit(i, name="财政局国库科") for i in range(10)], encoding="gbk")
    with pytest.raises(DeliveryRejected) as err:
        _run(wh, tmp_path / "b", UNITS, D1, tmp_path)
    assert err.value.status == "REJECTED"
    a = attempts(wh, UNITS)[-1]
    assert (a["stage"], a["status"]) == ("load", "REJECTED")
    assert UNITS in str(err.value) and "delivery.csv" in a["reason"]
    assert "财政局" not in a["reason"] and "U001" not in a["reason"]
    assert runs(wh, UNITS)[D1]["status"] == "LOADED"  # the good record stands
    assert _state(wh, UNITS) == before


def test_xlsx_with_a_title_row_is_refused_with_a_reason(wh, tmp_path):
    reset(wh, SUBSIDIES)
    feed = load_feeds()[SUBSIDIES]
    folder = tmp_path / "landing" / feed.department / feed.name / D1.isoformat()
    folder.mkdir(parents=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年2月 残疾人两项补贴发放表"])  # a title above the header, as people make sheets
    ws.append(feed.column_names)
    ws.append(["DS0001", id18(1), "LIVING", "2026-02", "80.00"])
    wb.save(folder / "subsidies.xlsx")
    with pytest.raises(DeliveryRejected):
        _run(wh, tmp_path / "landing", SUBSIDIES, D1, tmp_path)
    a = attempts(wh, SUBSIDIES)[-1]
    assert a["status"] == "REJECTED" and "subsidies.xlsx" in a["reason"] and SUBSIDIES in a["reason"]
    assert runs(wh, SUBSIDIES)[D1]["status"] == "REJECTED"
    assert history(wh, SUBSIDIES) == []


@pytest.mark.parametrize("error", [
    pa.ArrowInvalid("straddling object straddles two block boundaries (try to increase block size?)"),
    UnicodeDecodeError("utf-8", b"\xb2\xe2", 0, 1, "invalid start byte"),
    ValueError("could not convert '王小明 320102198001010011' to a row"),
    AttributeError("'DataFrame' object has no attribute 'dtype'"),
    MemoryError(),
], ids=["arrow", "unicode", "value", "attribute", "memory"])
def test_any_reader_exception_is_a_clean_rejection_without_row_text(wh, tmp_path, monkeypatch, error):
    reset(wh, UNITS)
    _deliver(tmp_path / "landing", UNITS, D1, [unit(i) for i in range(3)], name="first.csv")
    _deliver(tmp_path / "landing", UNITS, D1, [unit(i) for i in range(3, 6)], name="second.csv")
    real = readers.read_delivery

    def flaky(feed, files):
        if any(p.name == "second.csv" for p in files):
            raise error
        return real(feed, files)

    monkeypatch.setattr(readers, "read_delivery", flaky)
    with pytest.raises(DeliveryRejected):
        _run(wh, tmp_path / "landing", UNITS, D1, tmp_path)
    a = attempts(wh, UNITS)[-1]
    assert a["status"] == "REJECTED" and a["reason"].startswith(f"{UNITS}: file second.csv: unreadable")
    assert type(error).__name__ in a["reason"]
    assert "王小明" not in a["reason"] and "320102198001010011" not in a["reason"]
    assert len(attempts(wh, UNITS)) == 1 and history(wh, UNITS) == []


def test_a_crash_in_validation_is_failed_at_once_and_keeps_the_loaded_date(wh, tmp_path, monkeypatch):
    reset(wh, UNITS)
    _deliver(tmp_path / "landing", UNITS, D1, [unit(i) for i in range(10)])
    _run(wh, tmp_path / "landing", UNITS, D1, tmp_path)
    before = _state(wh, UNITS)

    def broken(*args, **kwargs):
        raise RuntimeError("GX could not evaluate expect_column_values_to_match_regex on 'unit_code'")

    monkeypatch.setattr(validate_mod, "validate", broken)
    with pytest.raises(DeliveryRejected) as err:
        _run(wh, tmp_path / "landing", UNITS, D1, tmp_path)
    assert err.value.status == "FAILED"
    a = attempts(wh, UNITS)[-1]
    assert a["status"] == "FAILED" and "validation broke: RuntimeError" in a["reason"] and "'unit_code'" in a["reason"]
    assert runs(wh, UNITS)[D1]["status"] == "LOADED" and _state(wh, UNITS) == before


def test_connection_not_configured_fails_at_once_with_a_record(wh, tmp_path, monkeypatch):
    reset(wh, "medical_insurance.claims")
    monkeypatch.delenv("AIRFLOW_CONN_MEDICAL_INSURANCE_API", raising=False)
    monkeypatch.delenv("AIRFLOW_CTX_DAG_ID", raising=False)
    with pytest.raises(DeliveryRejected) as err:
        _run(wh, tmp_path, "medical_insurance.claims", D1, tmp_path)
    assert err.value.status == "FAILED"
    a = attempts(wh, "medical_insurance.claims")[-1]
    assert (a["stage"], a["status"]) == ("land", "FAILED") and "AIRFLOW_CONN_MEDICAL_INSURANCE_API" in a["reason"]


# ---- what must keep holding: a broken load leaves no trace -------------------------------------------


def death(n: int, place: str = "HOME") -> list:
    return [f"C{n:04d}", id18(n, birth="19400101"), "2026-02-20", place, None]


def test_warehouse_gone_mid_load_is_recorded_and_retried_and_leaves_no_trace(wh, tmp_path, monkeypatch):
    reset(wh, DEATH)
    _deliver(tmp_path / "landing", DEATH, D1, [death(i) for i in range(1, 8)] + [death(9, place="SEA")])
    real_merge = load.merge

    def merge_then_die(cur, feed, d, batch_id):
        real_merge(cur, feed, d, batch_id)  # every row inserted, not yet committed ...
        cur.execute("select pg_terminate_backend(pg_backend_pid())")  # ... when the server kills the session

    monkeypatch.setattr(load, "merge", merge_then_die)
    with pytest.raises(psycopg.OperationalError):  # not DeliveryRejected: the task's retries may succeed
        _run(wh, tmp_path / "landing", DEATH, D1, tmp_path)
    a = attempts(wh, DEATH)
    assert [(x["stage"], x["status"]) for x in a] == [("load", "FAILED")]
    assert "warehouse load failed" in a[0]["reason"]
    assert history(wh, DEATH) == [] and quarantine(wh, DEATH) == [] and runs(wh, DEATH)[D1]["status"] == "FAILED"
    monkeypatch.setattr(load, "merge", real_merge)
    assert _run(wh, tmp_path / "landing", DEATH, D1, tmp_path).status == "LOADED"  # the retry
    after_retry = _state(wh, DEATH)
    reset(wh, DEATH)
    _run(wh, tmp_path / "landing", DEATH, D1, tmp_path)
    assert _state(wh, DEATH) == after_retry  # byte-identical to a load that never crashed
    assert counts(runs(wh, DEATH)[D1]) == (8, 7, 1, 0)


def test_concurrent_loads_of_different_dates_give_the_sequential_state(wh, tmp_path):
    landing = tmp_path / "landing"
    days = [D1, D2, D3, D3 + dt.timedelta(days=1)]
    for k, d in enumerate(days):  # each date re-sends some keys with other values
        _deliver(landing, DEATH, d, [death(i, place=("HOME", "HOSPITAL")[(i + k) % 2]) for i in range(k, k + 30)])
    reset(wh, DEATH)
    for d in days:
        _run(wh, landing, DEATH, d, tmp_path / "seq")
    expected = _state(wh, DEATH)
    reset(wh, DEATH)
    errors = []

    def one(d):
        try:
            _run(wh, landing, DEATH, d, tmp_path / f"par{d}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(d,)) for d in reversed(days)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _state(wh, DEATH) == expected


# ---- case 7: a rejected redelivery erases nothing ---------------------------------------------------


def test_rejected_redelivery_keeps_the_loaded_record_and_the_warehouse(wh, tmp_path):
    reset(wh, UNITS)
    d2_rows = [unit(i) for i in range(100)] + [unit(100, region="3201")]  # one bad row: quarantined
    _deliver(tmp_path / "a", UNITS, D2, d2_rows)
    assert _run(wh, tmp_path / "a", UNITS, D2, tmp_path).status == "LOADED"
    before = _state(wh, UNITS)
    assert before[2] == {D2: (101, 100, 1, 0)}
    _deliver(tmp_path / "b", UNITS, D2, [])  # a header-only redelivery of the loaded date
    with pytest.raises(DeliveryRejected, match="empty snapshot"):
        _run(wh, tmp_path / "b", UNITS, D2, tmp_path)
    r = runs(wh, UNITS)[D2]
    assert r["status"] == "LOADED" and counts(r) == (101, 100, 1, 0) and r["reason"] is None
    assert [x["status"] for x in attempts(wh, UNITS)] == ["LOADED", "REJECTED"]
    assert _state(wh, UNITS) == before  # history, quarantine and records exactly as they were
    # The neighbouring date, merged afterwards, still sees D2 as loaded: D2's register stays current.
    d1_rows = [unit(i) for i in range(50)] + [unit(200)]
    _deliver(tmp_path / "a", UNITS, D1, d1_rows)
    assert _run(wh, tmp_path / "a", UNITS, D1, tmp_path).status == "LOADED"
    assert [k for (k,) in current(wh, UNITS)] == [f"U{i:03d}" for i in range(100)]
    got = history(wh, UNITS)
    reset(wh, UNITS)
    _run(wh, tmp_path / "a", UNITS, D1, tmp_path)
    _run(wh, tmp_path / "a", UNITS, D2, tmp_path)
    assert history(wh, UNITS) == got  # as if the rejected attempt had never happened


def test_a_changed_archived_file_fails_the_load_with_a_record(wh, tmp_path, monkeypatch):
    from tianyan.ingest.pipeline import land_delivery, load_delivery

    monkeypatch.setenv("TIANYAN_ARCHIVE", str(tmp_path / "archive"))
    reset(wh, DEATH)
    _deliver(tmp_path / "landing", DEATH, D1, [death(i) for i in range(1, 4)])
    feed = load_feeds()[DEATH]
    landed = land_delivery(feed, D1, landing=str(tmp_path / "landing"), url=wh, work_root=tmp_path / "w")
    archived = landed["files"][0]["archive_uri"].removeprefix("file://")
    with open(archived, "ab") as fh:
        fh.write(b"C9999,tampered\n")
    with pytest.raises(DeliveryRejected) as err:
        load_delivery(feed, landed, url=wh, work_root=tmp_path / "w", data_docs=False)
    assert err.value.status == "FAILED"
    a = attempts(wh, DEATH)[-1]
    assert a["status"] == "FAILED" and "delivery.csv changed (checksum)" in a["reason"]
    assert history(wh, DEATH) == []
