"""What-if scoring: run a model with proposed parameters into the scratch schema ``whatif`` and
compare the alerts it would give with the live ones, never touching ``alerts.alert``,
``alerts.alert_event`` or ``alerts.scoring_runs``.

The proposal's hits get the alert ids scoring would give them (md5(model | subject kind | subject |
evidence key), include/sql/lifecycle/scoring/10_alerts.sql), so they compare one to one with the
live alerts (the model's alerts not RESOLVED and seen by its latest run): **added** (only the
proposal gives them), **removed** (only the live set has them), **unchanged** (both). Each comes with
its amount and, where investigators recorded one (``discipline.alert_dispositions`` -> the alert's
``outcome``), its outcome; the estimated precision of a set is its confirmed share among the decided
alerts: (CONFIRMED + PARTLY_CONFIRMED) / (CONFIRMED + PARTLY_CONFIRMED + NO_ISSUE), as in
``marts.outcomes_by_model``.

``propose`` is the one core function: the CLI (``tianyan tune``), the ``rules_whatif`` DAG and the
plugin's tune page call it. A model given as a path to its ``<ID>.yaml`` (a new model, two files, not
yet in the registry or not enabled) is tried the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tianyan.registry.models import OUTPUT_COLUMNS, ModelSpec, config_overrides, load_model, load_models
from tianyan.scoring import rulesettings
from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)

GROUPS = ("added", "removed", "unchanged")
DECIDED = ("CONFIRMED", "PARTLY_CONFIRMED", "NO_ISSUE")

# The proposal's hits as alerts (one row per alert id, the larger amount kept, as scoring does).
Q_HITS = """
insert into whatif.hit (proposal_id, alert_id, subject_kind, subject_id, evidence_key, region_code, unit_code,
    amount, evidence)
select distinct on (x.alert_id)
    :proposal_id, x.alert_id, x.subject_kind, x.subject_id, coalesce(x.evidence_key, ''), x.region_code,
    x.unit_code, x.amount, x.evidence
from (
    select md5(:model_id || '|' || h.subject_kind || '|' || h.subject_id || '|' || coalesce(h.evidence_key, ''))
        as alert_id, h.*
    from _whatif_hits as h
) as x
order by x.alert_id asc, x.amount desc nulls last
"""

# Live alerts of the model: not RESOLVED, and produced by its latest run (an alert closed by an
# outcome keeps its status when its evidence goes; its last_seen then stays behind).
Q_DIFF = """
with live as (
    select a.alert_id
    from alerts.alert as a
    where
        a.model_id = :model_id
        and a.status <> 'RESOLVED'
        and (cast(:live_as_of as date) is null or a.last_seen >= cast(:live_as_of as date))
),

proposed as (
    select h.alert_id, h.subject_kind, h.subject_id, h.region_code, h.unit_code, h.amount
    from whatif.hit as h
    where h.proposal_id = :proposal_id
),

both_sides as (
    select
        coalesce(p.alert_id, l.alert_id) as alert_id,
        case
            when l.alert_id is null then 'added'
            when p.alert_id is null then 'removed'
            else 'unchanged'
        end as grp,
        p.amount as proposed_amount
    from proposed as p
    full outer join live as l on p.alert_id = l.alert_id
)

select
    b.alert_id,
    b.grp,
    coalesce(a.subject_kind, p.subject_kind) as subject_kind,
    coalesce(a.subject_id, p.subject_id) as subject_id,
    coalesce(p.region_code, a.region_code) as region_code,
    coalesce(p.unit_code, a.unit_code) as unit_code,
    coalesce(b.proposed_amount, a.amount) as amount,
    a.status,
    a.outcome,
    a.amount_recovered
from both_sides as b
left join alerts.alert as a on b.alert_id = a.alert_id
left join proposed as p on b.alert_id = p.alert_id
order by b.grp, coalesce(b.proposed_amount, a.amount) desc nulls last, b.alert_id
"""


class WhatIfError(ValueError):
    pass


@dataclass
class Proposal:
    proposal_id: str
    model_id: str
    model_source: str
    overrides: dict
    params: dict
    as_of: dt.date
    settings_version: int
    summary: dict
    rows: list[dict] = field(default_factory=list)

    def precision(self, which: str = "proposed") -> float | None:
        return self.summary[which]["precision"]


def _stats(rows: list[dict]) -> dict:
    outcomes = {k: sum(1 for r in rows if r["outcome"] == k) for k in (*DECIDED, "DUPLICATE")}
    decided = sum(outcomes[k] for k in DECIDED)
    good = outcomes["CONFIRMED"] + outcomes["PARTLY_CONFIRMED"]
    return {"alerts": len(rows), "amount": float(sum(float(r["amount"] or 0) for r in rows)),
            "decided": decided, **{k.lower(): v for k, v in outcomes.items()},
            "recovered": float(sum(float(r["amount_recovered"] or 0) for r in rows)),
            "precision": round(good / decided, 4) if decided else None}


def summarise(rows: list[dict]) -> dict:
    """Counts, amounts, outcomes and estimated precision per group, for the live set
    (removed + unchanged) and for the proposal (added + unchanged)."""
    by = {g: [r for r in rows if r["grp"] == g] for g in GROUPS}
    return {**{g: _stats(by[g]) for g in GROUPS},
            "live": _stats(by["removed"] + by["unchanged"]),
            "proposed": _stats(by["added"] + by["unchanged"])}


def resolve_model(model: str | Path, models: dict[str, ModelSpec] | None = None) -> tuple[ModelSpec, str]:
    """A registry model id, or the path of a model's ``<ID>.yaml`` (its ``.sql`` beside it)."""
    text = str(model)
    if text.endswith(".yaml") or "/" in text:
        path = Path(text)
        if not path.exists():
            raise WhatIfError(f"model file {path} does not exist")
        return load_model(path, config_overrides()), str(path)
    models = models or load_models()
    if text not in models:
        raise WhatIfError(f"unknown model {text!r} (a new model: give the path of its <ID>.yaml)")
    return models[text], "registry"


