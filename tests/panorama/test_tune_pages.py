"""The tune pages: lower SA02.car_price_min from the browser, see the added alert and the estimated
precision, apply (rules owners only), see the version in the history and in the re-scoring run, roll
back. Forms from another site are refused."""

from __future__ import annotations

import re

import httpx
import pytest
import sqlalchemy as sa
from browser import serve_app as serve
from fastapi import FastAPI
from rules_city import D, city, pid
from test_hostile_values import load_plugin

from tianyan.registry.models import load_models
from tianyan.scoring.runner import run_model


@pytest.fixture
def site(make_database, monkeypatch):
    from tianyan.warehouse.migrate import migrate

    url = make_database("tune")
    migrate(url)
    eng = sa.create_engine(url)
    with eng.begin() as c:
        city(c)
    run_model(load_models()["SA02"], D, url)
    with eng.begin() as c:
        c.execute(sa.text("update alerts.alert set status = 'CONFIRMED', outcome = 'CONFIRMED', outcome_at = now()"))
    eng.dispose()
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url)

    def start(user: str):
        plugin = load_plugin()
        from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
        from airflow.api_fastapi.core_api.security import get_user

        plugin.app.dependency_overrides[get_user] = lambda: SimpleAuthManagerUser(username=user, role="admin")
        parent = FastAPI()
        parent.mount("/tianyan", plugin.app)
        return serve(parent)

    yield start, url


def post(client: httpx.Client, base: str, path: str, data: dict, origin: str | None = None) -> httpx.Response:
    return client.post(base + path, data=data, headers={"Origin": origin or base}, follow_redirects=True)


def test_lower_car_price_min_from_the_browser(site):
    start, url = site
    with start("viewer") as base, httpx.Client(timeout=120) as client:  # an analyst: proposes only
        form = client.get(base + "/tianyan/tune?model=SA02").text
        assert 'name="p.car_price_min" value="50000"' in form and "form-action 'self'" in client.get(
            base + "/tianyan/tune").headers["content-security-policy"]
        r = post(client, base, "/tianyan/tune/whatif", {"model": "SA02", "p.car_price_min": "30000", "as_of": ""})
        assert r.status_code == 200 and "/tianyan/tune/proposal/" in str(r.url)
        assert "may propose; only members of tianyan_rules_owner apply" in r.text
        assert re.search(r"<td>added</td><td class=\"num\">1</td>", r.text)
        assert re.search(r"<td>live</td>(<td class=\"num\">[^<]*</td>){8}<td class=\"num\">100%</td>", r.text)
        assert pid(4)[:6] + "*" * 12 in r.text and pid(4) not in r.text  # masked subject
        proposal_id = str(r.url).rsplit("/", 1)[1]
        refused = post(client, base, "/tianyan/tune/apply", {"proposal_id": proposal_id, "reason": "x"})
        assert "Apply refused" in refused.text and "tianyan_rules_owner" in refused.text
        assert post(client, base, "/tianyan/tune/whatif", {"model": "SA02", "p.car_price_min": "1"},
                    origin="http://evil.example").status_code == 403
    with start("postgres") as base, httpx.Client(timeout=120) as client:  # a rules owner
        done = post(client, base, "/tianyan/tune/apply", {"proposal_id": proposal_id, "reason": "cheap cars too"})
        assert "applied as version 1" in done.text and "SA02 SUCCESS (2 hits, 1 new)" in done.text
        assert "SA02.car_price_min: (file) → 30000" in done.text and "cheap cars too" in done.text
        assert re.search(r"<td>SA02</td><td>2025-06-30</td><td>SUCCESS</td><td>2</td><td>1</td><td>0</td><td>1</td>",
                         done.text)  # the re-scoring run names settings version 1
        back = post(client, base, "/tianyan/rules/rollback", {"version": "0", "reason": "back to the file"})
        assert "rolled back as version 2" in back.text and "rollback to 0" in back.text
        runs = client.get(base + "/tianyan/rules?model=SA02").text  # the history and that model's runs
        assert "rollback to 0" in runs and "<td>SA02</td>" in runs and not re.search(r"<td>SA0[^2]</td>", runs)
    eng = sa.create_engine(url)
    with eng.connect() as c:
        assert c.execute(sa.text("select count(*) from alerts.alert where status <> 'RESOLVED'")).scalar() == 1
    eng.dispose()
