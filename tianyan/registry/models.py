"""Supervision models: one SQL file + one YAML file under include/sql/models/<domain>/<ID>.*

The files on disk are the registry (an operator adds a model by adding two files); the user's
catalogue include/spec/models.yaml is the requirement they are checked against (tests).
Parameters and enable/disable can be overridden in include/config/models.yaml.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tianyan import paths
from tianyan.registry.feeds import RegistryError, _pydantic_message, load_feeds

Severity = Literal["low", "medium", "high"]
OUTPUT_COLUMNS = ("subject_kind", "subject_id", "evidence_key", "region_code", "unit_code", "amount", "evidence")


class ModelSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Z]{2}\d{2,3}$")
    title_en: str
    title_zh: str
    domain: str
    severity: Severity
    subject: str
    params: dict[str, Any] = Field(default_factory=dict)
    inputs: tuple[str, ...]
    evidence: tuple[str, ...] = ()
    rationale: str
    enabled: bool = True
    sql: str = ""
    sql_path: str = ""

    @property
    def version(self) -> str:
        """Changes whenever the SQL or the parameters change (recorded with every scoring run)."""
        doc = json.dumps({"sql": self.sql, "params": self.params}, sort_keys=True, default=str)
        return hashlib.sha256(doc.encode()).hexdigest()[:12]

    @model_validator(mode="after")
    def _check(self) -> ModelSpec:
        feeds = load_feeds()
        unknown = [f for f in self.inputs if f not in feeds]
        if unknown:
            raise ValueError(f"inputs {unknown} are not feeds of the registry")
        binds = set(re.findall(r"(?<![:\w]):([a-z_][a-z0-9_]*)", _strip_sql_comments(self.sql)))
        missing = binds - set(self.params) - {"as_of"}
        if missing:
            raise ValueError(f"SQL binds {sorted(missing)} have no parameter default")
        return self


def _strip_sql_comments(sql: str) -> str:
    sql = re.sub(r"--[^\n]*", "", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)  # string literals can contain ':' (e.g. times)


def _overrides() -> dict:
    path = paths.CONFIG_DIR / "models.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return (doc or {}).get("models") or {}


def load_model(yaml_path: Path, overrides: dict | None = None) -> ModelSpec:
    sql_path = yaml_path.with_suffix(".sql")
    try:
        meta = yaml.safe_load(yaml_path.read_text(encoding="utf-8")) or {}
        if not sql_path.exists():
            raise RegistryError(f"no SQL file {sql_path.name} beside it")
        if meta.get("id") != yaml_path.stem:
            raise RegistryError(f"field 'id' is {meta.get('id')!r}, the file name says {yaml_path.stem!r}")
        if meta.get("domain") != yaml_path.parent.name:
            raise RegistryError(f"field 'domain' is {meta.get('domain')!r}, the folder says {yaml_path.parent.name!r}")
        ov = (overrides or {}).get(meta["id"]) or {}
        meta["params"] = {**(meta.get("params") or {}), **(ov.get("params") or {})}
        if "enabled" in ov:
            meta["enabled"] = bool(ov["enabled"])
        shown = sql_path.relative_to(paths.ROOT) if sql_path.is_relative_to(paths.ROOT) else sql_path
        return ModelSpec(**meta, sql=sql_path.read_text(encoding="utf-8"), sql_path=str(shown))
    except ValidationError as exc:
        raise RegistryError(f"model {yaml_path.stem} ({yaml_path}): {_pydantic_message(exc)}") from None
    except (RegistryError, TypeError, KeyError, yaml.YAMLError) as exc:
        raise RegistryError(f"model {yaml_path.stem} ({yaml_path}): {exc}") from None


@cache
def load_models() -> dict[str, ModelSpec]:
    """Every model on disk, sorted by id."""
    overrides = _overrides()
    models = [load_model(p, overrides) for p in sorted(paths.MODELS_SQL_DIR.glob("*/*.yaml"))]
    dupes = {m.id for m in models if sum(x.id == m.id for x in models) > 1}
    if dupes:
        raise RegistryError(f"models defined twice: {sorted(dupes)}")
    return {m.id: m for m in sorted(models, key=lambda m: m.id)}


@cache
def load_catalogue() -> dict:
    """The user's model catalogue (requirements), as plain data."""
    return yaml.safe_load((paths.SPEC_DIR / "models.yaml").read_text(encoding="utf-8"))
