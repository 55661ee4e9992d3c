"""The screening service over HTTP: answers, API keys and scopes, rate limits, the audit trail,
malformed items and batch limits, the service role's rights, the CLI.

A warehouse of its own (committed rows: the service reads through its own connections), holding one
dead person, one person in prison and nothing else.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from models.test_model_cases import insert_rows, make_pid
from typer.testing import CliRunner

from tianyan.screen.app import create_app
from tianyan.screen.auth import add_key, revoke_key
from tianyan.screen.service import Screener

DEAD = make_pid(1)
ALIVE = make_pid(2)
REGION = "110101001001"


@pytest.fixture(scope="module")
def url(make_database):
    from tianyan.warehouse.migrate import migrate

    u = make_database("screensvc")
    migrate(u)
    eng = sa.create_engine(u)
    with eng.begin() as c:
        insert_rows(c, {"health.death_certificates": [
            {"certificate_id": "DC1", "id_no": DEAD, "death_date": dt.date(2024, 3, 10), "place": "HOME"}]}, {})
    eng.dispose()
    return u


@pytest.fixture(scope="module")
def owner(url):
    eng = sa.create_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def screener(url):
    s = Screener(url, pool_size=2)
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(screener):
    with TestClient(create_app(screener=screener)) as c:
        yield c


def new_key(owner, kinds=("payment",), regions=(), rate=1000) -> str:
    with owner.begin() as c:
        return add_key(c, "test system", list(kinds), list(regions), rate)


def payment(ref: str, period: str, id_no: str = DEAD, **extra) -> dict:
    return {"kind": "payment", "program": "DIBAO_URBAN", "ref": ref, "payee_id_no": id_no, "period": period,
            "amount": 800, "pay_date": f"{period}-15", "bank_account": "ACC1", "paying_unit": "bureau",
            "region_code": REGION, **extra}


def post(client, key, items, **body):
    return client.post("/v1/screen", json={"items": items, "as_of": "2025-06-30", **body},
                       headers={"Authorization": f"Bearer {key}"} if key else {})


def audit(owner) -> list[dict]:
    with owner.connect() as c:
        return [dict(r._mapping) for r in c.execute(sa.text("select * from screen.audit order by audit_id"))]


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    got = client.get("/readyz")
    assert got.status_code == 200 and got.json()["models"] >= 50


def test_paid_after_death_hits_sa01_with_evidence_month_of_death_does_not(client, owner):
    key = new_key(owner)
    got = post(client, key, [payment("P-APR", "2024-04"), payment("P-MAR", "2024-03")])
    assert got.status_code == 200
    after, month_of = got.json()["results"]
    assert after["status"] == "hit" and [h["model_id"] for h in after["hits"]] == ["SA01"]
    hit = after["hits"][0]
    assert hit["severity"] == "high" and hit["subject_id"] == DEAD and hit["evidence_key"] == "P-APR"
    death = [e for e in hit["evidence"] if e["feed"] == "health.death_certificates"]
    assert death == [{"feed": "health.death_certificates", "key": DEAD,
                      "values": {"death_date": "2024-03-10", "sources": ["health.death_certificates"]}}]
    assert month_of == {"index": 1, "ref": "P-MAR", "status": "clear", "hits": []}
    # same answer for a living payee: no hit
    assert post(client, key, [payment("P-LIVE", "2024-04", ALIVE)]).json()["results"][0]["status"] == "clear"


def test_keys_are_required_valid_and_revocable(client, owner, screener):
    assert post(client, None, [payment("A", "2024-04")]).status_code == 401
    body = post(client, "tys_000000000000_" + "x" * 43, [payment("A", "2024-04")])
    assert body.status_code == 401 and body.json()["error"]["field"] == "authorization"
    key = new_key(owner)
    assert client.post("/v1/screen", json={"items": [payment("A", "2024-04")]},
                       headers={"X-API-Key": key}).status_code == 200
    with owner.begin() as c:
        revoke_key(c, key.split("_")[1])
    screener.keys._cache.clear()  # what key_cache_seconds would do after its time
    assert post(client, key, [payment("A", "2024-04")]).status_code == 401
    with owner.connect() as c:
        stored = c.execute(sa.text("select secret_hash from screen.api_key where key_id = :k"),
                           {"k": key.split("_")[1]}).scalar()
    assert stored.startswith("scrypt$") and key.split("_")[2] not in stored


def test_scopes_fail_the_items_outside_them(client, owner):
    key = new_key(owner, kinds=("payment",), regions=("1101",))
    claim = {"kind": "medical_claim", "ref": "C1", "patient_id_no": DEAD, "institution_code": "H1",
             "claim_type": "OUTPATIENT", "admit_date": "2024-05-01", "amount": 10, "fund_paid": 5,
             "region_code": REGION}
    pension = {"kind": "payment", "program": "PENSION", "ref": "PEN1", "payee_id_no": DEAD, "period": "2024-05",
               "amount": 100, "pay_date": "2024-05-10"}
    far = payment("FAR", "2024-04", region_code="320501001001")
    got = post(client, key, [claim, pension, far, payment("NEAR", "2024-04")]).json()["results"]
    assert [r["status"] for r in got] == ["error", "error", "error", "hit"]
    assert got[0]["error"]["field"] == "items[0].kind"
    assert got[1]["error"]["field"] == "items[1].region_code"  # region-scoped key: region required
    assert got[2]["error"]["field"] == "items[2].region_code"


def test_rate_limit_per_key(client, owner):
    key, other = new_key(owner, rate=2), new_key(owner, rate=2)
    codes = [post(client, key, [payment("A", "2024-04")]).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = post(client, key, [payment("A", "2024-04")])
    assert limited.headers["Retry-After"] and limited.json()["error"]["field"] == "authorization"
    assert post(client, other, [payment("A", "2024-04")]).status_code == 200  # one key's limit is its own
    assert audit(owner)[-2]["status"] == 429


def test_audit_rows_count_kinds_and_rules_without_identifiers(client, owner):
    key = new_key(owner)
    before = len(audit(owner))
    post(client, key, [payment("P1", "2024-04"), payment("P2", "2024-03"), {"kind": "nonsense"}])
    rows = audit(owner)[before:]
    assert len(rows) == 1
    row = rows[0]
    assert row["caller"] == "test system" and row["channel"] == "http" and row["status"] == 200
    assert row["items"] == 3 and row["kinds"] == {"payment": 2, "nonsense": 1} and row["rules_hit"] == {"SA01": 1}
    assert row["items_failed"] == 1 and row["at"] is not None
    with owner.connect() as c:
        text = c.execute(sa.text("select string_agg(a::text, ' ') from screen.audit as a")).scalar()
    assert DEAD not in text and ALIVE not in text and "P1" not in text
    for stmt in ("update screen.audit set caller = 'x'", "delete from screen.audit", "truncate screen.audit"):
        with owner.connect() as c, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            c.execute(sa.text(stmt))


def test_a_malformed_item_fails_that_item_only(client, owner):
    key = new_key(owner, kinds=("payment", "medical_claim", "procurement", "enrolment"))
    items = [
        payment("OK", "2024-04"),
        payment("BADID", "2024-04", id_no="110101197001010011"),   # wrong check digit
        payment("BADPERIOD", "2024-13", pay_date="2024-04-15"),
        {"kind": "payment", "program": "NOPE", "ref": "X"},
        "not an object",
        payment("OK", "2024-05"),                                  # same ref twice
        {**payment("UNK", "2024-04"), "colour": "red"},
        {k: v for k, v in payment("NOAMOUNT", "2024-04").items() if k != "amount"},
        payment("BADDATE", "2024-04", pay_date="2024-02-30"),
        payment("LEGACY", "2024-04", id_no=DEAD[:6] + DEAD[8:17]),  # 15-digit legacy number, upgraded
    ]
    got = post(client, key, items)
    assert got.status_code == 200
    res = got.json()["results"]
    status = {r["index"]: (r["status"], (r.get("error") or {}).get("field")) for r in res}
    assert status == {
        0: ("hit", None), 1: ("error", "items[1].payee_id_no"), 2: ("error", "items[2].period"),
        3: ("error", "items[3].program"), 4: ("error", "items[4]"), 5: ("error", "items[5].ref"),
        6: ("error", "items[6].colour"), 7: ("error", "items[7].amount"), 8: ("error", "items[8].pay_date"),
        9: ("hit", None)}
    assert got.json()["items_failed"] == 8


def test_batch_limits_and_request_errors_name_the_field(client, owner, screener):
    key = new_key(owner)
    assert post(client, key, []).json() == {"error": {"field": "items", "message": "at least one item is required"}}
    too_many = post(client, key, [payment(f"R{i}", "2024-04") for i in range(screener.settings.max_items + 1)])
    assert too_many.status_code == 413 and too_many.json()["error"]["field"] == "items"
    bad_date = post(client, key, [payment("A", "2024-04")], as_of="2025-13-01")
    assert bad_date.status_code == 422 and bad_date.json()["error"]["field"] == "as_of"
    not_list = client.post("/v1/screen", json={"items": {"a": 1}}, headers={"Authorization": f"Bearer {key}"})
    assert not_list.status_code == 422 and not_list.json()["error"]["field"] == "items"
    extra = client.post("/v1/screen", json={"items": [payment("A", "2024-04")], "mode": "x"},
                        headers={"Authorization": f"Bearer {key}"})
    assert extra.status_code == 422 and extra.json()["error"]["field"] == "mode"


def test_a_full_batch_is_answered(client, owner, screener):
    key = new_key(owner)
    n = screener.settings.max_items
    # every 1,000th item pays the dead person for a later year (SA01), the rest pay living people
    items = [payment(f"R{i}", f"{2024 + i // 1000}-04", bank_account=f"ACC{i}") if i % 1000 == 1
             else payment(f"R{i}", "2024-04", make_pid(10 + i), bank_account=f"ACC{i}") for i in range(n)]
    got = post(client, key, items).json()
    assert got["items"] == n and got["items_failed"] == 0 and got["items_hit"] == n // 1000
    assert all((r["status"] == "hit") == (r["index"] % 1000 == 1) for r in got["results"])
    assert {h["model_id"] for r in got["results"] for h in r["hits"]} == {"SA01"}


def test_the_service_role_reads_feeds_only(url):
    eng = sa.create_engine(url)
    with eng.connect() as c:
        c.execute(sa.text("set role tianyan_screen"))
        assert c.execute(sa.text("select count(*) from health.death_certificates")).scalar() == 1
        c.execute(sa.text("select count(*) from core.death")).scalar()
        for stmt in ("select * from alerts.alert", "select * from meta.secret", "select * from screen.audit",
                     "insert into health.death_certificates__history (certificate_id) values ('x')",
                     "select secret_hash from screen.api_key"):
            c.execute(sa.text("savepoint s"))
            if stmt.startswith("select secret_hash"):  # the key hashes are readable: the service verifies them
                c.execute(sa.text(stmt))
                continue
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                c.execute(sa.text(stmt))
            c.execute(sa.text("rollback to savepoint s"))
        c.rollback()
    eng.dispose()


def test_cli_screens_a_file_and_manages_keys(url, owner, tmp_path, monkeypatch):
    from tianyan.cli import app

    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url.replace("+psycopg", ""))
    monkeypatch.delenv("TIANYAN_SCREEN_URL", raising=False)
    runner = CliRunner()
    f = tmp_path / "batch.csv"
    cols = list(payment("x", "2024-04"))
    rows = [payment("CSV1", "2024-04"), payment("CSV2", "2024-03")]
    f.write_text(",".join(cols) + "\n" + "\n".join(",".join(str(r[c]) for c in cols) for r in rows) + "\n")
    got = runner.invoke(app, ["screen", str(f), "--as-of", "2025-06-30"])
    assert got.exit_code == 0, got.output
    body = json.loads(got.stdout)
    assert [(r["ref"], r["status"]) for r in body["results"]] == [("CSV1", "hit"), ("CSV2", "clear")]
    as_csv = runner.invoke(app, ["screen", str(f), "--as-of", "2025-06-30", "--format", "csv"])
    assert "0,CSV1,hit,SA01,high,person,CSV1,800" in as_csv.stdout
    assert audit(owner)[-1]["channel"] == "cli"
    added = runner.invoke(app, ["screen-keys", "add", "cli system", "--kinds", "payment,enrolment", "--regions",
                                "3205", "--rate", "5"])
    assert added.exit_code == 0, added.output
    key_id = added.stdout.strip().split("_")[1]
    listed = runner.invoke(app, ["screen-keys", "list"]).stdout
    assert f"{key_id},cli system,\"enrolment,payment\",3205,5," in listed and added.stdout.strip() not in listed
    assert runner.invoke(app, ["screen-keys", "revoke", key_id]).exit_code == 0
    assert runner.invoke(app, ["screen-keys", "revoke", key_id]).exit_code == 2
    assert runner.invoke(app, ["screen-keys", "add", "x", "--kinds", "loans"]).exit_code == 2


def test_every_context_column_is_indexed(url):
    """The loaded rows an item is compared with are found by index, not by scanning the feed."""
    from tianyan.screen.engine import screenable_models

    want = {(f, c) for s in screenable_models().values() for f, cols in s.context.items() for c in cols}
    eng = sa.create_engine(url)
    with eng.connect() as c:
        got = {(f"{r.schemaname}.{r.tablename.removesuffix('__history')}", r.col) for r in c.execute(sa.text(
            "select schemaname, tablename, substring(indexdef from '\\((\\w+)\\)$') as col from pg_indexes "
            "where tablename like '%\\_\\_history'"))}
    eng.dispose()
    assert want <= got, sorted(want - got)
