"""Plugin pages of issue 17, mounted by plugins/tianyan_plugin.py (``router``):

- ``/panorama`` (city) -> ``/panorama/district/{code}`` -> ``/panorama/unit/{code}`` ->
  ``/panorama/unit/{code}/alerts``: alerts open and closed by domain over time, the risk index trend
  (90 days), outcomes (confirmed share, money recovered), top models; charts drawn by the vendored
  Vega (``/static/...``, same origin, ``script-src 'self'``, no eval);
- ``/tune``: what-if scoring of a model with proposed parameters (``/tune/proposal/{id}`` shows the
  diff), apply (rules owners only), ``/rules``: the settings history and rollback.

Every value is escaped (html.escape; chart data as escaped JSON, drawn as text by Vega). Forms post
only to this origin (``form-action 'self'``; a POST whose Origin is another site is refused). Who
may apply, and who sees a unit's alerts, is decided by the PostgreSQL group roles of the login with
the Airflow user's name (0004_roles.sql, 0016_rule_settings.sql).
"""


import datetime as dt
import logging
from html import escape
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

log = logging.getLogger(__name__)

PREFIX = "/tianyan"
STATIC = Path(__file__).parent / "static"
CHART_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
FORM_CSP = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
STYLE = ("<style>body{font-family:system-ui,sans-serif;margin:20px;color:#222;max-width:1150px}table{border-collapse:"
         "collapse;font-size:13px;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}"
         ".num{text-align:right}.bad{color:#b00020;font-weight:600}.ok{color:#1b7f3b;font-weight:600}"
         ".muted{color:#777}.kpi{display:inline-block;margin-right:28px}.kpi b{display:block;font-size:22px}"
         "input,select{margin:2px 6px 2px 0}</style>")
VENDOR = ("vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js", "vendor/vega-interpreter.js",
          "panorama.js")
SEE_ALERTS = ("tianyan_engineer", "tianyan_investigator", "tianyan_rules_owner")


def page(title: str, body: str, *, csp: str, scripts: bool = False) -> HTMLResponse:
    tail = "".join(f'<script src="{PREFIX}/static/{s}"></script>' for s in VENDOR) if scripts else ""
    html = (f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title>{STYLE}</head><body>'
            f'<p><a href="{PREFIX}/">Tianyan</a> · <a href="{PREFIX}/panorama">Panorama</a> · '
            f'<a href="{PREFIX}/tune">Tune a rule</a> · <a href="{PREFIX}/rules">Rule settings history</a></p>'
            f"<h1>{escape(title)}</h1>{body}{tail}</body></html>")
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


def _table(header: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset()) -> str:
    """Cells are given escaped (or as our own markup)."""
    if not rows:
        return '<p class="muted">none</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _e(v) -> str:
    return "" if v is None else escape(str(v))


def _money(v) -> str:
    return f"{float(v or 0):,.0f}"


def _pct(v) -> str:
    return "n/a" if v is None else f"{float(v):.0%}"


