"""Airflow 3 UI plugin: Tianyan's daily report, GX Data Docs, feed health and department pages.

A FastAPI app mounted by the Airflow API server under /tianyan, plus external views so the pages
appear in the UI's navigation ("Tianyan" menu, shown inside the UI in an iframe) and as a tab on
every DAG (its department's page). Pages are read-only.

Airflow does not authenticate plugin FastAPI apps (a mounted app inherits none of the core API's
dependencies), and the Data Docs pages show samples of refused values, i.e. personal ids. So every
route here requires an authenticated Airflow user: the UI's session cookie (the pages open inside
the UI) or an ``Authorization: Bearer`` token from ``POST /auth/token``, checked by the configured
auth manager through Airflow's own ``get_user`` dependency. Anonymous requests get 401.

Nothing a department delivers may run in a browser here: every value in these pages is escaped, the
Data Docs pages are masked and sanitised when they are built (tianyan.ingest.data_docs), and every
response carries a Content-Security-Policy that forbids inline script (Data Docs may load only their
own same-origin script and stylesheets; the other pages no script at all).
"""

from __future__ import annotations

import datetime as dt
import logging
from html import escape
from pathlib import Path

from airflow.api_fastapi.core_api.security import requires_authenticated
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

log = logging.getLogger(__name__)
URL_PREFIX = "/tianyan"

STYLE = ("<style>body{font-family:system-ui,sans-serif;margin:20px;color:#222}table{border-collapse:collapse;"
         "font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}.bad{color:#b00020;"
         "font-weight:600}.muted{color:#777}</style>")


# Pages of this plugin and the daily report: no script at all; their styles are inline <style> blocks.
PAGE_CSP = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
# Data Docs: their own script and stylesheets from the same origin, nothing inline.
DATA_DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "font-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'none'; "
                 "frame-ancestors 'self'")


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title>{STYLE}'
                        f'</head><body><p><a href="{URL_PREFIX}/">Tianyan</a></p><h1>{escape(title)}</h1>{body}'
                        f"</body></html>")


def _state_dir() -> Path:
    from tianyan import paths

    return Path(paths.STATE_DIR)


def _report_dir() -> Path:
    return _state_dir() / "reports"


def _health_rows(department: str | None = None) -> tuple[str | None, list]:
    """Latest day of marts.feed_health (optionally one department); (None, []) when unavailable."""
    import sqlalchemy as sa

    from tianyan.warehouse.conn import engine

    with engine().connect() as conn:
        as_of = conn.execute(sa.text("select max(as_of) from marts.feed_health")).scalar()
        if as_of is None:
            return None, []
        rows = conn.execute(sa.text(
            "select feed_id, cadence, freshness, last_delivery_date, last_status, last_loaded_date, "
            "days_since_loaded, quarantined_share_30d, delivered_30d, loaded_30d, last_reason "
            "from marts.feed_health where as_of = :d and (cast(:dept as text) is null or department = :dept) "
            "order by feed_id"), {"d": as_of, "dept": department}).all()
    return str(as_of), rows


def _health_table(rows: list) -> str:
    if not rows:
        return '<p class="muted">no feed health recorded yet (the scoring DAG refreshes it)</p>'
    head = ("<tr><th>feed</th><th>cadence</th><th>state</th><th>last delivery</th><th>status</th>"
            "<th>last loaded</th><th>days since</th><th>quarantined 30d</th><th>delivered 30d</th>"
            "<th>loaded 30d</th><th>reason</th></tr>")
    body = "".join(
        f"<tr><td>{escape(r.feed_id)}</td><td>{escape(r.cadence)}</td>"
        f'<td class="{"" if r.freshness == "OK" else "bad"}">{escape(r.freshness)}</td>'
        f"<td>{escape(str(r.last_delivery_date or ''))}</td><td>{escape(r.last_status or '')}</td>"
        f"<td>{escape(str(r.last_loaded_date or ''))}</td><td>{escape(str(r.days_since_loaded or ''))}</td>"
        f"<td>{'' if r.quarantined_share_30d is None else f'{float(r.quarantined_share_30d):.1%}'}</td>"
        f"<td>{r.delivered_30d}</td><td>{r.loaded_30d}</td><td>{escape((r.last_reason or '')[:160])}</td></tr>"
        for r in rows)
    return f"<table>{head}{body}</table>"