def propose(model: str | Path, overrides: dict[str, Any], *, as_of: dt.date | None = None,
            url: str | None = None, proposed_by: str | None = None,
            models: dict[str, ModelSpec] | None = None) -> Proposal:
    """Score ``model`` with the settings in force plus ``overrides`` into ``whatif`` and diff it
    against the live alerts. As of the live alerts' date unless given (else today)."""
    spec, source = resolve_model(model, models)
    checked = rulesettings.check_overrides(spec, overrides)
    eng = get_engine(url)
    proposal_id = uuid.uuid4().hex[:12]
    with eng.begin() as conn:
        live_spec, version = rulesettings.effective(conn, spec)
        trial = rulesettings.with_params(live_spec, checked)
        live_as_of = rulesettings.last_as_of(conn, spec.id)
        day = as_of or live_as_of or dt.date.today()
        params = {**trial.params, "as_of": day}
        conn.execute(sa.text("drop table if exists _whatif_hits"))
        try:
            conn.execute(sa.text(f"create temp table _whatif_hits on commit drop as "
                                 f"{trial.sql.rstrip().rstrip(';')}"), params)
        except sa.exc.DBAPIError as exc:
            raise WhatIfError(f"model {spec.id} failed with these parameters: "
                              f"{str(exc.orig).splitlines()[0]}") from None
        cols = [r[0] for r in conn.execute(sa.text(
            "select attname from pg_attribute where attrelid = '_whatif_hits'::regclass and attnum > 0 "
            "and not attisdropped order by attnum"))]
        if tuple(cols) != OUTPUT_COLUMNS:
            raise WhatIfError(f"{spec.id} returns columns {cols}, expected {list(OUTPUT_COLUMNS)}")
        conn.execute(sa.text(
            "insert into whatif.proposal (proposal_id, model_id, model_source, overrides, params, as_of, "
            "settings_version, proposed_by, summary) values (:p, :m, :src, cast(:o as jsonb), cast(:params as jsonb), "
            ":d, :v, coalesce(:by, current_user), '{}')"),
            {"p": proposal_id, "m": spec.id, "src": source, "o": json.dumps(checked),
             "params": json.dumps(trial.params, default=str), "d": day, "v": version, "by": proposed_by})
        conn.execute(sa.text(Q_HITS), {"proposal_id": proposal_id, "model_id": spec.id})
        rows = [dict(r._mapping) for r in conn.execute(sa.text(Q_DIFF), {
            "proposal_id": proposal_id, "model_id": spec.id,
            # a model scored for this date before: its live alerts are those of its latest run
            "live_as_of": live_as_of})]
        summary = summarise(rows)
        conn.execute(sa.text("update whatif.proposal set summary = cast(:s as jsonb) where proposal_id = :p"),
                     {"s": json.dumps(summary), "p": proposal_id})
    log.info("what-if %s %s %s as of %s: %s", proposal_id, spec.id, checked, day,
             {g: summary[g]["alerts"] for g in GROUPS})
    return Proposal(proposal_id, spec.id, source, checked, trial.params, day, version, summary, rows)


def load_proposal(proposal_id: str, url: str | None = None) -> dict | None:
    with get_engine(url).connect() as conn:
        row = conn.execute(sa.text("select * from whatif.proposal where proposal_id = :p"),
                           {"p": proposal_id}).first()
    return None if row is None else dict(row._mapping)


def mask_subject(kind: str | None, subject: str | None) -> str:
    """Subjects as the masked marts show them (person ids cut to their region; other personal kinds hidden)."""
    if subject is None:
        return ""
    k = (kind or "").lower()
    if k == "person":
        return subject[:6] + "*" * 12
    if k in ("household", "bank_account", "vehicle"):
        return "***"
    return subject
