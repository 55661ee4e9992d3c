"""Model inputs are derived from the model SQL (core views resolved), never typed by hand.

The oracle is PostgreSQL itself: EXPLAIN expands every view down to the feed tables it scans, so
the feeds in a model's plan are the feeds its result can depend on."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest
import sqlalchemy as sa

from tianyan import paths
from tianyan.registry.feeds import RegistryError
from tianyan.registry.models import HISTORY_SUFFIX, core_views, load_catalogue, load_models

# The 14 models whose hand-typed inputs left out a feed they read (issue 15), and the feeds left out.
UNDECLARED_BEFORE = {
    "SA06": {"discipline.official_relatives", "civil_affairs.marriage_registrations"},
    "OF03": {"health.death_certificates", "civil_affairs.cremation_records"},
    "SG01": {"public_security.household_registration"},
    "SG02": {"public_security.household_registration"},
    "SI02": {"public_security.household_registration"},
    "MI06": {"public_security.household_registration"},
    "OF01": {"organization.public_units"},
    "OF02": {"organization.public_units"},
    "OF04": {"organization.public_units"},
    "SG06": {"organization.public_units"},
    "FI03": {"organization.public_units"},
    "PR01": {"organization.public_units"},
    "RV02": {"market_regulation.enterprise_persons"},
    "MI01": {"medical_insurance.institutions"},
}


def _scanned(plan, out: set[str]) -> set[str]:
    if isinstance(plan, dict):
        if "Relation Name" in plan:
            out.add(f"{plan['Schema']}.{plan['Relation Name']}".removesuffix(HISTORY_SUFFIX))
        for v in plan.values():
            _scanned(v, out)
    elif isinstance(plan, list):
        for v in plan:
            _scanned(v, out)
    return out


@pytest.fixture(scope="module")
def plans(warehouse_url) -> dict[str, list]:
    """Model id -> PostgreSQL's plan of the model (EXPLAIN VERBOSE, JSON)."""
    eng = sa.create_engine(warehouse_url)
    out = {}
    with eng.connect() as conn:
        for m in load_models().values():
            stmt = sa.text("explain (format json, verbose) " + m.sql)
            params = m.bind_params(dt.date(2026, 11, 27))
            out[m.id] = conn.execute(stmt, {k: v for k, v in params.items() if k in m.binds}).scalar()
    eng.dispose()
    return out


@pytest.fixture(scope="module")
def planned_feeds(plans) -> dict[str, set[str]]:
    """Model id -> the feed tables PostgreSQL's plan of the model scans."""
    return {mid: _scanned(plan, set()) for mid, plan in plans.items()}


def test_core_functions_are_inlined_into_every_model(plans):
    """The shared blocks in include/sql/core cost nothing at run time: PostgreSQL expands every core
    function into the model's plan (a function it cannot inline would run once per row)."""
    called = {mid: sorted(set(re.findall(r"core\.\w+\(", json.dumps(plan)))) for mid, plan in plans.items()}
    assert {mid: c for mid, c in called.items() if c} == {}


# Feeds a model reads through a core view whose branches for them the planner prunes (SA06 keeps only
# the SELF and HOUSEHOLD rows of core.official_kin). Inputs stay conservative: a re-run too many is
# harmless, a skipped one leaves stale alerts.
PRUNED_BY_THE_PLANNER = {"SA06": {"discipline.official_relatives", "civil_affairs.marriage_registrations"}}


def test_every_model_reads_exactly_its_derived_inputs(planned_feeds):
    models = load_models()
    assert set(load_catalogue()["models"]) <= set(models)
    wrong = {m.id: (sorted(m.inputs), sorted(planned_feeds[m.id])) for m in models.values()
             if set(m.inputs) != planned_feeds[m.id] | PRUNED_BY_THE_PLANNER.get(m.id, set())}
    assert wrong == {}


def test_the_feeds_once_left_out_are_inputs_now():
    models = load_models()
    for mid, feeds in UNDECLARED_BEFORE.items():
        assert feeds <= set(models[mid].inputs), mid


def test_core_views_resolve_through_other_core_views():
    views = core_views()
    # core.official_kin reads core.spouse (marriages) and core.household_member (registration)
    assert views["core.official_kin"] == {
        "organization.officials", "discipline.official_relatives", "civil_affairs.marriage_registrations",
        "public_security.household_registration"}
    assert views["core.household_member"] == {"public_security.household_registration"}  # the __history table


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    target = tmp_path / "models"
    shutil.copytree(paths.MODELS_SQL_DIR, target)
    monkeypatch.setattr(paths, "MODELS_SQL_DIR", target)
    load_models.cache_clear()
    yield target
    load_models.cache_clear()


def test_a_hand_typed_inputs_field_is_refused(models_dir):
    meta = models_dir / "special_groups" / "SG01.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "inputs:\n- disabled_persons.subsidies\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"SG01.*'inputs' is derived from SG01.sql"):
        load_models()


@pytest.mark.parametrize(("table", "message"), [
    ("alerts.alert", r"SG01.*reads alerts.alert, which is neither a feed of the registry nor a core view"),
    ("core.nobody", r"SG01.*uses core.nobody, which include/sql/core does not define as a view"),
    ("subsidies", r"SG01.*table 'subsidies' is not schema-qualified"),
])
def test_a_model_reading_something_else_than_feeds_and_core_views_is_refused(models_dir, table, message):
    sql = models_dir / "special_groups" / "SG01.sql"
    text = sql.read_text(encoding="utf-8")
    assert "from disabled_persons.subsidies as s" in text
    sql.write_text(text.replace("from disabled_persons.subsidies as s", f"from {table} as s"), encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_models()
