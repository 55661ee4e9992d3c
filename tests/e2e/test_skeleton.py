"""The walking skeleton through the real DAGs (dag.test) and a real PostgreSQL:
household registration (parquet delta) + death certificates (csv append) + assistance payments
(csv append) -> validation -> warehouse -> Assets -> scoring -> SA01 alerts."""

import datetime as dt
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from citylib import write_csv
from stdnum.cn import ric

pytestmark = pytest.mark.e2e
DAY = dt.date(2026, 11, 27)


def pid(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


DEAD = pid("32010219500305001")  # died 2026-08-15, paid for September and October
MONTH_OF_DEATH = pid("32010219480712002")  # died 2026-10-10, paid only for October
ALIVE = pid("32010219601111003")
BAD_CHECK = DEAD[:17] + ("1" if DEAD[17] != "1" else "2")


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    root = tmp_path_factory.mktemp("drop")
    day = DAY.isoformat()
    hh = root / "public_security" / "household_registration" / day
    hh.mkdir(parents=True)
    people = [
        (DEAD, "甲", "M", "1950-03-05", "H1", "HEAD", "DECEASED", "2026-08-15"),
        (MONTH_OF_DEATH, "乙", "F", "1948-07-12", "H2", "HEAD", "ACTIVE", None),
        (ALIVE, "丙", "M", "1960-11-11", "H3", "HEAD", "ACTIVE", None),
    ]
    cols = ["op", "id_no", "name", "gender", "birth_date", "household_id", "relation_to_head", "region_code",
            "status", "status_date", "changed_at"]
    rows = [["U", p[0], p[1], p[2], p[3], p[4], p[5], "320102001001", p[6], p[7], "2026-11-27 08:00:00"] for p in people]
    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)}), hh / "hukou.parquet")
    write_csv(root / "health" / "death_certificates" / day / "deaths.csv",
               ["certificate_id", "id_no", "death_date", "place", "cause_code"],
               [["DC1", DEAD, "2026-08-15", "HOSPITAL", "I21"], ["DC2", MONTH_OF_DEATH, "2026-10-10", "HOME", ""]])
    legacy15 = DEAD[:6] + DEAD[8:17]  # the dead recipient's id as a legacy 15-digit number
    write_csv(root / "civil_affairs" / "assistance_payments" / day / "pay.csv",
               ["payment_id", "id_no", "program", "period", "amount", "pay_date", "bank_account", "region_code"],
               [["P1", DEAD, "DIBAO_URBAN", "2026-08", "800.00", "2026-08-05", "6222001", "320102001001"],
                ["P2", legacy15, "DIBAO_URBAN", "2026-09", "800.00", "2026-09-05", "6222001", "320102001001"],
                ["P3", f" {DEAD.lower()} ", "DIBAO_URBAN", "2026-10", "800.00", "2026-10-05", "6222001", "320102001001"],
                ["P4", MONTH_OF_DEATH, "TEKUN", "2026-10", "900.00", "2026-10-05", "6222002", "320102001001"],
                ["P5", ALIVE, "DIBAO_URBAN", "2026-10", "800.00", "2026-10-05", "6222003", "320102001001"],
                ["P6", DEAD, "TEMPORARY", "2026-11", "500.00", "2026-11-05", "6222001", "320102001001"],
                ["P7", BAD_CHECK, "DIBAO_URBAN", "2026-10", "800.00", "2026-10-05", "6222009", "320102001001"],
                ["P8", ALIVE, "DIBAO_URBAN", "2026-10", "-5", "2026-10-05", "6222003", "320102001001"],
                *[[f"P{9 + i}", ALIVE, "DIBAO_URBAN", f"2026-0{1 + i}", "800.00", f"2026-0{1 + i}-05", "6222003",
                   "320102001001"] for i in range(4)]])
    return root


def _run(drop, url):
    from tianyan.orchestration.inprocess import run_dates

    os.environ["AIRFLOW_CONN_WAREHOUSE"] = url
    return run_dates(str(drop), [DAY], departments=["public_security", "health", "civil_affairs"])


