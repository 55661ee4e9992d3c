"""The demo city end to end: every page of a generated city leaks nothing private, and a village's
poster opens its page, whose form sends a complaint that the next load makes a complaint row,
routed to the village's office, with its ticket showing the status as the case system moves it.
Headless-Chromium screenshots of a village page, a poster and the lookup page (PNG files under
$TIANYAN_SCREENSHOTS when set)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html as htmlmod
import http.server
import os
import re
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
import zxingcpp
from browser import CHROMIUM, screenshot, serve_app
from citylib import load_dates
from fastapi.testclient import TestClient
from PIL import Image

from tianyan.alerts import lifecycle
from tianyan.ingest.pipeline import process_delivery
from tianyan.orchestration.inprocess import exchange_for
from tianyan.public import delivery
from tianyan.public.intake import Intake, create_app
from tianyan.public.site import load_manifest, publish
from tianyan.registry import load_feeds
from tianyan.warehouse.migrate import migrate

AS_OF = dt.date(2026, 11, 27)


@pytest.fixture(scope="module")
def city(tmp_path_factory, make_database):
    from tianyan.synth import generate

    drop = tmp_path_factory.mktemp("city")
    generate(drop, residents=2000, seed=7, as_of=AS_OF, days=1)
    url = make_database("pubcity")
    migrate(url)
    front = make_database("pubfront")
    with exchange_for(str(drop), db_url=front):
        results = load_dates(drop, url, [AS_OF], tmp_path_factory.mktemp("w"))
    assert all(getattr(r, "status", None) == "LOADED" for r in results.values()), results
    lifecycle.apply(AS_OF, url)  # the offices complaints and alerts are routed to
    return drop, url, front


@pytest.fixture(scope="module")
def site(city, tmp_path_factory):
    from tianyan.public.settings import load_settings

    _, url, _ = city
    cfg = load_settings()
    out = tmp_path_factory.mktemp("pubsite") / "site"
    return publish(AS_OF, url=url, site=out, cfg=cfg), cfg


def private_values(url: str) -> dict[str, set[str]]:
    """What identifies a private person in the city: id numbers, phones, bank accounts, full names."""
    q = {
        "id number": ["select id_no from public_security.household_registration",
                      "select legal_rep_id_no from market_regulation.enterprises",
                      "select id_no from organization.officials"],
        "phone": ["select phone from market_regulation.enterprises where phone is not null"],
        "bank account": ["select bank_account from civil_affairs.assistance_payments",
                         "select bank_account from finance.subsidy_payments",
                         "select payee_account from finance.fiscal_payments where payee_kind = 'PERSON'"],
        "full name": ["select name from public_security.household_registration",
                      "select name from civil_affairs.assistance_enrollments",
                      "select name from organization.officials",
                      "select payee_name from finance.fiscal_payments where payee_kind = 'PERSON'"],
    }
    out = {}
    with sa.create_engine(url).connect() as c:
        for what, sqls in q.items():
            out[what] = {str(v).strip() for s in sqls for v in c.execute(sa.text(s)).scalars() if v and len(str(v).strip()) >= 2}
    return out


def leaks(raw: str, private: dict[str, set[str]]) -> dict[str, list[str]]:
    """The private values a page shows: identifiers anywhere in its source (attributes included), full
    names as the text of an element (a table cell, a paragraph)."""
    found = {}
    digits = set(re.findall(r"[0-9Xx]{6,}", raw))
    for what in ("id number", "phone", "bank account"):
        if digits & private[what]:
            found[what] = sorted(digits & private[what])[:3]
    text = htmlmod.unescape(re.sub(r"<[^>]+>", "\n", raw))
    names = {c.strip() for c in re.split(r"[\n\"]", text) if c.strip()} & private["full name"]
    if names:
        found["full name"] = sorted(names)[:3]
    return found


def test_the_leak_check_finds_what_it_looks_for():
    private = {"id number": {"110101198001010011"}, "phone": {"13800138000"}, "bank account": {"6222000011112222"},
               "full name": {"王小明"}}
    assert leaks("<td>王*</td><td>6222</td><p>13800000000</p>", private) == {}
    assert leaks("<td>王小明</td>", private) == {"full name": ["王小明"]}
    assert leaks('<a href="x?id=110101198001010011">', private) == {"id number": ["110101198001010011"]}
    assert leaks("<td>电话 13800138000</td><td>6222000011112222</td>", private) == {
        "phone": ["13800138000"], "bank account": ["6222000011112222"]}


def test_no_page_shows_anything_private(site, city):
    pub, _ = site
    _, url, _ = city
    private = private_values(url)
    assert all(private.values()), {k: len(v) for k, v in private.items()}  # the check has something to find
    files = sorted(pub.site.rglob("*.html")) + [pub.site / "pages.json"]
    assert len(files) == pub.pages + 2
    pages_with_recipients = 0
    for path in files:
        raw = path.read_text(encoding="utf-8")
        assert leaks(raw, private) == {}, path
        if re.search(r"<td>\w\*</td>", raw):
            pages_with_recipients += 1
    assert pages_with_recipients >= pub.villages // 2  # the masked recipients are there


def decode(png: Path) -> str:
    (res,) = zxingcpp.read_barcodes(Image.open(png))
    return res.text


def test_poster_page_complaint_row_office_and_ticket(site, city, tmp_path):
    pub, cfg = site
    drop, url, front = city
    manifest = load_manifest(pub.site)
    village = next(p for p in manifest.values() if p["page_kind"] == "village" and p["unit_code"])
    # 1. the poster of the village opens its page
    scanned = decode(pub.site / village["page"] / "poster.png")
    assert scanned == f"{cfg.base_url}/{village['page']}/"
    page = (pub.site / scanned.removeprefix(cfg.base_url + "/") / "index.html").read_text(encoding="utf-8")
    assert f"<h1>{htmlmod.escape(village['name'])} 村务公开</h1>" in page
    # 2. its form posts to the intake, which answers with a ticket
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    assert action == f"{cfg.intake_url}/complaints"
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]+)">', page))
    intake = Intake(cfg, site=pub.site, drop=drop, state=tmp_path / "intake", url=url, today=lambda: AS_OF)
    client = TestClient(create_app(intake))
    resp = client.post(action.removeprefix(cfg.intake_url),
                       data={**hidden, "category": "补贴发放", "text": "村里补贴公示和实际发放不一致"})
    assert resp.status_code == 201, resp.text
    ticket = re.search(r'<p class="ticket">([^<]+)</p>', resp.text).group(1)
    assert "已受理，待交办" in client.get("/ticket", params={"no": ticket}).text
    # 3. the next run loads it as a complaint row, channel QR_CODE, about the village's committee
    nxt = AS_OF + dt.timedelta(days=1)
    feed = load_feeds()[delivery.FEED_ID]
    with exchange_for(str(drop), [nxt], db_url=front):
        result = process_delivery(feed, nxt, landing=str(drop), url=url, work_root=tmp_path / "w", data_docs=False)
    assert (result.status, result.loaded) == ("LOADED", 1)
    lifecycle.apply(nxt, url)
    with sa.create_engine(url).connect() as c:
        row = c.execute(sa.text("select channel, subject_unit_code, region_code, status, received_date "
                                "from discipline.complaints where complaint_id = :t"), {"t": ticket}).one()
        office = c.execute(sa.text("select name from alerts.office where region_prefix = :p"),
                           {"p": village["code"][:6]}).scalar_one()
    assert tuple(row) == ("QR_CODE", village["unit_code"], village["code"], "OPEN", AS_OF)
    # 4. routed to the village's district office, and the ticket says so
    lookup = client.get("/ticket", params={"no": ticket}).text
    assert f"已交办：{htmlmod.escape(office)}" in lookup and "尚未办结" in lookup
    # 5. the case system closes it (its own delivery of the feed); the ticket shows the outcome
    done = AS_OF + dt.timedelta(days=2)
    item = delivery.complaint_item(ticket, AS_OF, village["unit_code"], village["code"], "补贴发放")
    delivery.append(drop, done, {**item, "status": "CLOSED", "closed_date": done.isoformat()})
    with exchange_for(str(drop), [done], db_url=front):
        process_delivery(feed, done, landing=str(drop), url=url, work_root=tmp_path / "w", data_docs=False)
    lookup = client.get("/ticket", params={"no": ticket}).text
    assert f"已办结：{done.isoformat()}" in lookup and "当前状态：<b>已办结</b>" in lookup
    assert "村里补贴" not in lookup  # the complaint's text is not shown
    # 6. the next publication counts it on the village's page
    again = publish(done, url=url, site=tmp_path / "site2", cfg=cfg)
    page = (again.site / village["page"] / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<tr><td>补贴发放</td><td>\d+</td><td>\d+</td><td>[1-9]\d*</td>", page)
    screenshots(pub.site, cfg, intake, ticket, village["page"], tmp_path)


@contextlib.contextmanager
def _serve_folder(folder: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _shot(url: str, out: Path, size: str, tmp: Path) -> None:
    screenshot(url, out, size, tmp, "--hide-scrollbars")
    with Image.open(out) as img:  # a rendered page, not a blank one
        assert img.size[0] > 300 and len(set(img.convert("L").resize((60, 60)).getdata())) > 5


def screenshots(site: Path, cfg, intake: Intake, ticket: str, page: str, tmp: Path) -> None:
    if CHROMIUM is None:
        return
    out_dir = Path(os.environ.get("TIANYAN_SCREENSHOTS") or tmp / "shots")
    out_dir.mkdir(parents=True, exist_ok=True)
    with _serve_folder(site) as base:
        _shot(f"{base}/{page}/", out_dir / "village-page.png", "412,2400", tmp)
        _shot(f"{base}/{page}/poster.png", out_dir / "poster.png", "1240,1754", tmp)
    with serve_app(create_app(intake)) as base:
        _shot(f"{base}/ticket?no={ticket}", out_dir / "ticket-lookup.png", "412,900", tmp)
