"""Supervision models: one SQL file + one YAML file under include/sql/models/<domain>/<ID>.*

The files on disk are the registry (an operator adds a model by adding two files); the user's
catalogue include/spec/models.yaml is the requirement they are checked against (tests).

Where each setting lives (one home each, see docs/configuration.md):
- ``<ID>.yaml``: the model's metadata (titles, domain, severity, subject, parameter defaults,
  rationale);
- ``<ID>.sql``: the rule; the feeds a model reads (``inputs``) are derived from it, with the
  ``core.*`` views of include/sql/core resolved to the feeds they read, so scoring re-runs a model
  whenever any feed behind its result changes;
- include/config/models.yaml: the operator's overrides (parameters, ``enabled``).
``<ID>.cases.yaml`` beside them holds the model's test cases (tests/models/test_model_cases.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import sqlglot
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlglot import expressions as exp

from tianyan import paths
from tianyan.registry.feeds import HISTORY_SUFFIX, RegistryError, _pydantic_message, load_feeds
from tianyan.warehouse.sqlfiles import statements

Severity = Literal["low", "medium", "high"]
OUTPUT_COLUMNS = ("subject_kind", "subject_id", "evidence_key", "region_code", "unit_code", "amount", "evidence")
CASES_SUFFIX = ".cases.yaml"
CREATE_VIEW = re.compile(r"create\s+(or\s+replace\s+)?(materialized\s+)?view\s", re.IGNORECASE)
CREATE_FUNCTION = re.compile(r"create\s+(or\s+replace\s+)?function\s+core\.(?P<name>\w+)\s*\(.*?\bas\s+"
                             r"\$(?P<tag>\w*)\$(?P<body>.*)\$(?P=tag)\$", re.IGNORECASE | re.DOTALL)


class ScreenSpec(BaseModel):
    """``screen:`` in ``<ID>.yaml``: the model can judge one pending row of ``feed`` before it is loaded
    (the screening service, tianyan/screen). ``context``: columns by which the rule compares the row
    with rows already loaded (e.g. ``[id_no]`` for a duplicate payment); the service then adds the
    loaded rows sharing those values. Without it the rule judges the row on its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feed: str
    context: tuple[str, ...] = ()


class ModelSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Z]{2}\d{2,3}$")
    title_en: str
    title_zh: str
    domain: str
    severity: Severity
    subject: str
    params: dict[str, Any] = Field(default_factory=dict)
    rationale: str
    enabled: bool = True
    screen: tuple[ScreenSpec, ...] = ()
    sql: str = ""
    sql_path: str = ""
    # Derived from ``sql`` by load_model (never typed by hand): the feeds the model reads.
    inputs: tuple[str, ...] = ()
    binds: frozenset[str] = frozenset()

    @property
    def version(self) -> str:
        """Changes whenever the SQL or the parameters change (recorded with every scoring run)."""
        doc = json.dumps({"sql": self.sql, "params": self.params}, sort_keys=True, default=str)
        return hashlib.sha256(doc.encode()).hexdigest()[:12]

    def bind_params(self, as_of) -> dict[str, Any]:
        """The SQL's bind values as of a date: the parameters, as_of, mappings as JSON text."""
        return bind_values({**self.params, "as_of": as_of})

    @model_validator(mode="after")
    def _check(self) -> ModelSpec:
        missing = self.binds - set(self.params) - {"as_of"}
        if missing:
            raise ValueError(f"SQL binds {sorted(missing)} have no parameter default")
        for s in self.screen:
            if s.feed not in self.inputs:
                raise ValueError(f"screen: feed {s.feed!r} is not one the model reads {list(self.inputs)}")
        return self


