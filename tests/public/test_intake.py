"""The complaint intake: what it accepts, what it refuses (4xx naming the field), what it keeps, the
delivery it writes and the ticket lookup."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from publiclib import AS_OF, put

from tianyan.public import delivery
from tianyan.public.intake import TICKET_RE, Intake, RateLimiter, create_app

PAGE = {"page": "v/110101001001", "page_kind": "village", "code": "110101001001", "name": "幸福村村民委员会",
        "unit_code": "VCUNIT0001", "region_code": "110101001001", "url": "https://jiandu.test/v/110101001001/"}
GOOD = {"page": "v/110101001001", "category": "补贴发放", "text": "低保金没有按月发放"}


@pytest.fixture
def intake(cfg, public_db, tmp_path):
    site = cfg.site_path()
    site.mkdir(parents=True)
    (site / "pages.json").write_text(json.dumps({"as_of": "2026-11-27", "pages": [PAGE]}), encoding="utf-8")
    return Intake(cfg, url=public_db, today=lambda: AS_OF)


@pytest.fixture
def client(intake):
    return TestClient(create_app(intake))


def ticket_of(resp) -> str:
    return re.search(r'<p class="ticket">([^<]+)</p>', resp.text).group(1)


def delivered(intake, day: dt.date) -> list[dict]:
    folder = delivery.feed_folder(intake.drop) / day.isoformat()
    return [i for p in sorted(folder.glob("page-*.json")) for i in json.loads(p.read_text())["items"]]


def test_a_complaint_becomes_a_delivery_of_the_next_date(client, intake):
    resp = client.post("/complaints", data=GOOD)
    assert resp.status_code == 201, resp.text
    ticket = ticket_of(resp)
    assert TICKET_RE.match(ticket) and ticket.startswith("QR20261127")
    assert delivered(intake, AS_OF + dt.timedelta(days=1)) == [{
        "complaint_id": ticket, "received_date": "2026-11-27", "channel": "QR_CODE",
        "subject_unit_code": "VCUNIT0001", "subject_id_no": None, "category": "补贴发放",
        "region_code": "110101001001", "status": "OPEN", "closed_date": None}]
    # its case file keeps what was given, and only that
    case = json.loads((intake.state / "cases" / f"{ticket}.json").read_text(encoding="utf-8"))
    assert case == {"ticket": ticket, "text": "低保金没有按月发放"}
    assert (intake.state / "cases" / f"{ticket}.json").stat().st_mode & 0o077 == 0
    record = json.loads((intake.state / "tickets" / f"{ticket}.json").read_text(encoding="utf-8"))
    assert "text" not in record and "contact" not in record and record["delivery_date"] == "2026-11-28"


def test_contact_is_kept_only_when_given(client, intake):
    ticket = ticket_of(client.post("/complaints", data={**GOOD, "contact": "王先生 13800000000"}))
    case = json.loads((intake.state / "cases" / f"{ticket}.json").read_text(encoding="utf-8"))
    assert case["contact"] == "王先生 13800000000"
    assert "13800000000" not in json.dumps(delivered(intake, AS_OF + dt.timedelta(days=1)))


def test_a_date_already_run_is_skipped(client, intake, public_db):
    with sa.create_engine(public_db).begin() as c:
        c.execute(sa.text("insert into meta.feed_runs (feed_id, delivery_date, status, started_at) values "
                          "('discipline.complaints', '2026-11-28', 'LOADED', now()) on conflict do nothing"))
    try:
        ticket = ticket_of(client.post("/complaints", data=GOOD))
        assert [i["complaint_id"] for i in delivered(intake, dt.date(2026, 11, 29))] == [ticket]
    finally:
        with sa.create_engine(public_db).begin() as c:
            c.execute(sa.text("delete from meta.feed_runs where feed_id = 'discipline.complaints'"))


@pytest.mark.parametrize(("form", "field"), [
    ({**GOOD, "text": "<script>alert(1)</script>"}, "text"),
    ({**GOOD, "text": "看这里 <img src=x onerror=alert(1)>"}, "text"),
    ({**GOOD, "text": "javascript:alert(1)"}, "text"),
    ({**GOOD, "contact": "<a href=x>me</a>"}, "contact"),
    ({**GOOD, "text": "x" * 1001}, "text"),
    ({**GOOD, "text": "  "}, "text"),
    ({**GOOD, "text": "bell \x07"}, "text"),
    ({**GOOD, "contact": "1" * 65}, "contact"),
    ({**GOOD, "page": "v/999999999999"}, "page"),
    ({**GOOD, "page": "../../etc/passwd"}, "page"),
    ({**GOOD, "category": "<b>其他</b>"}, "category"),
    ({**GOOD, "id_no": "110101198001010011"}, "id_no"),
])
def test_bad_input_is_refused_naming_the_field(client, intake, form, field):
    resp = client.post("/complaints", data=form)
    assert resp.status_code == 422
    assert f"<li>{field}: " in resp.text
    assert not delivery.feed_folder(intake.drop).exists() or not list(delivery.feed_folder(intake.drop).rglob("*.json"))
    assert "<script>" not in resp.text


def test_oversized_malformed_and_foreign_bodies_are_refused(client):
    assert client.post("/complaints", content=b"text=" + b"a" * 9000,
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 413
    assert client.post("/complaints", json=GOOD).status_code == 415
    assert client.post("/complaints", content=b"page=\xff\xfe&text=x",
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 400
    assert client.post("/complaints", content=b"page&&==;",
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code in (400, 422)
    assert client.post("/complaints", content=b"text=a&text=b&page=v/110101001001&category=%E5%85%B6%E4%BB%96",
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 422


def test_rate_limit_per_client(client, cfg):
    codes = [client.post("/complaints", data=GOOD).status_code for _ in range(cfg.intake.rate_limit + 1)]
    assert codes == [201] * cfg.intake.rate_limit + [429]
    last = client.post("/complaints", data=GOOD)
    assert last.status_code == 429 and int(last.headers["retry-after"]) > 0


def test_rate_limiter_window_slides():
    now = [0.0]
    rl = RateLimiter(2, 60, clock=lambda: now[0])
    assert [rl.retry_after("a"), rl.retry_after("a"), rl.retry_after("b")] == [0, 0, 0]
    assert rl.retry_after("a") == 60
    now[0] = 60.5
    assert rl.retry_after("a") == 0


def test_concurrent_complaints_all_land_in_one_page_chain(intake, monkeypatch):
    monkeypatch.setattr(delivery, "PAGE_SIZE", 3)
    day = dt.date(2026, 12, 1)
    threads = [threading.Thread(target=delivery.append, args=(
        intake.drop, day, delivery.complaint_item(f"QR2026113000000{i:03d}", AS_OF, "U", "110101001001", "其他")))
        for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    folder = delivery.feed_folder(intake.drop) / day.isoformat()
    chain, page = [], 1
    while page is not None:
        doc = json.loads((folder / f"page-{page}.json").read_text())
        chain += [i["complaint_id"] for i in doc["items"]]
        page = doc["next_page"]
    assert sorted(chain) == sorted(f"QR2026113000000{i:03d}" for i in range(10))


def test_ticket_lookup_follows_the_warehouse(client, intake, public_db):
    ticket = ticket_of(client.post("/complaints", data=GOOD))
    page = client.get("/ticket", params={"no": ticket})
    assert page.status_code == 200 and "已受理，待交办" in page.text and "低保金" not in page.text
    with sa.create_engine(public_db).begin() as c:
        c.execute(sa.text("insert into alerts.office (office_code, name, region_prefix, source) values "
                          "('INSP-110101', '110101区委纪检监察室', '110101', 'public_units'), "
                          "('INSP-CITY', 'City inspection office', '', 'default') on conflict do nothing"))
        put(c, "organization.public_units", [{"unit_code": "VCUNIT0001", "name": "幸福村村民委员会",
                                              "kind": "VILLAGE_COMMITTEE", "region_code": "110101001001"}])
        put(c, "discipline.complaints", [{"complaint_id": ticket, "received_date": AS_OF, "channel": "QR_CODE",
                                          "subject_unit_code": "VCUNIT0001", "category": "补贴发放",
                                          "region_code": "110101001001", "status": "IN_PROGRESS"}],
            valid_from=dt.date(2026, 11, 28))
    page = client.get("/ticket", params={"no": ticket.lower()})
    assert page.status_code == 200
    assert "已交办：110101区委纪检监察室（办理中）" in page.text and "反映对象：幸福村村民委员会" in page.text
    assert "尚未办结" in page.text


@pytest.mark.parametrize("query", [{"no": "<script>"}, {"no": "XF0000000001"}, {"no": "QR", "x": "1"}])
def test_lookup_refuses_what_is_not_a_ticket(client, query):
    resp = client.get("/ticket", params=query)
    assert resp.status_code == 422 and "<script>" not in resp.text


def test_unknown_ticket_is_404(client):
    assert client.get("/ticket", params={"no": "QR20261127ABCDEFGH"}).status_code == 404
    assert client.get("/ticket").status_code == 200  # the lookup form


def test_responses_carry_a_policy_without_script(client):
    resp = client.get("/ticket")
    assert "script-src" not in resp.headers["content-security-policy"]
    assert resp.headers["content-security-policy"].startswith("default-src 'none'")
    assert resp.headers["x-content-type-options"] == "nosniff"
