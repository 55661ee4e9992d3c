"""Nothing a department delivers runs in a browser: Data Docs built from hostile values and the plugin
pages (feed health, department, daily report) showing them are loaded in headless Chromium, and no
delivered script runs; identifiers in Data Docs are masked; every response carries a CSP."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from browser import CHROMIUM, serve_app
from browser import dom as browser_dom

from tianyan import paths
from tianyan.ingest import data_docs
from tianyan.ingest.validate import validate
from tianyan.registry import load_feeds

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

# If any of these runs, the page title becomes PWNED (built from char codes: the word itself is in no
# payload, so finding it in the rendered DOM means script ran).
JS = "document.title=String.fromCharCode(80,87,78,69,68)"
MARK = "PWNED"
HOSTILE = [
    f"<script>{JS}</script>",
    f"<img src=x onerror={JS}>",
    f"<svg onload={JS}>",
    f"<a href=javascript:{JS}>click me</a>",
    f'"><img src=x onerror={JS}>',
    f"<iframe srcdoc=<script>parent.{JS}</script>></iframe>",
    f"<details open ontoggle={JS}>",
    f"<meta http-equiv=refresh content=0;url=javascript:{JS}>",
]
PAYMENTS = load_feeds()["civil_affairs.assistance_payments"]
PERSON = "110101199003071237"


def hostile_delivery() -> pd.DataFrame:
    rows = []
    for i, bad in enumerate(HOSTILE):
        rows.append({"payment_id": f"P{i}", "id_no": bad if i % 2 else PERSON, "program": bad, "period": bad,
                     "amount": "10", "pay_date": "2024-01-05", "bank_account": bad, "region_code": bad})
    rows.append({"payment_id": "P9", "id_no": PERSON[:-1] + "0", "program": "TEKUN", "period": "2024-01",
                 "amount": "10", "pay_date": "2024-01-05", "bank_account": "6222000000000000",
                 "region_code": "110101001001"})
    return pd.DataFrame(rows, columns=PAYMENTS.column_names, dtype=object)


def build_docs(state: Path, monkeypatch) -> Path:
    monkeypatch.setattr(paths, "STATE_DIR", state)
    out = validate(PAYMENTS, hostile_delivery(), batch_id="hostile-1", data_docs=True,
                   delivery_date=dt.date(2024, 2, 1))
    assert out.data_docs_path is not None and not out.failures.empty
    return out.data_docs_path.parent


def load_plugin():
    spec = importlib.util.spec_from_file_location("tianyan_plugin_hostile", ROOT / "plugins" / "tianyan_plugin.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.security import get_user

    mod.app.dependency_overrides[get_user] = lambda: SimpleAuthManagerUser(username="viewer", role="viewer")
    return mod


def no_live_markup(dom: str) -> None:
    """The rendered DOM holds the hostile values as text only: no script ran, and no element the
    browser would act on later (a handler, a javascript: link, a frame, a refresh) was created."""
    assert MARK not in dom  # no delivered script ran
    tags = re.findall(r"<[a-z][^>]*>", dom, re.I)
    assert not [t for t in tags if re.search(r"\son[a-z]+\s*=", t, re.I)]
    assert not [t for t in tags if re.search(r"""\b(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", t, re.I)]
    assert not [t for t in tags if re.match(r"<(iframe|object|embed|base|form)\b", t, re.I)]
    assert not [t for t in tags if re.match(r"<meta\b", t, re.I) and "refresh" in t.lower()]


def test_unsanitised_gx_docs_would_run_delivered_script(tmp_path, monkeypatch):
    """The control: GX's own page, unmasked and unsanitised (as before), runs a delivered value."""
    monkeypatch.setattr(data_docs, "sanitise_site", lambda site: [])
    monkeypatch.setattr(data_docs, "display_result", lambda result, feed: result)
    site = build_docs(tmp_path / "raw", monkeypatch)
    page = next((site / "validations").rglob("hostile-1.html"))
    assert PERSON in page.read_text(encoding="utf-8")  # ids in clear, too
    assert MARK in browser_dom(page.as_uri(), tmp_path)


def test_data_docs_run_no_delivered_script_and_show_no_identifier(tmp_path, monkeypatch):
    site = build_docs(tmp_path / "state", monkeypatch)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 2  # the index and this run's page
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert html.startswith("<!doctype html>\n" + data_docs.MARKER)
        assert "cdn" not in html.lower() and "unpkg" not in html.lower() and "<script>" not in html
        assert not re.search(r"\b\d{17}[\dX]\b", html)  # no resident id in clear
    run_page = next(p for p in pages if p.name == "hostile-1.html")
    text = run_page.read_text(encoding="utf-8")
    assert "110101************" in text and "‹script›" in text  # masked, and shown as text
    plugin = load_plugin()
    with serve_app(plugin.app) as base:
        for page in pages:
            url = f"{base}/data_docs/{page.relative_to(site).as_posix()}"
            r = httpx.get(url)
            assert r.status_code == 200
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            dom = browser_dom(url, tmp_path)
            no_live_markup(dom)
            assert 'class="tianyan-js"' in dom  # our same-origin script did run (and the page rendered)
        asset = httpx.get(f"{base}/data_docs/static/tianyan/bootstrap.min.css")
        assert asset.status_code == 200 and "Bootstrap v4.5.3" in asset.text
    # Opened from disk (a copy mailed or saved), the page's own CSP meta tag still forbids inline script.
    no_live_markup(browser_dom(run_page.as_uri(), tmp_path))


@pytest.fixture
def hostile_warehouse(warehouse_url):
    eng = sa.create_engine(warehouse_url)
    as_of = dt.date(2024, 2, 1)
    with eng.begin() as conn:
        conn.execute(sa.text("delete from marts.feed_health"))
        for bad in HOSTILE:
            conn.execute(sa.text(
                "insert into marts.feed_health (as_of, feed_id, department, cadence, expected_days, last_status,"
                " last_reason, freshness, runs_30d, rejected_30d, delivered_30d, loaded_30d, quarantined_30d)"
                " values (:d, :f, 'discipline', :c, 1, :s, :r, 'REJECTED', 1, 1, 0, 0, 0)"),
                {"d": as_of, "f": f"discipline.{bad}", "c": bad[:20], "s": bad, "r": f"unexpected column {bad!r}"})
    yield warehouse_url, as_of
    with eng.begin() as conn:
        conn.execute(sa.text("delete from marts.feed_health"))
    eng.dispose()


def test_plugin_pages_and_report_escape_hostile_values(hostile_warehouse, tmp_path, monkeypatch):
    from tianyan.alerts.report import write_report

    url, as_of = hostile_warehouse
    state = tmp_path / "state"
    report = write_report(as_of, state / "reports", url)
    assert "Content-Security-Policy" in report.read_text(encoding="utf-8")
    no_live_markup(browser_dom(report.as_uri(), tmp_path))  # a copy opened from disk or a mail
    monkeypatch.setattr(paths, "STATE_DIR", state)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url)
    plugin = load_plugin()
    with serve_app(plugin.app) as base:
        for route in ("/feeds", "/departments/discipline", "/report", "/"):
            r = httpx.get(base + route)
            assert r.status_code == 200, route
            assert "script-src 'none'" in r.headers["content-security-policy"], route
            assert "<script" not in r.text.lower(), route
            dom = browser_dom(base + route, tmp_path)
            no_live_markup(dom)
            if route in ("/feeds", "/report"):
                assert "&lt;script&gt;" in dom, route  # the hostile value is there, as text
