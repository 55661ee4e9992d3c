"""Versioned rule settings: model parameters changed at run time, with history and rollback.

The files stay the defaults (each model's ``<ID>.yaml``, then include/config/models.yaml); the table
``alerts.rule_settings`` (migration 0016) overrides them, one row per version, each row holding the
whole override set in force from then on (``settings``: ``{model_id: {param: value}}``), what it
changed (``changes``: old and new value per parameter), who, when and why. The latest version is
what the scoring runner binds (``effective``); every run records it in
``alerts.scoring_runs.settings_version`` (0 = the files alone).

``apply`` adds a version and re-scores the models it changed at once; ``rollback(v)`` adds a version
whose settings are those of version ``v`` (0: back to the files). Only members of the PostgreSQL group
role ``tianyan_rules_owner`` may do either (the table grants insert to that role only, and the actor
named by a UI is checked for membership); anyone may propose (``tianyan.scoring.whatif``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import yaml

from tianyan.registry.models import ModelSpec, load_models
from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)

OWNER_ROLE = "tianyan_rules_owner"
LOCK = "select pg_advisory_xact_lock(hashtext('tianyan.rule_settings'))"


class SettingsError(ValueError):
    """A proposed setting that cannot be applied (unknown model or parameter, wrong type)."""


class NotRulesOwner(PermissionError):
    """The actor is not a member of tianyan_rules_owner."""


@dataclass(frozen=True)
class Version:
    version: int
    settings: dict
    changes: list
    action: str
    rollback_to: int | None
    changed_by: str
    changed_at: dt.datetime
    reason: str
    proposal_id: str | None = None


# ---- values --------------------------------------------------------------------------------------


def parse_assignment(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` (VALUE read as a YAML scalar: 40000, 0.5, true, 2024-01-01, text)."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise SettingsError(f"--set {text!r}: expected NAME=VALUE")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    if value is None:
        raise SettingsError(f"--set {text!r}: no value given for {name}")
    return name, value


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def check_overrides(model: ModelSpec, overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides, each checked against the model's parameters (name known, value of the
    default's kind); returns them JSON-ready."""
    out = {}
    for name, value in overrides.items():
        if name not in model.params:
            raise SettingsError(f"model {model.id} has no parameter {name!r} (it has: "
                                f"{', '.join(sorted(model.params)) or 'none'})")
        default = model.params[name]
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, (int, float, Decimal)):
            ok = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
        else:
            ok = not isinstance(value, (dict, list))
            value = str(value) if ok and isinstance(default, str) else value
        if not ok:
            raise SettingsError(f"model {model.id} parameter {name}: {value!r} is not of the kind of its "
                                f"default {default!r}")
        out[name] = _jsonable(value)
    return out


# ---- reading ---------------------------------------------------------------------------------------


def current(conn: sa.Connection) -> tuple[int, dict]:
    """(latest version, its override set); (0, {}) when no version was ever applied."""
    row = conn.execute(sa.text(
        "select version, settings from alerts.rule_settings order by version desc limit 1")).first()
    return (0, {}) if row is None else (int(row.version), row.settings or {})


def settings_at(conn: sa.Connection, version: int) -> dict:
    if version == 0:
        return {}
    got = conn.execute(sa.text("select settings from alerts.rule_settings where version = :v"),
                       {"v": version}).scalar()
    if got is None:
        raise SettingsError(f"no rule settings version {version}")
    return got


def with_params(model: ModelSpec, overrides: dict) -> ModelSpec:
    """The model with these parameter overrides (its version, hence its fingerprint, follows)."""
    if not overrides:
        return model
    return model.model_copy(update={"params": {**model.params, **overrides}})


def effective(conn: sa.Connection, model: ModelSpec) -> tuple[ModelSpec, int]:
    """The model as scoring must run it now: file defaults + the table's latest overrides; and that
    settings version (the runner records it)."""
    version, settings = current(conn)
    return with_params(model, settings.get(model.id) or {}), version


def effective_all(conn: sa.Connection, models: list[ModelSpec]) -> tuple[list[ModelSpec], int]:
    """``effective`` for several models at once (one read of the settings in force): what planning a
    scoring run must fingerprint, so a model under an override is judged with the values it runs with."""
    version, settings = current(conn)
    return [with_params(m, settings.get(m.id) or {}) for m in models], version


def history(url: str | None = None, model_id: str | None = None) -> list[Version]:
    with get_engine(url).connect() as conn:
        rows = conn.execute(sa.text(
            "select version, settings, changes, action, rollback_to, changed_by, changed_at, reason, proposal_id "
            "from alerts.rule_settings order by version desc")).all()
    out = [Version(**r._mapping) for r in rows]
    if model_id:
        out = [v for v in out if any(c["model_id"] == model_id for c in v.changes)]
    return out


# ---- writing ---------------------------------------------------------------------------------------


def _actor(conn: sa.Connection, actor: str | None) -> str:
    """The login that applies: the connection's own user, or the one a UI names; must be a member
    of tianyan_rules_owner (superusers are members of every role)."""
    who = actor or conn.execute(sa.text("select current_user")).scalar()
    exists = conn.execute(sa.text("select 1 from pg_roles where rolname = :r"), {"r": who}).scalar()
    if not exists or not conn.execute(sa.text("select pg_has_role(:r, :g, 'member')"),
                                      {"r": who, "g": OWNER_ROLE}).scalar():
        raise NotRulesOwner(f"{who!r} may not change rule settings: only members of {OWNER_ROLE} apply or roll "
                            "back (analysts propose with `tianyan tune` without --apply)")
    return who


