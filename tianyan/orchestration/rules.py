"""The ``rules_whatif`` DAG: what-if scoring of a model with proposed parameters, from a Param form
(model, overrides, as-of date), and optionally applying the proposal as a new rule settings version.

Manual only (no schedule). The logic is tianyan.scoring.whatif / rulesettings, shared with
``tianyan tune`` and the plugin's tune page; this module only wires the tasks. Applying names the
user who triggered the run (``dag_run.triggering_user_name``): that login must be a member of the
PostgreSQL group role ``tianyan_rules_owner``, else the apply task fails with the reason.
"""

from __future__ import annotations

import logging

from tianyan.orchestration.common import RULES_WHATIF_DAG_ID, default_args
from tianyan.registry.models import load_models

log = logging.getLogger(__name__)
DAG_ID = RULES_WHATIF_DAG_ID


def doc_md() -> str:
    return (
        "# What-if scoring of a rule\n\nTrigger with the form: a model, parameter overrides as JSON "
        "(e.g. `{\"car_price_min\": 30000}`) and optionally an as-of date (default: the date of the model's live "
        "alerts). The `whatif` task scores the model into the scratch schema `whatif` (never into "
        "`alerts.alert` or `alerts.scoring_runs`) and logs the alerts it would add, remove and keep, with "
        "amounts, the investigators' recorded outcomes and the estimated precision. With `apply` ticked and a "
        "`reason`, the `apply` task records the values as a new version of `alerts.rule_settings` and "
        "re-scores the model at once; only members of the `tianyan_rules_owner` role may apply (your Airflow "
        "login is checked). History and rollback: `tianyan rules history`, `tianyan rules rollback N`, or the "
        "plugin page Tianyan -> Rules."
    )


def log_proposal(p) -> None:
    s = p.summary
    log.info("what-if %s: %s as of %s, settings version %s + %s", p.proposal_id, p.model_id, p.as_of,
             p.settings_version, p.overrides)
    for g in ("added", "removed", "unchanged", "live", "proposed"):
        x = s[g]
        log.info("%-9s %5d alert(s), amount %14.2f, decided %d (confirmed %d, partly %d, no issue %d), "
                 "estimated precision %s", g, x["alerts"], x["amount"], x["decided"], x["confirmed"],
                 x["partly_confirmed"], x["no_issue"], "n/a" if x["precision"] is None else f"{x['precision']:.0%}")
    for r in [r for r in p.rows if r["grp"] in ("added", "removed")][:200]:
        log.info("%s %s %s unit %s amount %s outcome %s", r["grp"], r["alert_id"], r["region_code"],
                 r["unit_code"], r["amount"], r["outcome"])


def build_rules_dag():
    from airflow.sdk import DAG, Param, task

    ids = sorted(load_models())
    with DAG(
        dag_id=DAG_ID,
        description="What-if scoring of a model with proposed parameters; apply as a rule settings version",
        schedule=None,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(owner="supervision-models"),
        tags=["scoring", "rules"],
        doc_md=doc_md(),
        params={
            "model": Param("SA02", type="string", enum=ids, description="Model to try"),
            "overrides": Param({}, type="object", description='Parameters to change, e.g. {"car_price_min": 30000}'),
            "as_of": Param(None, type=["null", "string"], format="date",
                           description="Score as of (default: the live alerts' date)"),
            "apply": Param(False, type="boolean", description="Apply as a new rule settings version (rules owners)"),
            "reason": Param(None, type=["null", "string"], description="Why (required to apply)"),
        },
    ) as dag:

        @task
        def whatif(**context) -> dict:
            import datetime as dt

            from tianyan.scoring.whatif import propose

            p = context["params"]
            day = dt.date.fromisoformat(p["as_of"]) if p.get("as_of") else None
            user = getattr(context["dag_run"], "triggering_user_name", None)
            got = propose(p["model"], dict(p.get("overrides") or {}), as_of=day, proposed_by=user)
            log_proposal(got)
            return {"proposal_id": got.proposal_id, "model_id": got.model_id, "as_of": got.as_of.isoformat(),
                    "overrides": got.overrides, "summary": got.summary}

        @task
        def apply(proposal: dict, **context) -> dict:
            import datetime as dt

            from airflow.sdk.exceptions import AirflowSkipException

            from tianyan.scoring import rulesettings

            p = context["params"]
            if not p.get("apply"):
                raise AirflowSkipException("not applied (tick `apply` and give a reason to apply)")
            user = getattr(context["dag_run"], "triggering_user_name", None)
            if not user:
                raise rulesettings.NotRulesOwner("this run names no triggering user; apply from the form")
            done = rulesettings.apply(proposal["model_id"], proposal["overrides"], p.get("reason") or "",
                                      actor=user, as_of=dt.date.fromisoformat(proposal["as_of"]),
                                      proposal_id=proposal["proposal_id"])
            log.info("applied as rule settings version %d: %s; re-scored %s", done.version, done.changes,
                     [(r.model_id, r.status, r.hits) for r in done.rescored])
            return {"version": done.version, "changes": done.changes}

        apply(whatif())
    return dag