def create_app() -> FastAPI:
    app = FastAPI(title="Tianyan", description="Daily report, data docs, feed health, departments",
                  dependencies=[Depends(requires_authenticated())])

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        docs = request.url.path.removeprefix(request.scope.get("root_path", "")).startswith("/data_docs/")
        if "content-security-policy" not in response.headers:  # pages with charts or forms set their own
            response.headers["Content-Security-Policy"] = DATA_DOCS_CSP if docs else PAGE_CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        from tianyan.registry import load_feeds

        depts = sorted({f.department for f in load_feeds().values()})
        links = "".join(f'<li><a href="{URL_PREFIX}/departments/{escape(d)}">{escape(d)}</a></li>' for d in depts)
        return _page("Tianyan", f'<ul><li><a href="{URL_PREFIX}/report">Daily report (latest)</a></li>'
                                f'<li><a href="{URL_PREFIX}/data_docs/">Great Expectations Data Docs</a></li>'
                                f'<li><a href="{URL_PREFIX}/feeds">Feed health</a></li>'
                                f'<li><a href="{URL_PREFIX}/panorama">Panorama</a></li>'
                                f'<li><a href="{URL_PREFIX}/tune">Tune a rule</a> · <a href="{URL_PREFIX}/rules">'
                                f"rule settings</a></li></ul>"
                                f"<h2>Departments</h2><ul>{links}</ul>")

    @app.get("/report")
    def latest_report():
        folder = _report_dir()
        latest = folder / "latest.html"
        if not latest.exists():
            dated = sorted(folder.glob("tianyan-report-*.html")) if folder.exists() else []
            if not dated:
                return _page("Daily report", '<p class="muted">no report written yet</p>')
            latest = dated[-1]
        return FileResponse(latest, media_type="text/html")

    @app.get("/report/{day}")
    def report_for(day: str):
        try:
            d = dt.date.fromisoformat(day)
        except ValueError:
            raise HTTPException(status_code=404, detail="not a date") from None
        path = _report_dir() / f"tianyan-report-{d.isoformat()}.html"
        if not path.exists():
            raise HTTPException(status_code=404, detail=f"no report for {d}")
        return FileResponse(path, media_type="text/html")

    @app.get("/data_docs/{rest:path}")
    def data_docs(rest: str = ""):
        root = (_state_dir() / "data_docs").resolve()
        target = (root / (rest or "index.html")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root):  # no escaping the docs folder with ../
            raise HTTPException(status_code=404)
        if not target.exists():
            if not rest or rest == "index.html":
                return _page("Data Docs", '<p class="muted">no Great Expectations Data Docs built yet</p>')
            raise HTTPException(status_code=404)
        return FileResponse(target)

    @app.get("/data_docs")
    def data_docs_root():
        return RedirectResponse(f"{URL_PREFIX}/data_docs/")

    @app.get("/feeds", response_class=HTMLResponse)
    def feeds() -> HTMLResponse:
        try:
            as_of, rows = _health_rows()
        except Exception as exc:  # noqa: BLE001 - the page says why instead of a 500
            log.warning("feed health unavailable: %s", exc)
            return _page("Feed health", f'<p class="bad">warehouse unavailable: {escape(type(exc).__name__)}</p>')
        return _page(f"Feed health {as_of or ''}".strip(), _health_table(rows))

    @app.get("/departments/{department}", response_class=HTMLResponse)
    def department_page(department: str) -> HTMLResponse:
        import yaml

        from tianyan import paths
        from tianyan.registry import load_feeds

        feeds = [f for f in load_feeds().values() if f.department == department]
        if not feeds:
            raise HTTPException(status_code=404, detail=f"unknown department {department!r}")
        spec = yaml.safe_load((paths.SPEC_DIR / "feeds.yaml").read_text(encoding="utf-8")) or {}
        names = (spec.get("departments") or {}).get(department) or {}
        title = f"{names.get('zh', '')} {names.get('en', department)}".strip()
        feed_list = "".join(
            f"<tr><td>{escape(f.id)}</td><td>{escape(f.title)}</td><td>{escape(f.delivery.transport)}</td>"
            f"<td>{escape(f.delivery.mode)}</td><td>{escape(f.delivery.cadence)}</td>"
            f'<td><a href="{URL_PREFIX}/data_docs/">data docs</a></td></tr>' for f in feeds)
        try:
            as_of, rows = _health_rows(department)
            health = f"<h2>Feed health {escape(as_of or '')}</h2>{_health_table(rows)}"
        except Exception as exc:  # noqa: BLE001
            health = f'<p class="bad">feed health unavailable: {escape(type(exc).__name__)}</p>'
        body = (f'<p>DAG: <a href="/dags/dept_{escape(department)}">dept_{escape(department)}</a></p>'
                f"<h2>Feeds</h2><table><tr><th>feed</th><th>title</th><th>transport</th><th>mode</th>"
                f"<th>cadence</th><th></th></tr>{feed_list}</table>{health}")
        return _page(title, body)

    @app.get("/dags/{dag_id}")
    def dag_page(dag_id: str):
        """Target of the per-DAG tab: department DAGs go to their department, others to the index."""
        if dag_id.startswith("dept_"):
            return RedirectResponse(f"{URL_PREFIX}/departments/{dag_id.removeprefix('dept_')}")
        return RedirectResponse(f"{URL_PREFIX}/")

    from airflow.api_fastapi.core_api.security import get_user

    from tianyan.panorama.web import build_router

    app.include_router(build_router(get_user))  # panorama, tune (what-if), rule settings (issue 17)
    return app


app = create_app()


class TianyanPlugin(AirflowPlugin):
    name = "tianyan"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "Tianyan"}]
    # url_route: shown inside the Airflow UI (iframe) at /plugin/<url_route>; category groups the menu.
    external_views = [
        {"name": "Daily report", "href": f"{URL_PREFIX}/report", "url_route": "tianyan-report",
         "destination": "nav", "category": "Tianyan"},
        {"name": "Feed health", "href": f"{URL_PREFIX}/feeds", "url_route": "tianyan-feeds",
         "destination": "nav", "category": "Tianyan"},
        {"name": "Data Docs", "href": f"{URL_PREFIX}/data_docs/", "url_route": "tianyan-data-docs",
         "destination": "nav", "category": "Tianyan"},
        {"name": "Panorama", "href": f"{URL_PREFIX}/panorama", "url_route": "tianyan-panorama",
         "destination": "nav", "category": "Tianyan"},
        {"name": "Tune a rule", "href": f"{URL_PREFIX}/tune", "url_route": "tianyan-tune",
         "destination": "nav", "category": "Tianyan"},
        # A tab on every DAG page; the UI substitutes {DAG_ID}.
        {"name": "Department", "href": f"{URL_PREFIX}/dags/{{DAG_ID}}", "url_route": "tianyan-department",
         "destination": "dag"},
    ]
