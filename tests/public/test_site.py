"""The public site built from rows written here: what a village and a unit page show, masked and
escaped; QR codes and posters that decode to the page's stable address."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from publiclib import AS_OF, put
from stdnum.cn import ric

from tianyan.public.site import publish

VILLAGE = "110101001001"
VC, GOV, ODD = "VCUNIT0001", "GOVUNIT0001", "ODDUNIT001"
HOSTILE = "<script>document.title='PWNED'</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
BANK = "6222000011112222"


def pid(n: int) -> str:
    first17 = f"11010119800101{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


@pytest.fixture(scope="module")
def rows(public_db):
    with sa.create_engine(public_db).begin() as c:
        put(c, "organization.public_units", [
            {"unit_code": VC, "name": "幸福村村民委员会", "kind": "VILLAGE_COMMITTEE", "region_code": VILLAGE},
            {"unit_code": GOV, "name": "110101民政局", "kind": "GOVERNMENT", "region_code": "110101000000"},
            {"unit_code": ODD, "name": HOSTILE + "局", "kind": "GOVERNMENT", "region_code": "110101000000"}])
        put(c, "public_security.household_registration", [
            {"id_no": pid(1), "name": "欧阳娜娜", "gender": "F", "household_id": "H1", "region_code": VILLAGE},
            {"id_no": pid(2), "name": "王小明", "gender": "M", "household_id": "H2", "region_code": VILLAGE}])
        put(c, "market_regulation.enterprises", [
            {"uscc": "91110000000000001X", "name": "幸福农业有限公司", "phone": "13800138000",
             "region_code": VILLAGE}])
        put(c, "agriculture.collective_assets", [
            {"asset_id": "A1", "village_code": VILLAGE, "asset_type": "FARMLAND", "area": 12.5, "book_value": 30000},
            {"asset_id": "A2", "village_code": VILLAGE, "asset_type": "POND", "area": 3, "book_value": 8000}])
        put(c, "agriculture.collective_contracts", [
            {"contract_id": "C1", "village_code": VILLAGE, "asset_id": "A1", "counterparty_kind": "PERSON",
             "counterparty_id": pid(1), "annual_rent": 4800, "start_date": dt.date(2024, 3, 1),
             "end_date": dt.date(2029, 2, 28), "award_method": "PUBLIC_BIDDING", "signer_id_no": pid(2)},
            {"contract_id": "C2", "village_code": VILLAGE, "asset_id": "A2", "counterparty_kind": "ORG",
             "counterparty_id": "91110000000000001X", "annual_rent": 1200, "start_date": dt.date(2020, 1, 1),
             "end_date": dt.date(2025, 12, 31), "award_method": "NEGOTIATED", "signer_id_no": pid(2)}])
        put(c, "agriculture.collective_ledger", [
            {"entry_id": "E1", "village_code": VILLAGE, "entry_date": dt.date(2026, 10, 3), "direction": "IN",
             "amount": 4800, "category": "RENT", "payment_method": "BANK", "approver_id_no": pid(2)},
            {"entry_id": "E2", "village_code": VILLAGE, "entry_date": dt.date(2026, 10, 9), "direction": "OUT",
             "amount": 300, "category": "SUBSIDY", "payment_method": "CASH", "counterparty_kind": "PERSON",
             "counterparty_id": pid(2), "approver_id_no": pid(2)},
            {"entry_id": "E3", "village_code": VILLAGE, "entry_date": dt.date(2024, 1, 9), "direction": "OUT",
             "amount": 777, "category": "OTHER", "payment_method": "CASH", "approver_id_no": pid(2)}])
        put(c, "civil_affairs.assistance_payments", [
            {"payment_id": "P1", "id_no": pid(2), "program": "DIBAO_RURAL", "period": "2026-11", "amount": 500,
             "pay_date": dt.date(2026, 11, 5), "bank_account": BANK, "region_code": VILLAGE},
            {"payment_id": "P0", "id_no": pid(2), "program": "DIBAO_RURAL", "period": "2025-01", "amount": 999,
             "pay_date": dt.date(2025, 1, 5), "bank_account": BANK, "region_code": VILLAGE}])
        put(c, "finance.subsidy_payments", [
            {"payment_id": "S1", "id_no": pid(1), "subsidy_type": "高龄津贴", "issuing_department": "民政局",
             "amount": 100, "pay_date": dt.date(2026, 10, 20), "bank_account": BANK, "region_code": VILLAGE}])
        put(c, "discipline.complaints", [
            {"complaint_id": "X1", "received_date": dt.date(2026, 9, 1), "channel": "QR_CODE",
             "subject_unit_code": VC, "category": "补贴发放", "region_code": VILLAGE, "status": "OPEN"},
            {"complaint_id": "X2", "received_date": dt.date(2026, 8, 1), "channel": "HOTLINE",
             "subject_unit_code": VC, "category": HOSTILE_IMG, "region_code": VILLAGE, "status": "CLOSED",
             "closed_date": dt.date(2026, 8, 11)}])
    return public_db


@pytest.fixture(scope="module")
def site(rows, tmp_path_factory):
    from tianyan.public.settings import load_settings

    base = load_settings()
    cfg = base.model_copy(update={"base_url": "https://jiandu.test", "intake_url": "https://jiandu.test/intake"})
    out = tmp_path_factory.mktemp("pub") / "site"
    pub = publish(AS_OF, url=rows, site=out, cfg=cfg)
    return pub, cfg


def html(site, key: str) -> str:
    return (site[0].site / key / "index.html").read_text(encoding="utf-8")


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_one_page_per_village_and_unit(site):
    pub, _ = site
    assert (pub.villages, pub.units) == (1, 3)
    manifest = json.loads((pub.site / "pages.json").read_text(encoding="utf-8"))
    village = next(p for p in manifest["pages"] if p["page"] == f"v/{VILLAGE}")
    assert village == {"page": f"v/{VILLAGE}", "page_kind": "village", "code": VILLAGE, "name": "幸福村村民委员会",
                       "unit_code": VC, "region_code": VILLAGE, "url": f"https://jiandu.test/v/{VILLAGE}/"}
    index = (pub.site / "index.html").read_text(encoding="utf-8")
    assert f'href="v/{VILLAGE}/"' in index and f'href="u/{GOV}/"' in index


def test_village_page_shows_assets_contracts_ledger_and_masked_recipients(site):
    page = text_of(html(site, f"v/{VILLAGE}"))
    assert "A1 耕地 12.5 30,000.00" in page and "A2 坑塘水面 3 8,000.00" in page  # assets: type, area, value
    # contracts: the person masked to the family name, the organisation by name, term and rent
    assert re.search(r"C1 耕地 A1 欧阳\* 2024-03-01 至 2029-02-28 4,800.00 公开竞价", page), page
    assert "C2 坑塘水面 A2 幸福农业有限公司 2020-01-01 至 2025-12-31（已到期） 1,200.00 协商" in page
    # ledger: monthly totals of the last 12 months only
    assert "2026-10 4,800.00 300.00 300.00 0.00 2" in page
    assert "777" not in page
    # benefits of the last 3 months: masked name, program, issuer, month, amount
    assert "王* 农村最低生活保障 民政局 2026-11 500.00" in page
    assert "欧阳* 高龄津贴 民政局 2026-10 100.00" in page
    assert "999" not in page
    for private in ("欧阳娜娜", "王小明", pid(1), pid(2), BANK, "13800138000"):
        assert private not in html(site, f"v/{VILLAGE}")
    # complaints about the village (made there or naming its committee)
    assert "收到 2 件 · 办理中 1 件 · 已办结 1 件" in page


def test_unit_page_shows_its_policies_and_complaints(site):
    page = text_of(html(site, f"u/{GOV}"))
    assert "高龄津贴 1 100.00 2026-10" in page
    assert "农村最低生活保障 1 500.00 2026-11" in page
    committee = text_of(html(site, f"u/{VC}"))
    assert "收到 2 件 · 办理中 1 件 · 已办结 1 件" in committee
    assert f'href="../../v/{VILLAGE}/"' in html(site, f"u/{VC}")


def test_every_value_is_escaped_and_pages_allow_no_script(site):
    pub, _ = site
    for path in pub.site.rglob("*.html"):
        doc = path.read_text(encoding="utf-8")
        assert "<script" not in doc.lower() and "<img src=x" not in doc.lower(), path
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', doc).group(1)
        assert "default-src &#39;none&#39;" in csp and "script-src" not in csp, path
        assert "form-action https://jiandu.test" in csp
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;局" in html(site, f"u/{ODD}")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html(site, f"v/{VILLAGE}")


def test_every_page_has_the_complaint_form_and_lookup(site):
    pub, _ = site
    pages = [p for p in pub.site.rglob("index.html") if p.parent != pub.site]
    assert len(pages) == pub.pages
    for path in pages:
        doc = path.read_text(encoding="utf-8")
        key = f"{path.parent.parent.name}/{path.parent.name}"
        assert '<form method="post" action="https://jiandu.test/intake/complaints"' in doc
        assert f'<input type="hidden" name="page" value="{key}">' in doc
        assert 'href="https://jiandu.test/intake/ticket"' in doc


def decode(png) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(png))]


def test_qr_code_and_poster_open_the_page(site):
    pub, _ = site
    for key in (f"v/{VILLAGE}", f"u/{GOV}"):
        url = f"https://jiandu.test/{key}/"
        assert decode(pub.site / key / "qr.png") == [url]
        assert decode(pub.site / key / "poster.png") == [url]
        with Image.open(pub.site / key / "poster.png") as img:
            assert img.size == (1240, 1754)  # A4 at 150 dpi


def test_codes_are_stable_across_days(site, rows, tmp_path):
    pub, cfg = site
    later = publish(AS_OF + dt.timedelta(days=30), url=rows, site=tmp_path / "later", cfg=cfg)
    for key in (f"v/{VILLAGE}", f"u/{GOV}", f"u/{VC}"):
        assert (later.site / key / "qr.png").read_bytes() == (pub.site / key / "qr.png").read_bytes()


def test_republishing_replaces_the_site_whole(rows, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "stale.html").write_text("old")
    publish(AS_OF, url=rows, site=site)
    assert not (site / "stale.html").exists() and (site / "index.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no build folder left behind
