"""Scoring re-runs a model whenever a feed behind its result changes, including a feed it reads only
through a core view (issue 15: SG01 was SKIPPED after public_security.household_registration arrived
late, because core.person hid that feed from its hand-typed inputs)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from stdnum.cn import ric

from tianyan.orchestration.scoring import models_for
from tianyan.registry.models import load_models
from tianyan.scoring.runner import run_model

D = dt.date(2026, 11, 27)
REGION = "522622001001"


def person_id(n: int) -> str:
    first17 = f"52262219800101{n:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def load(conn, feed_id: str, rows: list[dict], batch: str) -> None:
    """Rows as the loader leaves them (current versions of the batch) and the date's LOADED record."""
    dept, name = feed_id.split(".")
    for i, row in enumerate(rows):
        values = {**row, "_valid_from": dt.datetime.combine(D, dt.time()), "_row_hash": f"{batch}-{i}",
                  "_batch_id": batch, "_delivery_date": D}
        conn.execute(sa.text(f"insert into {dept}.{name}__history ({', '.join(values)}) "
                             f"values ({', '.join(':' + k for k in values)})"), values)
    conn.execute(sa.text(
        "insert into meta.feed_runs (feed_id, delivery_date, batch_id, status, delivered, loaded) "
        "values (:f, :d, :b, 'LOADED', :n, :n)"), {"f": feed_id, "d": D, "b": batch, "n": len(rows)})


@pytest.fixture
def warehouse(make_database):
    from tianyan.warehouse.migrate import migrate

    url = make_database("rescore")
    migrate(url)
    eng = sa.create_engine(url)
    yield url, eng
    eng.dispose()


def test_sg01_reruns_when_household_registration_arrives_late(warehouse):
    url, eng = warehouse
    sg01 = load_models()["SG01"]
    assert "public_security.household_registration" in sg01.inputs  # read only through core.person
    with eng.begin() as c:
        load(c, "disabled_persons.subsidies", [{"payment_id": "S1", "id_no": person_id(1),
                                                "subsidy_type": "LIVING", "period": "2026-11", "amount": 100}], "b1")
        load(c, "disabled_persons.certificates", [], "b2")
    assert run_model(sg01, D, url).status == "SUCCESS"
    assert run_model(sg01, D, url).status == "SKIPPED"  # nothing changed
    with eng.connect() as c:
        assert c.execute(sa.text("select region_code from alerts.alert where model_id = 'SG01'")).all() == [(None,)]

    with eng.begin() as c:  # the register arrives later on the same business date
        load(c, "public_security.household_registration", [{
            "id_no": person_id(1), "name": "p1", "gender": "M", "birth_date": dt.date(1980, 1, 1),
            "household_id": "H1", "relation_to_head": "HEAD", "region_code": REGION, "status": "ACTIVE"}], "b3")
    run = run_model(sg01, D, url)
    assert run.status == "SUCCESS" and run.alerts_updated == 1
    with eng.connect() as c:  # the alert now carries the recipient's region (routing follows it)
        assert c.execute(sa.text("select region_code from alerts.alert where model_id = 'SG01'")).all() == [(REGION,)]


def test_a_feed_read_through_a_core_view_triggers_its_models():
    triggered = set(models_for({"public_security.household_registration"}))
    assert {"SG01", "SG02", "SI02", "MI06"} <= triggered  # through core.person
    assert {"OF01", "OF02", "OF04", "SG06", "FI03", "PR01"} <= set(models_for({"organization.public_units"}))
    assert "SA06" in set(models_for({"discipline.official_relatives"}))  # through core.official_kin
    assert models_for({"education.student_aid"}) == ["SG05", "SG06"]
