"""What-if scoring and versioned rule settings (issue 17), on SA02 (recipient household owns a car).

The city is written here: three households on assistance, with cars of 80,000, 40,000 and 25,000.
At the default car_price_min (50,000) only the first is an alert; investigators confirmed it.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
import yaml
from rules_city import D, city, pid, snapshot

from tianyan import paths
from tianyan.registry import models as registry
from tianyan.scoring import rulesettings, whatif
from tianyan.scoring.runner import run_model


@pytest.fixture
def warehouse(make_database):
    from tianyan.warehouse.migrate import migrate

    url = make_database("rules")
    migrate(url)
    eng = sa.create_engine(url)
    with eng.begin() as c:
        city(c)
    sa02 = registry.load_models()["SA02"]
    assert run_model(sa02, D, url).status == "SUCCESS"
    with eng.begin() as c:  # the investigators confirmed the one alert
        c.execute(sa.text("update alerts.alert set status = 'CONFIRMED', outcome = 'CONFIRMED', "
                          "outcome_at = now(), amount_recovered = 9600 where model_id = 'SA02'"))
    yield url, eng
    eng.dispose()


def alert_state(eng) -> list[tuple]:
    with eng.connect() as c:
        return c.execute(sa.text("select alert_id, subject_id, status, amount from alerts.alert "
                                 "where model_id = 'SA02' order by alert_id")).all()


def test_whatif_shows_the_diff_and_never_touches_live_alerts(warehouse):
    url, eng = warehouse
    before = snapshot(eng)
    assert len(before["alerts.alert"]) == 1 and len(before["alerts.scoring_runs"]) == 1

    lower = whatif.propose("SA02", {"car_price_min": 30000}, url=url)
    assert snapshot(eng) == before  # alerts, their events and evidence, scoring runs: unchanged
    s = lower.summary
    assert (s["added"]["alerts"], s["removed"]["alerts"], s["unchanged"]["alerts"]) == (1, 0, 1)
    added = [r for r in lower.rows if r["grp"] == "added"]
    assert [r["subject_id"] for r in added] == [pid(4)] and float(added[0]["amount"]) > 0
    kept = [r for r in lower.rows if r["grp"] == "unchanged"]
    assert kept[0]["outcome"] == "CONFIRMED" and s["live"]["precision"] == 1.0
    assert s["proposed"]["decided"] == 1 and s["proposed"]["alerts"] == 2 and s["proposed"]["recovered"] == 9600
    assert lower.as_of == D  # the date of the live alerts

    higher = whatif.propose("SA02", {"car_price_min": 90000}, url=url)
    assert (higher.summary["added"]["alerts"], higher.summary["removed"]["alerts"]) == (0, 1)
    assert higher.summary["removed"]["confirmed"] == 1  # what the proposal would lose
    assert higher.summary["proposed"]["precision"] is None
    with eng.connect() as c:  # the proposals are kept (the scratch schema), with their hits
        assert c.execute(sa.text("select count(*) from whatif.proposal")).scalar() == 2
        assert c.execute(sa.text("select count(*) from whatif.hit where proposal_id = :p"),
                         {"p": lower.proposal_id}).scalar() == 2
    assert snapshot(eng) == before


def test_whatif_refuses_unknown_parameters_and_values():
    with pytest.raises(rulesettings.SettingsError, match="no parameter 'car_price'"):
        whatif.propose("SA02", {"car_price": 1})
    with pytest.raises(rulesettings.SettingsError, match="not of the kind"):
        whatif.propose("SA02", {"car_price_min": "cheap"})
    with pytest.raises(whatif.WhatIfError, match="unknown model"):
        whatif.propose("ZZ99", {})
    assert rulesettings.parse_assignment("car_price_min=30000") == ("car_price_min", 30000)
    with pytest.raises(rulesettings.SettingsError, match="NAME=VALUE"):
        rulesettings.parse_assignment("car_price_min")


def test_a_new_model_from_its_two_files_is_tried_the_same_way(warehouse, tmp_path):
    url, eng = warehouse
    folder = tmp_path / "social_assistance"
    folder.mkdir()
    src = paths.MODELS_SQL_DIR / "social_assistance"
    meta = yaml.safe_load((src / "SA02.yaml").read_text(encoding="utf-8"))
    meta.update(id="SA98", params={"car_price_min": 20000})
    (folder / "SA98.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    (folder / "SA98.sql").write_text((src / "SA02.sql").read_text(encoding="utf-8"), encoding="utf-8")
    before = snapshot(eng)
    got = whatif.propose(str(folder / "SA98.yaml"), {}, as_of=D, url=url)
    assert got.model_id == "SA98" and got.summary["added"]["alerts"] == 3 and got.summary["live"]["alerts"] == 0
    assert snapshot(eng) == before


def test_apply_and_rollback_equal_editing_the_file_and_rescoring(warehouse, make_database, monkeypatch, tmp_path):
    url, eng = warehouse
    applied = rulesettings.apply("SA02", {"car_price_min": 30000}, "more cars flagged", url=url)
    assert applied.version == 1 and applied.changes == [
        {"model_id": "SA02", "param": "car_price_min", "old": None, "new": 30000}]
    assert [r.status for r in applied.rescored] == ["SUCCESS"] and applied.rescored[0].alerts_new == 1
    with_table = alert_state(eng)
    with eng.connect() as c:
        runs = c.execute(sa.text("select settings_version, params->>'car_price_min' from alerts.scoring_runs "
                                 "order by run_id")).all()
    assert runs == [(0, "50000"), (1, "30000")]  # each run names the settings version it used

    # The same change made the old way, in another warehouse: edit models.yaml and re-score.
    from tianyan.warehouse.migrate import migrate

    other = make_database("rules_file")
    migrate(other)
    other_eng = sa.create_engine(other)
    with other_eng.begin() as c:
        city(c)
    run_model(registry.load_models()["SA02"], D, other)
    with other_eng.begin() as c:
        c.execute(sa.text("update alerts.alert set status = 'CONFIRMED', outcome = 'CONFIRMED', "
                          "outcome_at = now(), amount_recovered = 9600 where model_id = 'SA02'"))
    config = tmp_path / "config"
    config.mkdir()
    (config / "models.yaml").write_text("models:\n  SA02: {params: {car_price_min: 30000}}\n", encoding="utf-8")
    monkeypatch.setattr(paths, "CONFIG_DIR", config)
    registry.load_models.cache_clear()
    try:
        assert run_model(registry.load_models()["SA02"], D, other).status == "SUCCESS"
    finally:
        monkeypatch.undo()
        registry.load_models.cache_clear()
    assert alert_state(other_eng) == with_table
    other_eng.dispose()

    # The next scoring run (nothing new) binds version 1 too, and skips: its inputs are unchanged.
    assert run_model(registry.load_models()["SA02"], D, url).status == "SKIPPED"
    back = rulesettings.rollback(0, "too many false positives", url=url)
    assert back.version == 2 and back.changes[0]["new"] is None
    after = alert_state(eng)
    assert [s for _, _, s, _ in after] == ["CONFIRMED", "RESOLVED"]  # the added alert resolved by data
    hist = rulesettings.history(url)
    assert [(v.version, v.action, v.rollback_to, v.reason) for v in hist] == [
        (2, "rollback", 0, "too many false positives"), (1, "apply", None, "more cars flagged")]
    assert hist[1].changed_by == "postgres" or hist[1].changed_by
    with eng.connect() as c:
        assert c.execute(sa.text("select settings_version from alerts.scoring_runs order by run_id desc "
                                 "limit 1")).scalar() == 2
    with pytest.raises(rulesettings.SettingsError, match="already in force"):
        rulesettings.rollback(0, "again", url=url)
    with pytest.raises(rulesettings.SettingsError, match="reason"):
        rulesettings.apply("SA02", {"car_price_min": 30000}, " ", url=url)
    with eng.connect() as c, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        c.execute(sa.text("update alerts.rule_settings set reason = 'x'"))


def test_only_rules_owners_apply(warehouse, pg_admin_url):
    url, eng = warehouse
    tag = uuid.uuid4().hex[:6]
    owner, analyst = f"rules_owner_t{tag}", f"analyst_t{tag}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"create role {owner} login password 'test-only' in role tianyan_rules_owner"))
        c.execute(sa.text(f"create role {analyst} login password 'test-only' in role tianyan_analyst"))
    try:
        # A UI names its user: an analyst proposes but may not apply.
        proposal = whatif.propose("SA02", {"car_price_min": 30000}, url=url, proposed_by=analyst)
        with pytest.raises(rulesettings.NotRulesOwner, match="tianyan_rules_owner"):
            rulesettings.apply("SA02", {"car_price_min": 30000}, "r", actor=analyst, url=url)
        with pytest.raises(rulesettings.NotRulesOwner):
            rulesettings.apply("SA02", {"car_price_min": 30000}, "r", actor="nobody_at_all", url=url)
        done = rulesettings.apply("SA02", {"car_price_min": 30000}, "r", actor=owner, url=url,
                                  proposal_id=proposal.proposal_id)
        assert rulesettings.history(url)[0].changed_by == owner and done.rescored
        # And the database agrees, whoever connects: only the owner role may write the table.
        for login, allowed in ((owner, True), (analyst, False)):
            e = sa.create_engine(sa.engine.make_url(url).set(username=login, password="test-only"))
            try:
                with e.begin() as c:
                    c.execute(sa.text("insert into alerts.rule_settings (version, settings, changes, action, "
                                      "reason) values (:v, '{}', '[]', 'apply', 'direct')"), {"v": 10 + allowed})
                assert allowed, login
            except sa.exc.ProgrammingError as exc:
                assert not allowed and "permission denied" in str(exc)
            finally:
                e.dispose()
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            pipeline = sa.create_engine(url)
            with pipeline.begin() as c:
                c.execute(sa.text("set local role tianyan_pipeline"))
                c.execute(sa.text("insert into alerts.rule_settings (version, settings, changes, action, reason) "
                                  "values (99, '{}', '[]', 'apply', 'x')"))
    finally:
        with admin.connect() as c:
            for r in (owner, analyst):
                c.execute(sa.text(f"drop owned by {r}"))
                c.execute(sa.text(f"drop role if exists {r}"))
        admin.dispose()


def test_the_scoring_plan_fingerprints_the_parameters_in_force(warehouse, monkeypatch):
    """The scoring DAG plans (changed_models / scoring_plan) with the files' values plus the override in
    force, as run_model scores: an override not yet scored is a change, a scored one is not."""
    from tianyan.orchestration.scoring import changed_models, scoring_plan

    url, eng = warehouse
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", url)
    assert changed_models(["SA02"], D) == []  # scored as of D with the files' values, nothing new since
    with eng.begin() as c:  # a version applied whose re-score did not happen (the model was not scored yet)
        rulesettings._insert(c, settings={"SA02": {"car_price_min": 30000}}, changes=[
            {"model_id": "SA02", "param": "car_price_min", "old": None, "new": 30000}], action="apply",
            reason="test", actor="postgres")
    assert changed_models(["SA02"], D) == ["SA02"]  # the files' values alone would look unchanged
    assert run_model(registry.load_models()["SA02"], D, url).status == "SUCCESS"
    # Scored with the override: nothing to do (the files' values would plan a task that then skips).
    assert changed_models(["SA02"], D) == [] and scoring_plan(["SA02"], D).skip == ["SA02"]
    rulesettings.rollback(0, "back to the file", url=url)  # re-scores with the files' values
    assert changed_models(["SA02"], D) == []
