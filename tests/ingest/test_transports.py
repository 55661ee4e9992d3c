"""Transports: file (local, file://, memory://), http (paging, auth, retries, resume), database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import fsspec
import psycopg
import pytest
from werkzeug import Request, Response

from tianyan import connections
from tianyan.ingest.transports import (
    HttpPolicy,
    TransportAuthError,
    TransportError,
    conn_id_for,
    land,
)
from tianyan.registry import load_feeds
from tianyan.synth.exchange import ExchangeServer, exchange_connections

D = dt.date(2024, 6, 3)
TOKEN = "s3cret/token"  # a '/' checks URI quoting of the password
FAST = HttpPolicy(attempts=3, backoff=0.01, max_backoff=0.05, timeout=2.0, connect_timeout=2.0)
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_DB = "tianyan_h2_transports"


@pytest.fixture(scope="module")
def feeds():
    return load_feeds()


def _page(items: list[dict], nxt: int | None) -> bytes:
    return json.dumps({"items": items, "next_page": nxt}, ensure_ascii=False).encode()


PAGES = {
    1: _page([{"claim_id": "C1", "total_amount": "10.00"}, {"claim_id": "C2", "total_amount": "20.50"}], 2),
    2: _page([{"claim_id": "C3", "total_amount": "5"}], 3),
    3: _page([{"claim_id": "C4", "total_amount": "7"}], None),
}


# ---- connections -------------------------------------------------------------------------------


def test_connection_uri_and_json_forms(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DEPT_API", "http://:s3cret%2Ftoken@127.0.0.1:8765/")
    c = connections.get_connection("dept_api")
    assert (c.conn_type, c.host, c.port, c.password) == ("http", "127.0.0.1", 8765, TOKEN)
    assert c.http_base_url() == "http://127.0.0.1:8765"
    assert TOKEN not in repr(c)

    monkeypatch.setenv("AIRFLOW_CONN_DEPT_DB", "postgresql://u:p%40w@db.local:5433/front?sslmode=disable")
    c = connections.get_connection("dept_db")
    assert (c.conn_type, c.login, c.password, c.database) == ("postgres", "u", "p@w", "front")
    assert c.sqlalchemy_url() == "postgresql+psycopg://u:p%40w@db.local:5433/front?sslmode=disable"

    monkeypatch.setenv(
        "AIRFLOW_CONN_DEPT_API",
        json.dumps({"conn_type": "http", "host": "https://exchange.example", "schema": "v1", "password": "t",
                    "extra": {"timeout": 5}}),
    )
    c = connections.get_connection("dept_api")
    assert c.http_base_url() == "https://exchange.example/v1"
    assert c.extra == {"timeout": 5}


def test_connection_missing_names_the_variable(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_NOPE_API", raising=False)
    monkeypatch.delenv("AIRFLOW_CTX_DAG_ID", raising=False)
    with pytest.raises(connections.ConnectionNotFound, match="AIRFLOW_CONN_NOPE_API"):
        connections.get_connection("nope_api")


def test_conn_id_for(feeds):
    assert conn_id_for(feeds["medical_insurance.claims"]) == "medical_insurance_api"
    assert conn_id_for(feeds["finance.fiscal_payments"]) == "finance_db"
    assert conn_id_for(feeds["civil_affairs.assistance_payments"]) is None


# ---- file --------------------------------------------------------------------------------------


def _file_drop(root: Path) -> Path:
    folder = root / "civil_affairs" / "assistance_payments" / D.isoformat()
    folder.mkdir(parents=True)
    (folder / "b_payments.csv").write_bytes(b"payment_id\nP2\n")
    (folder / "A_PAYMENTS.CSV").write_bytes(b"payment_id\nP1\n")
    (folder / "readme.txt").write_text("not data")
    (folder / "payments.csv.md5").write_text("abc")
    (folder / ".uploading.csv").write_text("partial")
    (folder / "sub.csv").mkdir()  # a folder named like a file is not a delivery
    return folder


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "file-url"])
def test_file_transport_local(tmp_path, feeds, as_url):
    landing = tmp_path / "landing"
    _file_drop(landing)
    work = tmp_path / "work"
    files = land(feeds["civil_affairs.assistance_payments"], D, f"file://{landing}" if as_url else str(landing), work)
    assert [f.name for f in files] == ["A_PAYMENTS.CSV", "b_payments.csv"]
    for f in files:
        assert f.path.parent == work and f.path.read_bytes()
        assert f.sha256 == hashlib.sha256(f.path.read_bytes()).hexdigest()
        assert f.bytes == f.path.stat().st_size
        assert f.source_uri.startswith("file://") and f.source_uri.endswith(f.name)


def test_file_transport_memory_fs(tmp_path, feeds):
    fs = fsspec.filesystem("memory")
    base = "/h2-landing"
    folder = f"{base}/audit/findings/{D.isoformat()}"
    try:
        fs.pipe(f"{folder}/findings.xlsx", b"PK-fake-xlsx")
        fs.pipe(f"{folder}/findings.csv", b"wrong format for this feed")
        files = land(feeds["audit.findings"], D, f"memory://{base}", tmp_path / "work")
        assert [(f.name, f.bytes) for f in files] == [("findings.xlsx", 12)]
        assert files[0].source_uri == f"memory://{folder}/findings.xlsx"
        assert files[0].path.read_bytes() == b"PK-fake-xlsx"
        # a date without a folder is no delivery
        assert land(feeds["audit.findings"], D + dt.timedelta(days=1), f"memory://{base}", tmp_path / "w2") == []
    finally:
        fs.rm(base, recursive=True)


def test_file_transport_missing_or_empty(tmp_path, feeds):
    feed = feeds["civil_affairs.assistance_payments"]
    assert land(feed, D, str(tmp_path / "nowhere"), tmp_path / "w1") == []
    folder = tmp_path / "landing" / "civil_affairs" / "assistance_payments" / D.isoformat()
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("x")
    assert land(feed, D, str(tmp_path / "landing"), tmp_path / "w2") == []


# ---- http (pytest-httpserver) ------------------------------------------------------------------


@pytest.fixture
def api(httpserver, monkeypatch):
    """Point medical_insurance_api at the test server; returns (httpserver, hits per page)."""
    monkeypatch.setenv("AIRFLOW_CONN_MEDICAL_INSURANCE_API", f"http://:s3cret%2Ftoken@127.0.0.1:{httpserver.port}/")
    return httpserver


def _serve_pages(httpserver, pages=PAGES, script=None, hits=None):
    """Serve pages; script[page] is a list of per-attempt overrides ('500', 'truncated', None)."""
    script = {k: list(v) for k, v in (script or {}).items()}
    hits = hits if hits is not None else []

    def handler(request: Request) -> Response:
        assert request.headers.get("Authorization") == f"Bearer {TOKEN}"
        assert request.args["date"] == D.isoformat()
        page = int(request.args["page"])
        hits.append(page)
        todo = script.get(page)
        action = todo.pop(0) if todo else None
        if action == "500":
            return Response("boom", status=500)
        if action == "truncated":
            return Response(pages[page][:7], content_type="application/json")
        return Response(pages[page], content_type="application/json")

    httpserver.expect_request("/medical_insurance/claims").respond_with_handler(handler)
    return hits


def test_http_three_pages(api, feeds, tmp_path):
    hits = _serve_pages(api)
    files = land(feeds["medical_insurance.claims"], D, "", tmp_path, http_policy=FAST)
    assert [f.name for f in files] == ["page-1.json", "page-2.json", "page-3.json"]
    assert [f.path.read_bytes() for f in files] == [PAGES[1], PAGES[2], PAGES[3]]  # raw bytes as received
    assert hits == [1, 2, 3]
    assert files[1].source_uri.endswith(f"/medical_insurance/claims?date={D.isoformat()}&page=2")
    assert all(TOKEN not in f.source_uri for f in files)
    assert not list(tmp_path.glob("*.part"))


def test_http_auth_failure_is_not_retried(api, feeds, tmp_path):
    api.expect_request("/medical_insurance/claims").respond_with_data("no", status=401)
    with pytest.raises(TransportAuthError, match="medical_insurance_api") as err:
        land(feeds["medical_insurance.claims"], D, "", tmp_path, http_policy=FAST)
    assert TOKEN not in str(err.value)
    assert len(api.log) == 1


def test_http_retries_after_500_and_truncated_json(api, feeds, tmp_path):
    hits = _serve_pages(api, script={2: ["500", "truncated"]})
    files = land(feeds["medical_insurance.claims"], D, "", tmp_path, http_policy=FAST)
    assert hits == [1, 2, 2, 2, 3]
    assert files[1].path.read_bytes() == PAGES[2]


def test_http_gives_up_naming_feed_date_page(api, feeds, tmp_path):
    _serve_pages(api, script={2: ["500"] * 10})
    with pytest.raises(TransportError, match=r"medical_insurance\.claims 2024-06-03: page 2 failed after 3 attempts"):
        land(feeds["medical_insurance.claims"], D, "", tmp_path, http_policy=FAST)
    # the page before the failure stays landed, so the next attempt resumes after it
    assert (tmp_path / "page-1.json").read_bytes() == PAGES[1]
    assert not (tmp_path / "page-2.json").exists()


def test_http_resumes_from_saved_pages(api, feeds, tmp_path):
    hits = _serve_pages(api)
    (tmp_path / "page-1.json").write_bytes(PAGES[1])
    (tmp_path / "page-2.json").write_bytes(PAGES[2][:10])  # interrupted write: fetched again
    files = land(feeds["medical_insurance.claims"], D, "", tmp_path, http_policy=FAST)
    assert hits == [2, 3]
    assert [f.path.read_bytes() for f in files] == [PAGES[1], PAGES[2], PAGES[3]]


def test_http_404_is_no_delivery(api, feeds, tmp_path):
    api.expect_request("/medical_insurance/claims").respond_with_data("{}", status=404)
    assert land(feeds["medical_insurance.claims"], D, "", tmp_path, http_policy=FAST) == []


def test_http_rejects_page_loops(api, feeds, tmp_path):
    _serve_pages(api, pages={1: _page([], 2), 2: _page([], 1)})
    with pytest.raises(TransportError, match="points back to page 1"):
        land(feeds["medical_insurance.claims"], D, "", tmp_path, http_policy=FAST)


# ---- http through the exchange simulator --------------------------------------------------------


def _http_drop(root: Path) -> Path:
    folder = root / "medical_insurance" / "claims" / D.isoformat()
    folder.mkdir(parents=True)
    for n, body in PAGES.items():
        (folder / f"page-{n}.json").write_bytes(body)
    return root


def _use_exchange(monkeypatch, server: ExchangeServer) -> None:
    for k, v in exchange_connections(server).items():
        monkeypatch.setenv(k, v)


def test_http_against_exchange_with_failures(tmp_path, feeds, monkeypatch):
    drop = _http_drop(tmp_path / "drop")
    failures = "medical_insurance.claims:2:503,medical_insurance.claims:3:truncated,medical_insurance.claims:1:slow=0.3"
    with ExchangeServer(drop, TOKEN, failures=failures) as server:
        _use_exchange(monkeypatch, server)
        files = land(feeds["medical_insurance.claims"], D, "", tmp_path / "work", http_policy=FAST)
        assert [f.path.read_bytes() for f in files] == [PAGES[1], PAGES[2], PAGES[3]]
        assert land(feeds["medical_insurance.claims"], D + dt.timedelta(days=1), "", tmp_path / "w2",
                    http_policy=FAST) == []


def test_http_slow_page_beyond_timeout_fails_clearly(tmp_path, feeds, monkeypatch):
    drop = _http_drop(tmp_path / "drop")
    with ExchangeServer(drop, TOKEN, failures="medical_insurance.claims:1:slow=1.0") as server:
        # retry/timeout settings come from the department's connection extra (URI query)
        monkeypatch.setenv(
            "AIRFLOW_CONN_MEDICAL_INSURANCE_API",
            f"http://:{TOKEN.replace('/', '%2F')}@127.0.0.1:{server.port}/?attempts=2&backoff=0.01&timeout=0.2",
        )
        with pytest.raises(TransportError, match=r"page 1 failed after 2 attempts; last error: timeout"):
            land(feeds["medical_insurance.claims"], D, "", tmp_path / "work")


def test_http_wrong_token_against_exchange(tmp_path, feeds, monkeypatch):
    drop = _http_drop(tmp_path / "drop")
    with ExchangeServer(drop, "the-real-token") as server:
        monkeypatch.setenv("AIRFLOW_CONN_MEDICAL_INSURANCE_API", f"http://:wrong@127.0.0.1:{server.port}/")
        with pytest.raises(TransportAuthError, match="HTTP 401"):
            land(feeds["medical_insurance.claims"], D, "", tmp_path / "work", http_policy=FAST)


# ---- database ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_url():
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as c:
            c.execute(f'drop database if exists "{PG_DB}" with (force)')
            c.execute(f'create database "{PG_DB}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"local PostgreSQL not available: {exc}")
    return f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"


def test_database_incremental_extract(pg_url, feeds, tmp_path, monkeypatch):
    feed = feeds["finance.fiscal_payments"]
    monkeypatch.setenv("AIRFLOW_CONN_FINANCE_DB", pg_url)
    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("create schema if not exists exchange")
        c.execute("drop table if exists exchange.fiscal_payments")
        # Physical column order differs from the contract, and there is an extra housekeeping column.
        c.execute(
            "create table exchange.fiscal_payments (changed_at timestamp, amount numeric, payment_id text,"
            " budget_unit_code text, payee_kind text, payee_id text, payee_name text, payee_account text,"
            " pay_date date, purpose text, project_code text, etl_note text)"
        )
        rows = [
            ("2024-06-02 23:59:59", "1.00", "FP0", "day before"),
            ("2024-06-03 00:00:00", "2.50", "FP2", None),
            ("2024-06-03 23:59:59.5", "3.00", "FP1", ""),
            ("2024-06-04 00:00:00", "4.00", "FP3", "day after"),
        ]
        for ts, amount, pid, project in rows:
            c.execute(
                "insert into exchange.fiscal_payments values (%s, %s, %s, 'U1', 'PERSON', 'X', '名字,\"引号\"',"
                " 'ACC', '2024-06-01', 'wages', %s, 'ignored')",
                (ts, amount, pid, project),
            )
    files = land(feed, D, "", tmp_path)
    assert [f.name for f in files] == ["rows.csv"]
    text = files[0].path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == ",".join(feed.column_names)  # exactly the contract's order, extras left out
    assert len(lines) == 3
    assert lines[1].startswith("FP1,U1,PERSON,X,\"名字,\"\"引号\"\"\",ACC,3.00,2024-06-01,wages,\"\",2024-06-03 23:59:59.5")
    assert lines[2] == 'FP2,U1,PERSON,X,"名字,""引号""",ACC,2.50,2024-06-01,wages,,2024-06-03 00:00:00'
    assert files[0].sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert "postgres@" not in files[0].source_uri and files[0].source_uri.endswith(
        f"exchange.fiscal_payments?changed_at={D.isoformat()}")
    # a date without changes is no delivery, and leaves no file behind
    assert land(feed, dt.date(2024, 6, 10), "", tmp_path / "empty") == []
    assert not list((tmp_path / "empty").iterdir())


