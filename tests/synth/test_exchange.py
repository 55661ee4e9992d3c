"""The department exchange simulator: paged API, auth, failures on demand, front-end database loads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import psycopg
import pytest

from tianyan.connections import parse
from tianyan.synth.exchange import (
    ExchangeLoadError,
    ExchangeServer,
    exchange_connections,
    load_database_feeds,
    parse_failures,
)

D = "2024-06-03"
TOKEN = "tok-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_DB = "tianyan_h2_exchange"


@pytest.fixture
def drop(tmp_path) -> Path:
    folder = tmp_path / "drop" / "public_resources" / "tenders" / D
    folder.mkdir(parents=True)
    (folder / "page-1.json").write_bytes(json.dumps({"items": [{"tender_id": "T1"}], "next_page": 2}).encode())
    (folder / "page-2.json").write_bytes(json.dumps({"items": [{"tender_id": "T2"}], "next_page": None}).encode())
    return tmp_path / "drop"


def _get(server: ExchangeServer, path: str, headers=AUTH, **params) -> httpx.Response:
    return httpx.get(f"{server.base_url}{path}", params=params, headers=headers, timeout=5)


def test_serves_pages_with_auth(drop):
    with ExchangeServer(drop, TOKEN) as server:
        r = _get(server, "/public_resources/tenders", date=D, page=2)
        assert r.status_code == 200
        assert r.content == (drop / "public_resources/tenders" / D / "page-2.json").read_bytes()
        assert _get(server, "/public_resources/tenders", date=D).json()["next_page"] == 2  # page defaults to 1
        assert _get(server, "/healthz", headers={}).status_code == 200
        assert TOKEN not in repr(server)


def test_auth_required(drop):
    with ExchangeServer(drop, TOKEN) as server:
        r = _get(server, "/public_resources/tenders", headers={}, date=D, page=1)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        assert _get(server, "/public_resources/tenders", headers={"Authorization": "Bearer nope"}, date=D).status_code == 401
        assert _get(server, "/public_resources/tenders", headers={"Authorization": TOKEN}, date=D).status_code == 401


def test_not_found_and_bad_requests(drop):
    with ExchangeServer(drop, TOKEN) as server:
        assert _get(server, "/public_resources/tenders", date="2024-06-04", page=1).status_code == 404
        assert _get(server, "/public_resources/tenders", date=D, page=3).status_code == 404
        assert _get(server, "/public_resources/unknown", date=D, page=1).status_code == 404
        assert _get(server, "/public_resources/..%2F..%2Fetc", date=D, page=1).status_code == 404
        assert _get(server, "/public_resources/tenders", date="June 3", page=1).status_code == 400
        assert _get(server, "/public_resources/tenders", date=D, page=0).status_code == 400


def test_failures_on_demand(drop):
    rules = "public_resources.tenders:1:500,public_resources.tenders:2:truncated*2,*:*:slow=0.2"
    with ExchangeServer(drop, TOKEN, failures=rules) as server:
        assert _get(server, "/public_resources/tenders", date=D, page=1).status_code == 500
        assert _get(server, "/public_resources/tenders", date=D, page=1).status_code == 200  # one-shot
        for _ in range(2):
            r = _get(server, "/public_resources/tenders", date=D, page=2)
            assert r.status_code == 200
            with pytest.raises(ValueError):
                json.loads(r.content)
        assert _get(server, "/public_resources/tenders", date=D, page=2).json()["items"] == [{"tender_id": "T2"}]
        r = _get(server, "/public_resources/tenders", date=D, page=2)
        assert r.elapsed.total_seconds() >= 0.2  # slow applies every time


def test_parse_failures():
    f = parse_failures({"medical_insurance.claims:2": "503*3"})[0]
    assert (f.feed_id, f.page, f.kind, f.status, f.times) == ("medical_insurance.claims", 2, "status", 503, 3)
    f = parse_failures("x.y:*:slow")[0]
    assert (f.page, f.kind, f.times) == (None, "slow", None)
    for bad in ("x.y:1", "x.y:0:500", "x.y:1:boom", "x.y:1:slow=abc", "x.y:1:500*0"):
        with pytest.raises(ValueError, match="failure rule"):
            parse_failures(bad)


def test_exchange_connections_round_trip(drop):
    with ExchangeServer(drop, "a/b c") as server:
        env = exchange_connections(server, "postgresql+psycopg://postgres:pw@127.0.0.1:5432/front")
        assert {"AIRFLOW_CONN_MEDICAL_INSURANCE_API", "AIRFLOW_CONN_PUBLIC_RESOURCES_API",
                "AIRFLOW_CONN_DISCIPLINE_API", "AIRFLOW_CONN_FINANCE_DB"} <= set(env)
        api = parse("public_resources_api", env["AIRFLOW_CONN_PUBLIC_RESOURCES_API"])
        assert api.http_base_url() == server.base_url and api.password == "a/b c"
        db = parse("finance_db", env["AIRFLOW_CONN_FINANCE_DB"])
        assert (db.conn_type, db.database, db.password) == ("postgres", "front", "pw")
        assert not any(k.endswith("_DB") for k in exchange_connections(server))


# ---- front-end database ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_url():
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as c:
            c.execute(f'drop database if exists "{PG_DB}" with (force)')
            c.execute(f'create database "{PG_DB}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"local PostgreSQL not available: {exc}")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"


HEADER = "payment_id,id_no,subsidy_type,issuing_department,amount,pay_date,bank_account,region_code,changed_at\n"


def _rows(drop: Path, day: str, lines: list[str]) -> None:
    folder = drop / "finance" / "subsidy_payments" / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rows.csv").write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    (folder / "table.sql").write_text("-- notes, ignored")


def _table(url: str, table: str, extra: str = "issuing_department") -> list[tuple]:
    with psycopg.connect(url.replace("+psycopg", "")) as c:
        return c.execute(
            f"select payment_id, amount::text, changed_at::text, {extra} from exchange.{table} order by 1, 3"
        ).fetchall()


def _fresh(url: str) -> None:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as c:
        c.execute("drop schema if exists exchange cascade")


def test_load_database_feeds_idempotent(pg_url, tmp_path):
    _fresh(pg_url)
    drop = tmp_path / "drop"
    _rows(drop, "2024-06-01", ["S1,110101199003077777,FARM,agriculture,10.50,2024-06-01,ACC1,110101001001,2024-06-01 09:30:00",
                               "S2,110101199003077777,FARM,,20,2024-06-01,ACC1,110101001001,2024-06-01 10:00:00",
                               ",110101199003077777,FARM,,-3,2024-06-01,ACC1,110101001001,2024-06-01 11:00:00"])
    _rows(drop, "2024-06-02", ["S3,110101199003077777,FARM,\"\",30,2024-06-02,ACC1,110101001001,2024-06-02 09:30:00"])
    first = load_database_feeds(drop, pg_url, typed=True)
    assert first == {"finance.fiscal_payments": 0, "finance.subsidy_payments": 4}
    before = _table(pg_url, "subsidy_payments")
    assert len(before) == 4
    assert ("S2", "20", "2024-06-01 10:00:00", None) in before  # empty unquoted = null
    assert ("S3", "30", "2024-06-02 09:30:00", "") in before  # quoted empty = empty string

    load_database_feeds(drop, pg_url, typed=True)  # same drop again: same table (null-key rows included)
    assert _table(pg_url, "subsidy_payments") == before

    # the department redelivers S1 on 06-02 (changed), and 06-01 is reloaded with S2 gone
    _rows(drop, "2024-06-02", ["S3,110101199003077777,FARM,\"\",30,2024-06-02,ACC1,110101001001,2024-06-02 09:30:00",
                               "S1,110101199003077777,FARM,agriculture,11.00,2024-06-01,ACC1,110101001001,2024-06-02 12:00:00"])
    _rows(drop, "2024-06-01", ["S1,110101199003077777,FARM,agriculture,10.50,2024-06-01,ACC1,110101001001,2024-06-01 09:30:00"])
    assert load_database_feeds(drop, pg_url, dates=["2024-06-02"], typed=True)["finance.subsidy_payments"] == 2
    after = _table(pg_url, "subsidy_payments")
    assert [r[:3] for r in after] == [
        ("S1", "11.00", "2024-06-02 12:00:00"),
        ("S2", "20", "2024-06-01 10:00:00"),  # 06-01 not reloaded: still there
        ("S3", "30", "2024-06-02 09:30:00"),
        (None, "-3", "2024-06-01 11:00:00"),
    ]
    load_database_feeds(drop, pg_url, dates=[dt.date(2024, 6, 1)], typed=True)
    # S1 of 06-01 is redelivered by 06-01's reload: the older version replaces it (the drop says so)
    assert [r[0] for r in _table(pg_url, "subsidy_payments")] == ["S1", "S3"]

    # typed columns: changed_at is a timestamp, amount numeric
    with psycopg.connect(pg_url.replace("+psycopg", "")) as c:
        types = dict(c.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'exchange' and table_name = 'subsidy_payments'").fetchall())
    assert types["changed_at"].startswith("timestamp") and types["amount"] == "numeric"


def test_load_database_feeds_untyped_keeps_dirty_values(pg_url, tmp_path):
    _fresh(pg_url)
    drop = tmp_path / "drop"
    folder = drop / "finance" / "fiscal_payments" / D
    folder.mkdir(parents=True)
    (folder / "rows.csv").write_text(
        "payment_id,budget_unit_code,payee_kind,payee_id,payee_name,payee_account,amount,pay_date,purpose,"
        "project_code,changed_at\nF1,U1,PERSON,X,N,A,12 yuan,2024/6/3,wages,,2024-06-03 08:00:00\n",
        encoding="utf-8",
    )
    with pytest.raises(ExchangeLoadError, match="typed=False"):
        load_database_feeds(drop, pg_url, typed=True)
    _fresh(pg_url)
    assert load_database_feeds(drop, pg_url)["finance.fiscal_payments"] == 1  # default: text columns
    assert _table(pg_url, "fiscal_payments", "pay_date")[0] == ("F1", "12 yuan", "2024-06-03 08:00:00", "2024/6/3")


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_serve_blocks_until_interrupted(drop, stop):
    """`serve` (behind `tianyan exchange serve`) reports its connections, serves, and stops on Ctrl-C or
    SIGTERM, also when it was started with SIGINT ignored (a shell's background job inherits that)."""
    import signal
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tianyan.synth.exchange import serve\n"
        "def ready(server, env):\n"
        "    print(server.base_url, sorted(env)[0], flush=True)\n"
        f"serve({str(drop)!r}, port=0, token={TOKEN!r}, on_ready=ready)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        base, first_var = proc.stdout.readline().split()
        assert first_var == "AIRFLOW_CONN_DISCIPLINE_API"
        r = httpx.get(f"{base}/public_resources/tenders", params={"date": D, "page": 1}, headers=AUTH, timeout=5)
        assert r.status_code == 200
        proc.send_signal(getattr(signal, stop))
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
