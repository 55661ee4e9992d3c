"""Panorama pages (city -> district -> unit -> alerts) and the tune pages, in headless Chromium: the
charts are drawn by the vendored Vega under the pages' CSP (no eval, no inline script), with data of
a city scored and refreshed over 90 days; hostile values stay text; the what-if / apply / rollback
forms work for a rules owner and refuse others."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
import sqlalchemy as sa
from browser import CHROMIUM
from browser import dom as chromium_dom
from browser import serve_app as serve
from fastapi import FastAPI
from lifecycle_city import D0, DISTRICT_A, add_dispositions, build_city
from test_hostile_values import HOSTILE, MARK, load_plugin, no_live_markup

from tianyan.scoring.marts import refresh

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
LAST = D0 + dt.timedelta(days=90)


@pytest.fixture(scope="module")
def city(make_database):
    from tianyan.warehouse.migrate import migrate

    url = make_database("pano")
    migrate(url)
    ids = build_city(url)
    eng = sa.create_engine(url)
    with eng.begin() as c:  # a delivered unit name that is a script
        c.execute(sa.text("update organization.public_units__history set name = :n where unit_code = 'U-A-CIVIL'"),
                  {"n": HOSTILE[1]})
    eng.dispose()
    for i in range(0, 91, 5):  # the marts of 19 days spread over 90
        day = D0 + dt.timedelta(days=i)
        if i == 10:
            add_dispositions(url, [(ids["OF01"][0], "CONFIRMED", 100, dt.datetime.combine(day, dt.time(9))),
                                   (ids["OF01"][1], "NO_ISSUE", None, dt.datetime.combine(day, dt.time(9)))],
                             day, "b-pano")
        refresh(day, url)
    return url


@pytest.fixture
def site(city, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", city)

    def start(user: str):
        plugin = load_plugin()
        from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
        from airflow.api_fastapi.core_api.security import get_user

        plugin.app.dependency_overrides[get_user] = lambda: SimpleAuthManagerUser(username=user, role="admin")
        parent = FastAPI()
        parent.mount("/tianyan", plugin.app)  # as the Airflow API server mounts it
        return serve(parent)

    return start


def charts_drawn(dom: str) -> int:
    assert 'data-rendered="failed"' not in dom and "chart failed" not in dom
    return dom.count('data-rendered="true"')


def test_panorama_drills_down_with_drawn_charts(site, tmp_path):
    with site("viewer") as base:
        pages = {"city": "/tianyan/panorama", "district": f"/tianyan/panorama/district/{DISTRICT_A}",
                 "unit": "/tianyan/panorama/unit/U-A-CIVIL"}
        for level, path in pages.items():
            r = httpx.get(base + path, timeout=120)
            assert r.status_code == 200, path
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "unsafe-inline" not in csp.split(
                "script-src")[1].split(";")[0]
            assert not re.search(r"<script(?![^>]*\b(src=\"/tianyan/static/|type=\"application/json\"))", r.text)
            dom = chromium_dom(base + path, tmp_path)
            # Vega's own empty container for chart inputs (none here) is a <form> (form-action 'none' anyway)
            assert dom.count('<form class="vega-bindings"></form>') == dom.count("<form")
            no_live_markup(dom.replace('<form class="vega-bindings">', "<div>"))
            assert charts_drawn(dom) == 4, level  # risk trend, alerts by domain, outcomes, top models
            assert dom.count('class="mark-') >= 4, level  # Vega drew marks, not empty frames
        html = httpx.get(base + pages["unit"], timeout=120).text
        assert "<b>18</b>days of risk index" in html  # the 90-day window: every refreshed day after D0
        assert f'href="/tianyan/panorama/district/{DISTRICT_A}' in html  # back up the drill-down
        district = httpx.get(base + pages["district"], timeout=120).text
        assert 'href="/tianyan/panorama/unit/U-A-CIVIL' in district and "&lt;img src=x onerror" in district
        city = httpx.get(base + pages["city"], timeout=120).text
        assert f'href="/tianyan/panorama/district/{DISTRICT_A}' in city
        assert "<b>50%</b>confirmed share" in city and "<b>100</b>recovered" in city  # one confirmed, one not
        # A viewer may not open single alerts; engineers (here the superuser) may.
        assert "may not see single alerts" in httpx.get(base + "/tianyan/panorama/unit/U-A-PARTY/alerts", timeout=120).text
        js = httpx.get(base + "/tianyan/static/vendor/vega.min.js", timeout=120)
        assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
        assert httpx.get(base + "/tianyan/static/../web.py", timeout=120).status_code == 404
    with site("postgres") as base:
        html = httpx.get(base + "/tianyan/panorama/unit/U-A-CIVIL/alerts", timeout=120).text
        assert "OF01" in html and "522622************" in html  # masked subjects
        assert not re.search(r"\b522622\d{11}[\dX]\b", html)
    assert MARK not in html
