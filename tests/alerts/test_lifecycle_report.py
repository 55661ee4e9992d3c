"""The daily report renders with charts in a real headless browser; the plugin serves it."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from browser import CHROMIUM, screenshot
from browser import dom as browser_dom
from lifecycle_city import D0, add_dispositions

from tianyan.alerts.report import write_report
from tianyan.scoring.marts import refresh

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(city_url, tmp_path_factory):
    url, ids = city_url
    for i in range(0, 15, 3):  # a few days so the trend has a line
        refresh(D0 + dt.timedelta(days=i), url)
        if i == 3:
            add_dispositions(url, [(ids["OF01"][0], "CONFIRMED", 100, dt.datetime.combine(D0, dt.time(9)))],
                             D0 + dt.timedelta(days=3), "b-r")
    out = tmp_path_factory.mktemp("reports")
    path = write_report(D0 + dt.timedelta(days=12), out, url)
    return url, out, path


def test_report_is_self_contained(report):
    _, out, path = report
    html = path.read_text(encoding="utf-8")
    assert path.name == "tianyan-report-2025-03-13.html" and (out / "latest.html").exists()
    assert html.count('<svg class="chart"') >= 4 and 'class="mark-line' in html  # Altair, drawn server-side
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    assert "previous days" not in html  # the first report of its folder links nothing
    assert "official_conduct" in html and "<td>OF01</td>" in html  # OF01 has an outcome: in the feedback table
    assert not re.search(r"\b522622\d{8}[0-9X]\b", html)  # no id numbers in the page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_report_renders_in_headless_chromium(report, tmp_path):
    _, _, path = report
    shot = screenshot(path.as_uri(), tmp_path / "report.png", "1200,2400", tmp_path)
    assert shot.exists() and shot.stat().st_size > 20_000  # a page with drawn charts, not a blank one
    dom = browser_dom(path.as_uri(), tmp_path, "--window-size=1200,2400")
    assert len(re.findall(r"<svg[^>]*class=\"chart\"", dom)) >= 4
    assert len(re.findall(r'class="mark-(rect|line|symbol)', dom)) >= 4


def test_report_links_its_previous_days(report):
    url, out, path = report
    later = write_report(D0 + dt.timedelta(days=13), out, url)
    html = later.read_text(encoding="utf-8")
    assert 'previous days: <a href="tianyan-report-2025-03-13.html">2025-03-13</a>' in html
    assert (out / "latest.html").read_text(encoding="utf-8") == html


def load_plugin():
    spec = importlib.util.spec_from_file_location("tianyan_plugin", ROOT / "plugins" / "tianyan_plugin.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_plugin_pages(report, monkeypatch, tmp_path):
    from fastapi.testclient import TestClient

    from tianyan import paths

    url, out, path = report
    state = tmp_path / "state"
    (state / "data_docs").mkdir(parents=True)
    (state / "data_docs" / "index.html").write_text("<html>GX data docs</html>", encoding="utf-8")
    shutil.copytree(out, state / "reports")
    monkeypatch.setattr(paths, "STATE_DIR", state)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url)
    plugin = load_plugin()
    assert plugin.TianyanPlugin.fastapi_apps[0]["url_prefix"] == "/tianyan"
    assert {v["destination"] for v in plugin.TianyanPlugin.external_views} == {"nav", "dag"}
    client = TestClient(plugin.app)
    assert client.get("/report").status_code == 401  # anonymous
    _log_in(plugin)
    r = client.get("/report")
    assert r.status_code == 200 and "daily supervision report" in r.text
    assert client.get("/report/2025-03-13").status_code == 200
    assert client.get("/report/2024-01-01").status_code == 404
    assert "GX data docs" in client.get("/data_docs/").text
    assert client.get("/data_docs/../../etc/passwd").status_code == 404
    feeds = client.get("/feeds")
    assert feeds.status_code == 200 and "audit.findings" in feeds.text and "MISSING" in feeds.text
    dept = client.get("/departments/discipline")
    assert dept.status_code == 200 and "discipline.alert_dispositions" in dept.text and "紀委監委" in dept.text
    assert client.get("/departments/nope").status_code == 404
    r = client.get("/dags/dept_audit", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"].endswith("/tianyan/departments/audit")
    assert "Departments" in client.get("/").text


def _log_in(plugin):
    """What Airflow's get_user resolves from the UI's cookie or a bearer token, for TestClient."""
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.security import get_user

    plugin.app.dependency_overrides[get_user] = lambda: SimpleAuthManagerUser(username="viewer", role="viewer")


def test_plugin_pages_require_an_airflow_login():
    from fastapi.testclient import TestClient

    plugin = load_plugin()
    client = TestClient(plugin.app)
    for route in ("/", "/report", "/report/2025-03-13", "/feeds", "/data_docs/", "/data_docs/index.html",
                  "/departments/audit", "/dags/dept_audit"):
        r = client.get(route, follow_redirects=False)
        assert r.status_code == 401, route
    from airflow.api_fastapi.app import init_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    from tianyan.orchestration.inprocess import prepare_airflow

    prepare_airflow()  # token checks look up revoked tokens in Airflow's metadata DB
    am = init_auth_manager()  # the configured auth manager, as the API server starts it
    client.cookies.set("_token", "not-a-jwt")  # a forged session is not a login
    assert client.get("/feeds").status_code == 403
    client.cookies.clear()
    token = am.generate_jwt(SimpleAuthManagerUser(username="viewer", role="viewer"))
    r = client.get("/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and "Departments" in r.text
    client.cookies.set("_token", token)  # the UI's session cookie (pages open in the UI's iframe)
    assert client.get("/departments/nope").status_code == 404  # past the login, the page's own answer


def test_plugin_registers_with_airflow():
    from airflow.plugins_manager import AirflowPlugin

    plugin = load_plugin()
    assert issubclass(plugin.TianyanPlugin, AirflowPlugin)
    from airflow.api_fastapi.core_api.datamodels.plugins import ExternalViewResponse

    for view in plugin.TianyanPlugin.external_views:  # the UI's own schema accepts them
        ExternalViewResponse(**view)
