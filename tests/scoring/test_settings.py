"""Scoring settings: one home (include/config/scoring.yaml), validated, and documented in one table."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from tianyan import paths
from tianyan.registry.feeds import RegistryError
from tianyan.scoring.settings import load_settings


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    target = tmp_path / "config"
    shutil.copytree(paths.CONFIG_DIR, target)
    monkeypatch.setattr(paths, "CONFIG_DIR", target)
    return target


def edit(config_dir, change) -> None:
    path = config_dir / "scoring.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")


def test_the_shipped_settings():
    s = load_settings()
    assert s.schedule == "0 6 * * *"
    assert (s.lifecycle.overdue_days, s.lifecycle.min_confirmed_share, s.lifecycle.min_decided) == (30, 0.3, 5)
    assert s.risk_index.binds() == {"w_high": 5, "w_medium": 3, "w_low": 1, "w_complaint": 1, "w_finding": 2}
    assert s.feed_health.expected_days == {"daily": 1, "weekly": 7, "monthly": 31}


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["lifecycle"].pop("overdue_days"), r"lifecycle.overdue_days.*Field required"),
    (lambda d: d["risk_index"].update(hihg=5), r"risk_index.hihg.*Extra inputs are not permitted"),
    (lambda d: d["feed_health"]["expected_days"].pop("weekly"), r"expected_days needs exactly the cadences"),
    (lambda d: d["lifecycle"].update(min_confirmed_share=1.5), r"min_confirmed_share"),
])
def test_a_wrong_setting_is_an_error_naming_file_and_key(config_dir, change, message):
    edit(config_dir, change)
    with pytest.raises(RegistryError, match=r"scoring\.yaml.*" + message):
        load_settings()


def _flatten(doc: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in doc.items():
        out += _flatten(v, f"{prefix}{k}.") if isinstance(v, dict) and v else [f"{prefix}{k}"]
    return out


def _documented() -> set[str]:
    """Keys in the table of docs/configuration.md, as file:key ("`a.b`, `.c`" is a.b and a.c)."""
    keys = set()
    for line in (paths.ROOT / "docs" / "configuration.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([^`]+)`", cells[1])
        for name in names:
            full = names[0].rsplit(".", 1)[0] + name if name.startswith(".") else name
            keys.add(f"{cells[0].strip('`')}:{full}")
    return keys


def test_every_setting_is_in_the_configuration_table():
    documented = _documented()
    scoring = yaml.safe_load((paths.CONFIG_DIR / "scoring.yaml").read_text(encoding="utf-8"))
    missing = [k for k in _flatten(scoring) if f"scoring.yaml:{k}" not in documented]
    public = yaml.safe_load((paths.CONFIG_DIR / "public.yaml").read_text(encoding="utf-8"))
    missing += [f"public.yaml:{k}" for k in _flatten(public) if f"public.yaml:{k}" not in documented]
    for name in ("models.yaml", "pipeline.yaml", "orchestration.yaml", "plausibility.yaml", "screen.yaml"):  # top-level keys (models.<ID>..., feeds.<feed_id>...)
        doc = yaml.safe_load((paths.CONFIG_DIR / name).read_text(encoding="utf-8")) or {}
        missing += [f"{name}:{k}" for k in doc
                    if not any(d == f"{name}:{k}" or d.startswith(f"{name}:{k}.") for d in documented)]
    assert missing == []
