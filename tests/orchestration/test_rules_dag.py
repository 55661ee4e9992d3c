"""The rules_whatif DAG (Param form: model, overrides, as-of) runs the same what-if as `tianyan tune`,
leaves the live alerts alone, and refuses to apply for a user who is not a rules owner."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from rules_city import D, city, snapshot

from tianyan.registry.models import load_models
from tianyan.scoring.runner import run_model

pytestmark = pytest.mark.e2e


def test_rules_whatif_dag_proposes_and_apply_checks_the_user(make_database, monkeypatch):
    from tianyan.orchestration.inprocess import _test_run, prepare_airflow
    from tianyan.orchestration.rules import build_rules_dag
    from tianyan.warehouse.migrate import migrate

    url = make_database("rules_dag")
    migrate(url)
    eng = sa.create_engine(url)
    with eng.begin() as c:
        city(c)
    run_model(load_models()["SA02"], D, url)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url)
    monkeypatch.setenv("TIANYAN_TASK_RETRIES", "0")
    prepare_airflow()
    before = snapshot(eng)
    dag = build_rules_dag()
    run = _test_run(dag, {"model": "SA02", "overrides": {"car_price_min": 30000}, "apply": False})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"whatif": "success", "apply": "skipped"}
    with eng.connect() as c:
        summary, by = c.execute(sa.text("select summary, proposed_by from whatif.proposal")).one()
    assert summary["added"]["alerts"] == 1 and by == "dag_test"  # dag.test's user
    assert snapshot(eng) == before
    run = _test_run(dag, {"model": "SA02", "overrides": {"car_price_min": 30000}, "apply": True, "reason": "r"})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"whatif": "success", "apply": "failed"}  # dag_test is no member of tianyan_rules_owner
    assert snapshot(eng) == before
    with eng.connect() as c:
        assert c.execute(sa.text("select count(*) from alerts.rule_settings")).scalar() == 0
    eng.dispose()