def test_database_missing_table_is_a_clear_error(pg_url, feeds, tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_FINANCE_DB", pg_url)
    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute("drop table if exists exchange.subsidy_payments")
    with pytest.raises(TransportError, match=r"finance\.subsidy_payments 2024-06-03: table exchange.subsidy_payments not found"):
        land(feeds["finance.subsidy_payments"], D, "", tmp_path)


def test_connection_from_airflow_inside_a_task(monkeypatch):
    """Without an env var, a running task asks Airflow (metadata DB / secrets backend), through the lookup
    the DAG modules register (tianyan.orchestration.connections)."""
    from airflow.sdk import Connection

    from tianyan.orchestration import connections as airflow_connections

    airflow_connections.register()

    monkeypatch.delenv("AIRFLOW_CONN_HEALTH_API", raising=False)
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "health")
    asked = []

    def fake_get(conn_id):
        asked.append(conn_id)
        return Connection(conn_id=conn_id, conn_type="http", host="exchange.internal", port=443, schema="https",
                          password="from-airflow", extra='{"timeout": 9}')

    monkeypatch.setattr(Connection, "get", classmethod(lambda cls, conn_id: fake_get(conn_id)))
    c = connections.get_connection("health_api")
    assert asked == ["health_api"]
    assert (c.password, c.extra, c.http_base_url()) == ("from-airflow", {"timeout": 9}, "https://exchange.internal:443")