def bind_values(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as the driver binds them: a mapping (e.g. PR07's days_min_by_method) becomes JSON text,
    read in SQL as ``cast(:name as jsonb)``; lists bind as arrays (``cast(:name as text[])``), the rest as is."""
    return {k: json.dumps(v, sort_keys=True, default=str) if isinstance(v, dict) else v for k, v in params.items()}


# ---- what a statement reads ------------------------------------------------------------------


def parse_sql(sql: str, where: str) -> exp.Expression:
    try:
        return sqlglot.parse_one(sql, read="postgres")
    except sqlglot.errors.SqlglotError as exc:
        raise RegistryError(f"{where}: SQL does not parse: {exc}") from None


def relations(tree: exp.Expression) -> set[str]:
    """``schema.name`` of every table or view a statement reads, and ``core.name()`` for every core
    function it calls (table functions included); its own CTEs are not relations.

    The same walk as mozilla/bigquery-etl's dependency.py, on PostgreSQL's dialect."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    found = set()
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Func):  # a table function: core.f(...) in FROM
            continue
        if not table.db and table.name in ctes:
            continue
        if not table.db:
            raise RegistryError(f"table {table.name!r} is not schema-qualified (write <schema>.{table.name})")
        found.add(f"{table.db}.{table.name}")
    for call in tree.find_all(exp.Anonymous):
        parent = call.parent
        schema = (parent.db if isinstance(parent, exp.Table) and parent.this is call
                  else parent.this.name if isinstance(parent, exp.Dot) and parent.expression is call else "")
        if schema == "core":
            found.add(f"core.{call.name}()")
    return found


@cache
def core_views(core_dir: Path | None = None) -> dict[str, frozenset[str]]:
    """Every view ``core.x`` and function ``core.f()`` of include/sql/core -> the feeds it reads,
    the core views and functions it uses resolved."""
    direct: dict[str, set[str]] = {}
    for path in sorted((core_dir or paths.CORE_SQL_DIR).glob("*.sql")):
        for stmt in statements(path.read_text(encoding="utf-8")):
            if CREATE_VIEW.match(stmt):
                tree = parse_sql(stmt, path.name)
                direct[tree.this.sql(dialect="postgres")] = relations(tree.expression)
            elif fn := CREATE_FUNCTION.match(stmt):
                direct[f"core.{fn['name']}()"] = relations(parse_sql(fn["body"], f"{path.name} core.{fn['name']}"))
    feeds = load_feeds()
    resolved: dict[str, frozenset[str]] = {}

    def resolve(obj: str, seen: tuple[str, ...]) -> frozenset[str]:
        if obj in resolved:
            return resolved[obj]
        if obj in seen:
            raise RegistryError(f"core definitions use each other in a cycle: {' -> '.join((*seen, obj))}")
        out: set[str] = set()
        for rel in direct[obj]:
            out |= resolve(rel, (*seen, obj)) if rel in direct else {_feed_of(rel, feeds, obj)}
        resolved[obj] = frozenset(out)
        return resolved[obj]

    for obj in direct:
        resolve(obj, ())
    return resolved


def _feed_of(relation: str, feeds: dict, where: str) -> str:
    """``dept.name`` (current rows) and ``dept.name__history`` both belong to feed ``dept.name``."""
    if relation.startswith("core."):
        kind = "function" if relation.endswith("()") else "view"
        raise RegistryError(f"{where} uses {relation.removesuffix('()')}, which include/sql/core does not define "
                            f"as a {kind}")
    feed = relation.removesuffix(HISTORY_SUFFIX)
    if feed not in feeds:
        raise RegistryError(f"{where} reads {relation}, which is neither a feed of the registry nor a core view")
    return feed


def feeds_read(tree: exp.Expression, where: str) -> tuple[str, ...]:
    """The feeds a statement reads, directly or through core views (sorted)."""
    core, feeds = core_views(), load_feeds()
    out: set[str] = set()
    for rel in relations(tree):
        out |= core[rel] if rel in core else {_feed_of(rel, feeds, where)}
    return tuple(sorted(out))


# ---- the registry ----------------------------------------------------------------------------


def config_overrides() -> dict:
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
        for derived in ("inputs", "binds"):
            if derived in meta:
                raise RegistryError(f"field {derived!r} is derived from {sql_path.name}; remove it from the YAML")
        if "enabled" in meta:
            raise RegistryError("field 'enabled' is an operator setting: set it in include/config/models.yaml")
        ov = (overrides or {}).get(meta["id"]) or {}
        meta["params"] = {**(meta.get("params") or {}), **(ov.get("params") or {})}
        if "enabled" in ov:
            meta["enabled"] = bool(ov["enabled"])
        if isinstance(meta.get("screen"), dict):
            meta["screen"] = [meta["screen"]]
        for s in meta.get("screen") or []:
            cols = {c.name for c in load_feeds()[s["feed"]].columns} if s.get("feed") in load_feeds() else set()
            if bad := set(s.get("context") or ()) - cols:
                raise RegistryError(f"screen: context columns {sorted(bad)} are not columns of {s.get('feed')!r}")
        sql = sql_path.read_text(encoding="utf-8")
        tree = parse_sql(sql, sql_path.name)
        shown = sql_path.relative_to(paths.ROOT) if sql_path.is_relative_to(paths.ROOT) else sql_path
        return ModelSpec(**meta, sql=sql, sql_path=str(shown), inputs=feeds_read(tree, sql_path.name),
                         binds=frozenset(p.name for p in tree.find_all(exp.Placeholder)))
    except ValidationError as exc:
        raise RegistryError(f"model {yaml_path.stem} ({yaml_path}): {_pydantic_message(exc)}") from None
    except (RegistryError, TypeError, KeyError, yaml.YAMLError) as exc:
        raise RegistryError(f"model {yaml_path.stem} ({yaml_path}): {exc}") from None


def model_files(models_dir: Path | None = None) -> list[Path]:
    """The ``<domain>/<ID>.yaml`` files of every model (not the ``<ID>.cases.yaml`` test cases)."""
    folder = models_dir or paths.MODELS_SQL_DIR
    return [p for p in sorted(folder.glob("*/*.yaml")) if not p.name.endswith(CASES_SUFFIX)]


@cache
def load_models() -> dict[str, ModelSpec]:
    """Every model on disk, sorted by id."""
    overrides = config_overrides()
    models = [load_model(p, overrides) for p in model_files()]
    dupes = {m.id for m in models if sum(x.id == m.id for x in models) > 1}
    if dupes:
        raise RegistryError(f"models defined twice: {sorted(dupes)}")
    return {m.id: m for m in sorted(models, key=lambda m: m.id)}


@cache
def load_catalogue() -> dict:
    """The user's model catalogue (requirements), as plain data."""
    return yaml.safe_load((paths.SPEC_DIR / "models.yaml").read_text(encoding="utf-8"))
