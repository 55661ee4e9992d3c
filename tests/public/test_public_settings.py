"""include/config/public.yaml: validated, errors name the file and key, addresses stable."""

from __future__ import annotations

import pytest
import yaml

from tianyan import paths
from tianyan.public.settings import load_settings
from tianyan.registry.feeds import RegistryError


def _write(tmp_path, change):
    doc = yaml.safe_load((paths.CONFIG_DIR / "public.yaml").read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / "public.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(base_urll="x"), "base_urll"),
    (lambda d: d.update(base_url="ftp://x/?a=1"), "base_url"),
    (lambda d: d["intake"].update(rate_window="ten minutes"), "rate_window"),
    (lambda d: d["intake"].pop("categories"), "categories"),
    (lambda d: d.update(benefit_months=0), "benefit_months"),
])
def test_a_wrong_setting_names_file_and_key(tmp_path, change, message):
    with pytest.raises(RegistryError, match=r"public\.yaml.*" + message):
        load_settings(_write(tmp_path, change))


def test_page_addresses_derive_from_base_url_and_code():
    cfg = load_settings()
    assert cfg.page_url("village", "522622001001") == f"{cfg.base_url}/v/522622001001/"
    assert cfg.page_url("unit", "11522622000100034B") == f"{cfg.base_url}/u/11522622000100034B/"
    assert cfg.intake.window_seconds == 600


def test_the_intake_needs_a_drop(monkeypatch):
    monkeypatch.delenv("TIANYAN_DROP", raising=False)
    with pytest.raises(RegistryError, match="intake.drop"):
        load_settings().intake.drop_path()