def _q(url, sql):
    eng = sa.create_engine(url)
    with eng.connect() as c:
        out = [tuple(r) for r in c.execute(sa.text(sql))]
    eng.dispose()
    return out


@pytest.fixture(scope="module")
def cycle(drop, make_database):
    url = make_database("e2e")
    first = _run(drop, url)
    return url, first


def test_every_dag_run_succeeds(cycle):
    _, outcomes = cycle
    assert [(o.dag_id, o.state) for o in outcomes] == [
        ("dept_civil_affairs", "success"), ("dept_health", "success"), ("dept_public_security", "success"),
        ("scoring", "success"), ("public_site", "success"),
    ]


def test_rows_are_loaded_or_quarantined_and_counts_add_up(cycle):
    url, _ = cycle
    runs = {r[0]: r[1:] for r in _q(url, "select feed_id, status, delivered, loaded, quarantined, collapsed "
                                          "from meta.feed_runs where delivery_date = '2026-11-27'")}
    assert runs["civil_affairs.assistance_payments"] == ("LOADED", 12, 10, 2, 0)
    assert runs["health.death_certificates"] == ("LOADED", 2, 2, 0, 0)
    assert runs["public_security.household_registration"] == ("LOADED", 3, 3, 0, 0)
    quarantined = _q(url, "select source_file, row_no, rule, column_name from meta.quarantine order by row_no")
    assert quarantined == [("pay.csv", 7, "id18", "id_no"), ("pay.csv", 8, "bound", "amount")]


def test_sa01_alerts_the_dead_recipient_only(cycle):
    url, _ = cycle
    hits = _q(url, "select subject_id, evidence_key from alerts.alert where model_id = 'SA01' order by 2")
    subjects = {h[0] for h in hits}
    assert subjects == {DEAD}, "a recipient paid for months after death (incl. dirty ids) must be alerted"
    assert MONTH_OF_DEATH not in subjects  # paid only in the month of death
    assert len(hits) >= 1


def test_rerun_gives_the_same_state(cycle, drop):
    url, _ = cycle
    q_alerts = "select alert_id, status, first_seen, last_seen from alerts.alert order by 1"
    q_hist = "select payment_id, _valid_from, _valid_to, _row_hash from civil_affairs.assistance_payments__history order by 1"
    q_runs = "select feed_id, delivery_date, status, delivered, loaded, quarantined, collapsed from meta.feed_runs order by 1, 2"
    before = [_q(url, q) for q in (q_alerts, q_hist, q_runs)]
    again = _run(drop, url)
    assert all(o.state == "success" for o in again)
    assert [_q(url, q) for q in (q_alerts, q_hist, q_runs)] == before


def test_cli_csv_interface_is_stable(cycle, monkeypatch):
    """`tianyan alerts|feeds --format csv` and `warehouse-url`: names, options and columns other tools rely on."""
    import csv as csvmod
    import io

    from typer.testing import CliRunner

    from tianyan.cli import app

    url, _ = cycle
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url)
    runner = CliRunner()
    res = runner.invoke(app, ["alerts", "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csvmod.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == ["alert_id", "model_id", "subject_kind", "subject_id", "region_code", "severity",
                             "amount", "first_seen", "last_seen", "status"]
    assert {(r["model_id"], r["subject_id"]) for r in rows} >= {("SA01", DEAD)}
    res = runner.invoke(app, ["feeds", "--format", "csv"])
    assert res.exit_code == 0, res.output
    feeds = list(csvmod.DictReader(io.StringIO(res.stdout)))
    # columns are added, never renamed: ref_missing came with the referential report (issue 15)
    assert list(feeds[0]) == ["feed_id", "delivery_date", "status", "delivered", "loaded", "quarantined",
                              "collapsed", "reason", "ref_missing"]
    pay = next(r for r in feeds if r["feed_id"] == "civil_affairs.assistance_payments")
    assert (pay["delivered"], pay["loaded"], pay["quarantined"], pay["collapsed"]) == ("12", "10", "2", "0")
    res = runner.invoke(app, ["warehouse-url"])
    assert res.exit_code == 0 and res.stdout.strip().startswith("postgresql+psycopg://")