def _same_origin(request: Request) -> None:
    """Cross-site request forgery: a browser names the page a POST comes from; it must be this site."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(status_code=403, detail="cross-site form post refused")


async def _form(request: Request) -> dict[str, str]:
    _same_origin(request)
    body = (await request.body()).decode("utf-8", "replace")
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _member(conn, login: str, roles: tuple[str, ...]) -> bool:
    import sqlalchemy as sa

    exists = conn.execute(sa.text("select 1 from pg_roles where rolname = :r"), {"r": login}).scalar()
    return bool(exists) and any(conn.execute(sa.text("select pg_has_role(:r, :g, 'member')"),
                                             {"r": login, "g": g}).scalar() for g in roles)


# ---- panorama ------------------------------------------------------------------------------------


def _panorama_page(level: str, code: str | None, as_of: str | None) -> HTMLResponse:
    from tianyan.panorama import charts, data
    from tianyan.warehouse.conn import engine

    with engine().connect() as conn:
        day = dt.date.fromisoformat(as_of) if as_of else data.latest_as_of(conn)
        if day is None:
            return page("Panorama", '<p class="muted">no risk index yet (the scoring DAG refreshes the marts)</p>',
                        csp=CHART_CSP)
        s = data.scope(conn, level, code, day)
        got = data.panorama(conn, s)
    label = {"city": "City", "district": "District", "unit": "Unit"}[level]
    title = f"{label} panorama {s.name or code or ''} {day}".replace("  ", " ")
    crumbs = [f'<a href="{PREFIX}/panorama?as_of={day}">city</a>']
    if level == "unit" and s.district_code:
        crumbs.append(f'<a href="{PREFIX}/panorama/district/{escape(s.district_code)}?as_of={day}">district '
                      f"{escape(s.district_code)}</a>")
    if level != "city":
        crumbs.append(escape(f"{level} {code}"))
    risk = got["risk"]
    window = (day - dt.timedelta(days=data.TREND_DAYS - 1), day)
    kpis = (f'<div><span class="kpi"><b>{_e(risk[-1].risk_index if risk else "n/a")}</b>risk index</span>'
            f'<span class="kpi"><b>{sum(r.open_alerts for r in got["outcomes"])}</b>open alerts</span>'
            f'<span class="kpi"><b>{_pct(_share(got["outcomes"]))}</b>confirmed share</span>'
            f'<span class="kpi"><b>{_money(sum(r.amount_recovered for r in got["outcomes"]))}</b>recovered</span>'
            f'<span class="kpi"><b>{len(risk)}</b>days of risk index (window {data.TREND_DAYS})</span></div>')
    body = [f'<p>{" → ".join(crumbs)}</p>', kpis,
            "<h2>Risk index, last 90 days</h2>",
            charts.embed(charts.lines(risk, "as_of", "risk_index", None, "Risk index", y_title="risk index",
                                      days=window),
                         "chart-risk"),
            "<h2>Alerts open and closed by domain</h2>",
            charts.embed(charts.lines(got["states"], "day", "alerts", "domain", "Alerts by domain (line style: open or closed)",
                                      y_title="alerts", dash="state", days=window), "chart-states"),
            "<h2>Outcomes</h2>",
            charts.embed(charts.bar([r for r in got["outcomes"] if r.decided], "domain", "confirmed_share",
                                    "Confirmed share of decided alerts", fmt=".0%"), "chart-outcomes"),
            _table(["domain", "alerts", "open", "decided", "confirmed", "confirmed share", "flagged", "recovered"],
                   [[_e(r.domain), str(r.alerts), str(r.open_alerts), str(r.decided), str(r.confirmed),
                     _pct(r.confirmed_share), _money(r.amount_flagged), _money(r.amount_recovered)]
                    for r in got["outcomes"]], frozenset({1, 2, 3, 4, 5, 6, 7})),
            "<h2>Top models</h2>",
            charts.embed(charts.bar(got["top_models"], "model", "alerts", "Alerts per model (top 10)"),
                         "chart-models")]
    if level == "city":
        body += ["<h2>Districts</h2>", _table(["district", "name", "risk index", "open alerts", "change 7d"], [
            [f'<a href="{PREFIX}/panorama/district/{escape(r.code)}?as_of={day}">{escape(r.code)}</a>', _e(r.name),
             _e(r.risk_index), _e(r.open_alerts), _e(r.change_7d)] for r in got["children"]], frozenset({2, 3, 4}))]
    elif level == "district":
        body += ["<h2>Units</h2>", _table(["unit", "name", "kind", "risk index", "open alerts", "change 7d"], [
            [f'<a href="{PREFIX}/panorama/unit/{escape(r.code)}?as_of={day}">{escape(r.code)}</a>', _e(r.name),
             _e(r.unit_kind), _e(r.risk_index), _e(r.open_alerts), _e(r.change_7d)] for r in got["children"]],
            frozenset({3, 4, 5}))]
    else:
        body.append(f'<p><a href="{PREFIX}/panorama/unit/{escape(code or "")}/alerts">the unit\'s alerts</a> '
                    '(engineers, investigators of its region, rules owners)</p>')
    return page(title, "".join(body), csp=CHART_CSP, scripts=True)


def _share(outcomes) -> float | None:
    decided = sum(r.decided for r in outcomes)
    return sum(r.confirmed for r in outcomes) / decided if decided else None


# ---- tune / rules --------------------------------------------------------------------------------


def _tune_form(model_id: str) -> str:
    import sqlalchemy as sa

    from tianyan.registry.models import load_models
    from tianyan.scoring import rulesettings
    from tianyan.warehouse.conn import engine

    models = load_models()
    if model_id not in models:
        raise HTTPException(status_code=404, detail="unknown model")
    with engine().connect() as conn:
        live, version = rulesettings.effective(conn, models[model_id])
        last = conn.execute(sa.text("select max(as_of) from alerts.scoring_runs where model_id = :m"),
                            {"m": model_id}).scalar()
    options = "".join(f'<option value="{escape(m)}"{" selected" if m == model_id else ""}>{escape(m)} '
                      f"{escape(models[m].title_en)}</option>" for m in models)
    params = "".join(
        f'<label>{escape(k)} (file {escape(str(models[model_id].params[k]))}, in force {escape(str(v))}) '
        f'<input name="p.{escape(k)}" value="{escape(str(v))}"></label><br>' for k, v in live.params.items()) \
        or '<p class="muted">this model has no parameters</p>'
    return (f'<form method="get" action="{PREFIX}/tune"><select name="model">{options}</select>'
            '<button type="submit">choose</button></form>'
            f"<h2>{escape(model_id)} {escape(models[model_id].title_en)}</h2>"
            f'<p class="muted">settings version in force: {version}; live alerts as of {_e(last)}</p>'
            f'<form method="post" action="{PREFIX}/tune/whatif"><input type="hidden" name="model" '
            f'value="{escape(model_id)}">{params}<label>as of <input name="as_of" placeholder="YYYY-MM-DD" '
            f'value=""></label><br><button type="submit">what if?</button></form>')


def _proposal_body(proposal_id: str, user: str) -> str:
    import sqlalchemy as sa

    from tianyan.scoring import rulesettings, whatif
    from tianyan.warehouse.conn import engine

    prop = whatif.load_proposal(proposal_id)
    if prop is None:
        raise HTTPException(status_code=404, detail="no such proposal")
    with engine().connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text(whatif.Q_DIFF), {
            "proposal_id": proposal_id, "model_id": prop["model_id"],
            "live_as_of": rulesettings.last_as_of(conn, prop["model_id"])})]
        owner = _member(conn, user, (rulesettings.OWNER_ROLE,))
    s = prop["summary"]
    summary = _table(["set", "alerts", "amount", "decided", "confirmed", "partly", "no issue", "duplicate",
                      "recovered", "estimated precision"], [
        [g, str(s[g]["alerts"]), _money(s[g]["amount"]), str(s[g]["decided"]), str(s[g]["confirmed"]),
         str(s[g]["partly_confirmed"]), str(s[g]["no_issue"]), str(s[g]["duplicate"]), _money(s[g]["recovered"]),
         _pct(s[g]["precision"])] for g in (*whatif.GROUPS, "live", "proposed")], frozenset(range(1, 10)))
    lists = []
    for g in ("added", "removed", "unchanged"):
        mine = [r for r in rows if r["grp"] == g]
        lists.append(f"<h3>{g} ({len(mine)})</h3>" + _table(
            ["alert", "subject", "region", "unit", "amount", "status", "outcome"],
            [[_e(r["alert_id"][:12]), _e(whatif.mask_subject(r["subject_kind"], r["subject_id"])), _e(r["region_code"]),
              _e(r["unit_code"]), _money(r["amount"]), _e(r["status"]), _e(r["outcome"])] for r in mine[:100]],
            frozenset({4})))
    if owner:
        action = (f'<form method="post" action="{PREFIX}/tune/apply"><input type="hidden" name="proposal_id" '
                  f'value="{escape(proposal_id)}"><label>reason <input name="reason" size="60" required></label>'
                  f'<button type="submit">apply as a new settings version</button></form>')
    else:
        action = (f'<p class="muted">{escape(user)} may propose; only members of tianyan_rules_owner apply.</p>')
    return (f"<p>model <b>{_e(prop['model_id'])}</b> ({_e(prop['model_source'])}) as of {_e(prop['as_of'])}: "
            f"settings version {_e(prop['settings_version'])} + <code>{_e(prop['overrides'])}</code>, proposed by "
            f"{_e(prop['proposed_by'])} at {_e(prop['proposed_at'])}</p>{summary}"
            '<p class="muted">estimated precision: confirmed + partly confirmed among the decided alerts '
            "(investigators' outcomes, discipline.alert_dispositions)</p>" + action + "".join(lists))


def _history_body(user: str, message: str = "") -> str:
    from tianyan.scoring import rulesettings
    from tianyan.warehouse.conn import engine

    with engine().connect() as conn:
        owner = _member(conn, user, (rulesettings.OWNER_ROLE,))
        latest, _ = rulesettings.current(conn)
    rows = []
    for v in rulesettings.history():
        what = "; ".join(f"{c['model_id']}.{c['param']}: {c['old'] if c['old'] is not None else '(file)'} → "
                         f"{c['new'] if c['new'] is not None else '(file)'}" for c in v.changes)
        action = v.action if v.rollback_to is None else f"rollback to {v.rollback_to}"
        rows.append([str(v.version), _e(action), _e(v.changed_by), _e(v.changed_at.isoformat(timespec="seconds")),
                     _e(what), _e(v.reason)])
    roll = ""
    if owner and latest:
        opts = "".join(f'<option value="{v}">{v}</option>' for v in range(latest - 1, -1, -1))
        roll = (f'<form method="post" action="{PREFIX}/rules/rollback"><label>roll back to version <select '
                f'name="version">{opts}</select></label><label> reason <input name="reason" size="50" required>'
                '</label><button type="submit">roll back</button></form>')
    return (message + f"<p>in force: version {latest} (0 = the files' defaults)</p>" + roll
            + _table(["version", "action", "by", "when", "changes", "reason"], rows))


def _runs_body(model_id: str | None = None) -> str:
    import sqlalchemy as sa

    from tianyan.warehouse.conn import engine

    with engine().connect() as conn:
        rows = conn.execute(sa.text(
            "select run_id, model_id, as_of, status, hits, alerts_new, alerts_resolved, settings_version, params, "
            "started_at from alerts.scoring_runs where (cast(:m as text) is null or model_id = :m) "
            "order by run_id desc limit 15"), {"m": model_id}).all()
    return "<h2>Latest scoring runs</h2>" + _table(
        ["run", "model", "as of", "status", "hits", "new", "resolved", "settings version", "params", "started"],
        [[str(r.run_id), _e(r.model_id), _e(r.as_of), _e(r.status), _e(r.hits), _e(r.alerts_new),
          _e(r.alerts_resolved), _e(r.settings_version), _e(r.params), _e(r.started_at)] for r in rows])


def build_router(get_user) -> APIRouter:
    router = APIRouter()
    User = Annotated[Any, Depends(get_user)]  # noqa: N806 - evaluated here (no postponed annotations in this module)

    @router.get("/static/{rest:path}")
    def static(rest: str):
        target = (STATIC / rest).resolve()
        if not target.is_relative_to(STATIC.resolve()) or not target.is_file() or target.suffix != ".js":
            raise HTTPException(status_code=404)
        return FileResponse(target, media_type="text/javascript")

    @router.get("/panorama", response_class=HTMLResponse)
    def city(as_of: str | None = None):
        return _panorama_page("city", None, _day(as_of))

    @router.get("/panorama/district/{code}", response_class=HTMLResponse)
    def district(code: str, as_of: str | None = None):
        return _panorama_page("district", code, _day(as_of))

    @router.get("/panorama/unit/{code}", response_class=HTMLResponse)
    def unit(code: str, as_of: str | None = None):
        return _panorama_page("unit", code, _day(as_of))

    @router.get("/panorama/unit/{code}/alerts", response_class=HTMLResponse)
    def unit_alerts(code: str, user: User):
        import sqlalchemy as sa

        from tianyan.panorama import data
        from tianyan.scoring.whatif import mask_subject
        from tianyan.warehouse.conn import engine

        login = user.get_name()
        with engine().connect() as conn:
            if not _member(conn, login, SEE_ALERTS):
                return page("Alerts", f'<p class="bad">{escape(login)} may not see single alerts (engineers, '
                                      "investigators and rules owners may)</p>", csp=FORM_CSP)
            prefixes = None
            if not _member(conn, login, ("tianyan_engineer", "tianyan_rules_owner")):
                prefixes = list(conn.execute(sa.text(
                    "select region_prefix from alerts.investigator_region where login = :u"), {"u": login}).scalars())
            rows = data.unit_alerts(conn, code, prefixes)
        body = _table(["alert", "model", "domain", "severity", "status", "subject", "first seen", "amount", "outcome",
                       "recovered"],
                      [[_e(r.alert_id[:12]), _e(r.model_id), _e(r.domain), _e(r.severity), _e(r.status),
                        _e(mask_subject(r.subject_kind, r.subject_id)), _e(r.first_seen), _money(r.amount),
                        _e(r.outcome), _money(r.amount_recovered)] for r in rows], frozenset({7, 9}))
        return page(f"Alerts of unit {code}", f'<p><a href="{PREFIX}/panorama/unit/{escape(code)}">back to the unit'
                    f"</a></p>{body}", csp=FORM_CSP)

    @router.get("/tune", response_class=HTMLResponse)
    def tune(model: str = "SA02"):
        return page("Tune a rule (what-if)", _tune_form(model), csp=FORM_CSP)

    @router.post("/tune/whatif")
    async def tune_whatif(request: Request, user: User):
        from tianyan.scoring import rulesettings, whatif

        form = await _form(request)
        model = form.get("model", "")
        try:
            overrides = dict(rulesettings.parse_assignment(f"{k[2:]}={v}") for k, v in form.items()
                             if k.startswith("p."))
            spec, _ = whatif.resolve_model(model)
            live = {k: v for k, v in overrides.items() if str(spec.params.get(k)) != str(v)}
            as_of = dt.date.fromisoformat(form["as_of"]) if form.get("as_of") else None
            p = whatif.propose(model, live, as_of=as_of, proposed_by=user.get_name())
        except (ValueError, rulesettings.SettingsError, whatif.WhatIfError) as exc:
            return page("What-if refused", f'<p class="bad">{escape(str(exc))}</p>', csp=FORM_CSP)
        return RedirectResponse(f"{PREFIX}/tune/proposal/{p.proposal_id}", status_code=303)

    @router.get("/tune/proposal/{proposal_id}", response_class=HTMLResponse)
    def proposal(proposal_id: str, user: User):
        return page(f"What-if {proposal_id}", _proposal_body(proposal_id, user.get_name()), csp=FORM_CSP)

    @router.post("/tune/apply")
    async def tune_apply(request: Request, user: User):
        from tianyan.scoring import rulesettings, whatif

        form = await _form(request)
        prop = whatif.load_proposal(form.get("proposal_id", ""))
        if prop is None:
            raise HTTPException(status_code=404, detail="no such proposal")
        try:
            done = rulesettings.apply(prop["model_id"], prop["overrides"], form.get("reason", ""),
                                      actor=user.get_name(), as_of=prop["as_of"], proposal_id=prop["proposal_id"])
        except (rulesettings.SettingsError, rulesettings.NotRulesOwner) as exc:
            return page("Apply refused", f'<p class="bad">{escape(str(exc))}</p>', csp=FORM_CSP)
        msg = (f'<p class="ok">applied as version {done.version}; re-scored: '
               + escape(", ".join(f"{r.model_id} {r.status} ({r.hits} hits, {r.alerts_new} new)" for r in done.rescored)
                        or "nothing (the model was never scored)") + "</p>")
        return page("Rule settings", _history_body(user.get_name(), msg) + _runs_body(prop["model_id"]),
                    csp=FORM_CSP)

    @router.get("/rules", response_class=HTMLResponse)
    def rules(user: User, model: str | None = None):  # ?model=SA02: that model's runs only
        return page("Rule settings", _history_body(user.get_name()) + _runs_body(model or None), csp=FORM_CSP)

    @router.post("/rules/rollback")
    async def rules_rollback(request: Request, user: User):
        from tianyan.scoring import rulesettings

        form = await _form(request)
        try:
            done = rulesettings.rollback(int(form.get("version", "-1")), form.get("reason", ""),
                                         actor=user.get_name())
        except (ValueError, rulesettings.SettingsError, rulesettings.NotRulesOwner) as exc:
            return page("Rollback refused", f'<p class="bad">{escape(str(exc))}</p>', csp=FORM_CSP)
        msg = f'<p class="ok">rolled back as version {done.version}</p>'
        return page("Rule settings", _history_body(user.get_name(), msg) + _runs_body(), csp=FORM_CSP)

    return router


def _day(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise HTTPException(status_code=404, detail="not a date") from None