def _diff(old: dict, new: dict) -> list[dict]:
    changes = []
    for model_id in sorted(set(old) | set(new)):
        o, n = old.get(model_id) or {}, new.get(model_id) or {}
        for param in sorted(set(o) | set(n)):
            if o.get(param) != n.get(param):
                changes.append({"model_id": model_id, "param": param, "old": o.get(param), "new": n.get(param)})
    return changes


def _insert(conn, *, settings: dict, changes: list, action: str, reason: str, actor: str,
            rollback_to: int | None = None, proposal_id: str | None = None) -> int:
    version = int(conn.execute(sa.text("select coalesce(max(version), 0) + 1 from alerts.rule_settings")).scalar())
    conn.execute(sa.text(
        "insert into alerts.rule_settings (version, settings, changes, action, rollback_to, proposal_id, "
        "changed_by, reason) values (:v, cast(:s as jsonb), cast(:c as jsonb), :a, :rb, :p, :by, :reason)"),
        {"v": version, "s": json.dumps(settings, sort_keys=True), "c": json.dumps(changes), "a": action,
         "rb": rollback_to, "p": proposal_id, "by": actor, "reason": reason})
    return version


@dataclass
class Applied:
    version: int
    changes: list
    rescored: list  # ModelRun of each re-scored model


def _reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise SettingsError("a reason is required (--reason): it is recorded in the rule settings history")
    return reason.strip()


def apply(model_id: str, overrides: dict[str, Any], reason: str, *, actor: str | None = None,
          as_of: dt.date | None = None, proposal_id: str | None = None, url: str | None = None,
          models: dict[str, ModelSpec] | None = None) -> Applied:
    """Record a new version with the model's parameters changed, then re-score that model."""
    reason = _reason(reason)
    models = models or load_models()
    if model_id not in models:
        raise SettingsError(f"unknown model {model_id!r} (apply needs a model of the registry; try a new "
                            "model with `tianyan tune <ID>.yaml`, then add its files)")
    checked = check_overrides(models[model_id], overrides)
    if not checked:
        raise SettingsError("nothing to apply: give at least one --set NAME=VALUE")
    eng = get_engine(url)
    with eng.begin() as conn:
        conn.execute(sa.text(LOCK))
        who = _actor(conn, actor)
        _, old = current(conn)
        defaults = models[model_id].params
        mine = {**(old.get(model_id) or {}), **checked}
        # A value equal to the file's default is no override: the entry goes (history shows the change).
        mine = {k: v for k, v in mine.items() if _jsonable(defaults.get(k)) != v}
        new = {**{k: v for k, v in old.items() if k != model_id}, **({model_id: mine} if mine else {})}
        changes = _diff(old, new)
        if not changes:
            raise SettingsError(f"model {model_id}: these values are already in force")
        version = _insert(conn, settings=new, changes=changes, action="apply", reason=reason, actor=who,
                          proposal_id=proposal_id)
    log.info("rule settings version %d by %s: %s", version, who, changes)
    return Applied(version, changes, rescore({c["model_id"] for c in changes}, as_of, url, models))


def rollback(to_version: int, reason: str, *, actor: str | None = None, as_of: dt.date | None = None,
             url: str | None = None, models: dict[str, ModelSpec] | None = None) -> Applied:
    """Record a new version whose settings are those of ``to_version`` (0: the files alone), then
    re-score the models whose parameters change."""
    reason = _reason(reason)
    models = models or load_models()
    with get_engine(url).begin() as conn:
        conn.execute(sa.text(LOCK))
        who = _actor(conn, actor)
        latest, old = current(conn)
        if to_version < 0 or to_version > latest:
            raise SettingsError(f"no rule settings version {to_version} (latest is {latest})")
        new = settings_at(conn, to_version)
        changes = _diff(old, new)
        if not changes:
            raise SettingsError(f"version {to_version}'s settings are already in force")
        version = _insert(conn, settings=new, changes=changes, action="rollback", reason=reason, actor=who,
                          rollback_to=to_version)
    log.info("rule settings version %d by %s: rollback to %d: %s", version, who, to_version, changes)
    return Applied(version, changes, rescore({c["model_id"] for c in changes}, as_of, url, models))


def last_as_of(conn: sa.Connection, model_id: str) -> dt.date | None:
    """The date of the model's live alerts: its latest successful run."""
    return conn.execute(sa.text(
        "select as_of from alerts.scoring_runs where model_id = :m and status in ('SUCCESS', 'SKIPPED') "
        "order by run_id desc limit 1"), {"m": model_id}).scalar()


def rescore(model_ids: set[str], as_of: dt.date | None, url: str | None,
            models: dict[str, ModelSpec] | None = None) -> list:
    """Re-score these models now (as of their live alerts' date unless given), with the settings in force."""
    from tianyan.scoring.runner import run_model

    models = models or load_models()
    runs = []
    for model_id in sorted(model_ids):
        if model_id not in models or not models[model_id].enabled:
            continue
        day = as_of
        if day is None:
            with get_engine(url).connect() as conn:
                day = last_as_of(conn, model_id)
        if day is None:  # never scored: the next scoring run picks the settings up
            continue
        runs.append(run_model(models[model_id], day, url))
    return runs
