"""The model registry: every catalogue model has its two files; a 68th model is two more files;
parameters and enable/disable come from configuration."""

import datetime as dt
import shutil

import pytest
import sqlalchemy as sa
import yaml

from tianyan import paths
from tianyan.registry.feeds import RegistryError
from tianyan.registry.models import load_catalogue, load_models, model_files


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    target = tmp_path / "models"
    shutil.copytree(paths.MODELS_SQL_DIR, target)
    monkeypatch.setattr(paths, "MODELS_SQL_DIR", target)
    monkeypatch.setattr(paths, "CONFIG_DIR", tmp_path / "config")
    load_models.cache_clear()
    yield target
    load_models.cache_clear()


def test_every_catalogue_model_exists_with_matching_metadata():
    cat = load_catalogue()["models"]
    models = load_models()
    # The catalogue's 67 models, plus the models an operator added beside them (two files each).
    assert set(cat) <= set(models) and len(cat) == 67
    for mid, spec in cat.items():
        m = models[mid]
        assert (m.domain, m.severity, m.subject) == (spec["domain"], spec["severity"], spec["subject"]), mid
        # The catalogue's parameters with their defaults; a model may take more (PR03's and PR07's methods and
        # per-method thresholds), whose defaults keep the catalogue's behaviour (the model's cases).
        assert (spec.get("params") or {}).items() <= m.params.items(), mid
        assert m.title_zh and m.rationale and m.inputs, mid


@pytest.fixture
def own_warehouse(make_database):
    """A warehouse of this test alone: the 68th model's rows and alerts cannot outlive the test."""
    from tianyan.warehouse.migrate import migrate

    url = make_database("ca04")
    migrate(url)
    return url


def test_a_68th_model_is_two_files(models_dir, own_warehouse):
    folder = models_dir / "complaints_audit"
    (folder / "CA04.sql").write_text(
        "with open_findings as (\n    select audited_unit_code, count(*) as n\n    from audit.findings\n"
        "    where rectification_status = 'OPEN'\n    group by audited_unit_code\n)\n\n"
        "select\n    'unit' as subject_kind,\n    audited_unit_code as subject_id,\n    'open' as evidence_key,\n"
        "    null::text as region_code,\n    audited_unit_code as unit_code,\n    null::numeric as amount,\n"
        "    '[]'::jsonb as evidence\nfrom open_findings\nwhere n >= :count_min\n", encoding="utf-8")
    (folder / "CA04.yaml").write_text(yaml.safe_dump({
        "id": "CA04", "title_en": "Many open audit findings", "title_zh": "審計問題大量未整改",
        "domain": "complaints_audit", "severity": "low", "subject": "unit", "params": {"count_min": 1},
        "rationale": "Test model.",
    }, allow_unicode=True), encoding="utf-8")
    before = len(model_files()) - 1  # the models on disk before CA04's two files
    models = load_models()
    assert "CA04" in models and len(models) == before + 1
    assert models["CA04"].inputs == ("audit.findings",)
    from tianyan.scoring.runner import run_model

    eng = sa.create_engine(own_warehouse)
    with eng.begin() as c:
        c.execute(sa.text(
            "insert into audit.findings__history (finding_id, audited_unit_code, audit_year, category, "
            "rectification_status, _valid_from, _row_hash, _batch_id, _delivery_date) values "
            "('F-T1', 'U-TEST', 2025, 'x', 'OPEN', '2026-11-01', 'h', 'b', '2026-11-01')"))
    eng.dispose()
    run = run_model(models["CA04"], dt.date(2026, 11, 27), own_warehouse)
    assert run.status == "SUCCESS" and run.hits == 1


def test_configuration_changes_parameters_and_switches_models_off(models_dir):
    before = load_models()["SA02"]
    load_models.cache_clear()
    cfg = paths.CONFIG_DIR
    cfg.mkdir()
    (cfg / "models.yaml").write_text("models:\n  SA02: {params: {car_price_min: 80000}}\n  MI06: {enabled: false}\n")
    models = load_models()
    assert (before.params["car_price_min"], models["SA02"].params["car_price_min"]) == (50000, 80000)
    assert before.enabled and not models["MI06"].enabled and models["SA02"].enabled
    assert models["SA02"].version != before.version  # recorded with every run: the change is visible


def test_enabled_is_an_operator_setting_not_model_metadata(models_dir):
    meta = models_dir / "medical_insurance" / "MI06.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "enabled: false\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"MI06.*'enabled' is an operator setting.*include/config/models.yaml"):
        load_models()


def test_a_model_binding_an_undeclared_parameter_is_refused(models_dir):
    sql = models_dir / "procurement" / "PR07.sql"
    sql.write_text(sql.read_text(encoding="utf-8").replace(":days_min", ":days_minimum"), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"PR07.*days_minimum"):
        load_models()
