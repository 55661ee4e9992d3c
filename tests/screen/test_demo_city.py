"""Issue 16's done-when, as a test: ``tianyan serve`` (the CLI, a process of its own) on a warehouse
loaded with the synthetic demo city answers a screened payment to a planted dead recipient with
SA01 and its evidence (the death record's date and sources), and the planted near-miss's payment
in the month of death with no hit.

The city is the demo's (seed 7, 2026-11-27) at 3,000 residents so that generating and loading it
takes about a minute; the payments screened are the planted rows themselves (their own payment ids,
as a department's system would send them before paying).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import httpx
import pytest
import sqlalchemy as sa
from citylib import load_dates

from tianyan.orchestration.inprocess import exchange_for
from tianyan.orchestration.standalone import free_port
from tianyan.scoring.evaluate import read_answer_key, read_as_of
from tianyan.screen.auth import add_key
from tianyan.screen.targets import item_from_row
from tianyan.warehouse.migrate import migrate

pytestmark = pytest.mark.e2e

FEED = "civil_affairs.assistance_payments"


def _item(row: dict) -> dict:
    item = item_from_row(FEED, {k: v for k, v in row.items() if not k.startswith("_")})
    return {k: (v.isoformat() if isinstance(v, dt.date) else str(v) if not isinstance(v, str | int) else v)
            for k, v in item.items() if v is not None}


@pytest.fixture(scope="module")
def city(make_database, tmp_path_factory):
    from tianyan.synth import generate

    tmp = tmp_path_factory.mktemp("screencity")
    drop = tmp / "city"
    generate(drop, residents=3000, seed=7, as_of=dt.date(2026, 11, 27), days=1)
    url = make_database("screencity")
    migrate(url)
    with exchange_for(str(drop), db_url=make_database("screenfront")):
        results = load_dates(drop, url, [read_as_of(drop)], tmp / "work")
    assert results[(FEED, read_as_of(drop))].status == "LOADED"
    return drop, url


@pytest.fixture(scope="module")
def served(city):
    _drop, url = city
    port = free_port()
    env = {**os.environ, "AIRFLOW_CONN_WAREHOUSE": url}
    env.pop("TIANYAN_SCREEN_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "tianyan.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace")[-2000:]
            try:
                if httpx.get(f"{base}/readyz", timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "tianyan serve was not ready in 180 s"
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


def test_serve_answers_sa01_for_a_planted_dead_recipient_and_nothing_in_the_month_of_death(city, served):
    drop, url = city
    as_of = read_as_of(drop)
    key = read_answer_key(drop)
    sa01 = key[key["model_id"] == "SA01"]
    dead = sorted(sa01[sa01["expected"] == 1]["subject_id"])
    near = sorted(sa01[sa01["expected"] == 0]["subject_id"])
    assert dead and near
    eng = sa.create_engine(url)
    with eng.begin() as c:
        api_key = add_key(c, "demo city test", ["payment"], [], 1000)
        death = {r.id_no: r for r in c.execute(sa.text(
            "select id_no, death_date, sources from core.death where id_no = any(:ids)"), {"ids": dead + near})}
        pays = [dict(r._mapping) for r in c.execute(sa.text(
            f"select * from {FEED} where id_no = any(:ids) order by id_no, period"), {"ids": dead + near})]
    eng.dispose()
    month = {p: death[p].death_date.strftime("%Y-%m") for p in dead + near}
    after = next(r for r in pays if r["id_no"] == dead[0] and r["period"] > month[dead[0]])
    month_of = next(r for r in pays if r["id_no"] == near[0] and r["period"] == month[near[0]])

    got = httpx.post(f"{served}/v1/screen", json={"items": [_item(after), _item(month_of)], "as_of": str(as_of)},
                     headers={"Authorization": f"Bearer {api_key}"}, timeout=60)
    assert got.status_code == 200, got.text
    hit, clear = got.json()["results"]
    assert hit["ref"] == after["payment_id"] and hit["status"] == "hit"
    sa01_hits = [h for h in hit["hits"] if h["model_id"] == "SA01"]
    assert len(sa01_hits) == 1
    h = sa01_hits[0]
    assert h["severity"] == "high" and h["subject_id"] == dead[0] and h["evidence_key"] == after["payment_id"]
    evidence = {e["feed"]: e for e in h["evidence"]}
    assert evidence[FEED]["key"] == after["payment_id"]
    deaths = [e for e in h["evidence"] if e["key"] == dead[0] and "death_date" in e["values"]]
    assert deaths and all(e["values"]["death_date"] == death[dead[0]].death_date.isoformat() for e in deaths)
    assert {s for e in deaths for s in e["values"]["sources"]} == set(death[dead[0]].sources)
    assert clear == {"index": 1, "ref": month_of["payment_id"], "status": "clear", "hits": []}
