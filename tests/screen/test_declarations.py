"""The ``screen:`` declarations of the models and the item -> feed row mapping are validated."""

from __future__ import annotations

import shutil

import pytest
import yaml

from tianyan import paths
from tianyan.registry import RegistryError
from tianyan.registry.models import load_model
from tianyan.screen.engine import screenable_models
from tianyan.screen.targets import TARGETS, by_program, check_targets, item_from_row


def test_targets_map_onto_real_columns_and_fill_every_required_one():
    check_targets()
    assert len(by_program()) >= len(TARGETS)


def test_every_screened_feed_has_a_target():
    feeds = {f for s in screenable_models().values() for f in s.feeds}
    assert feeds <= {t.feed for t in TARGETS}


def _copy(tmp_path, screen):
    src = paths.MODELS_SQL_DIR / "social_assistance"
    folder = tmp_path / "social_assistance"
    folder.mkdir()
    shutil.copy(src / "SA01.sql", folder / "SA01.sql")
    meta = yaml.safe_load((src / "SA01.yaml").read_text(encoding="utf-8"))
    meta["screen"] = screen
    (folder / "SA01.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    return folder / "SA01.yaml"


def test_screen_declaration_must_name_a_feed_the_model_reads(tmp_path):
    with pytest.raises(RegistryError, match="not one the model reads"):
        load_model(_copy(tmp_path, [{"feed": "human_resources.pension_payments"}]))


def test_screen_context_must_be_columns_of_the_feed(tmp_path):
    with pytest.raises(RegistryError, match="context columns"):
        load_model(_copy(tmp_path, {"feed": "civil_affairs.assistance_payments", "context": ["nope"]}))


def test_a_single_mapping_is_accepted(tmp_path):
    m = load_model(_copy(tmp_path, {"feed": "civil_affairs.assistance_payments", "context": ["id_no"]}))
    assert [(s.feed, s.context) for s in m.screen] == [("civil_affairs.assistance_payments", ("id_no",))]


def test_item_from_row_inverts_the_mapping():
    row = {"payment_id": "P1", "id_no": "X", "subsidy_type": "CARE", "period": "2024-01", "amount": 1}
    assert item_from_row("disabled_persons.subsidies", row) == {
        "kind": "payment", "program": "DISABILITY_CARE", "ref": "P1", "payee_id_no": "X", "period": "2024-01",
        "amount": 1}
    assert item_from_row("agriculture.collective_ledger", {"direction": "IN"}) is None


def test_one_statement_binds_each_models_own_parameters():
    """union_sql renames every parameter but :as_of per model, so two models with a parameter of the
    same name (and different values) each get their own."""
    import sqlalchemy as sa

    from tianyan.screen.engine import union_sql

    sm = screenable_models()
    ids = tuple(sorted(sm))
    got = set(sa.text(union_sql(ids))._bindparams)
    want = {"as_of"} | {f"m{pos}_{name}" for pos, mid in enumerate(ids)
                        for name in sa.text(sm[mid].sql)._bindparams if name != "as_of"}
    assert got == want
    assert union_sql(ids).count(" as screen_model, ") == len(ids)
