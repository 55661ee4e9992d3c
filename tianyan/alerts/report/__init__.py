"""The daily report: one self-contained HTML page (inline SVG charts, no scripts, no network).

Its charts are Altair (Vega-Lite) charts rendered to SVG server-side (tianyan.panorama.charts), the
same as the panorama pages draw in the browser; the page links the reports of its previous days.

Read from the marts only (aggregates: no personal identifiers), so the page can be mailed or shown
in the Airflow UI without leaking anyone's data. ``write_report(as_of, out_dir)`` writes
``tianyan-report-<as_of>.html`` and refreshes ``latest.html`` beside it.
"""

from __future__ import annotations

import datetime as dt
import logging
from html import escape
from pathlib import Path

import sqlalchemy as sa

from tianyan import paths
from tianyan.panorama import charts
from tianyan.warehouse.conn import engine as get_engine

log = logging.getLogger(__name__)

REPORT_DIR = paths.STATE_DIR / "reports"
# The page runs no script and loads nothing: say so to the browser too, so a copy opened from disk or
# a mail cannot run any even if a value slipped through unescaped.
CSP = "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
TREND_DAYS = 90

Q_BY_DOMAIN = """
select m.domain, sum(m.open_alerts) as open_alerts, sum(m.alerts_total) as alerts_total
from marts.outcomes_by_model as m
where m.as_of = cast(:as_of as date)
group by m.domain
order by open_alerts desc, m.domain
"""

Q_BY_OFFICE = """
select o.office_name, sum(o.open_alerts) as open_alerts, sum(o.overdue_alerts) as overdue_alerts
from marts.open_alerts_by_office as o
where o.as_of = cast(:as_of as date)
group by o.office_name
order by open_alerts desc, o.office_name
"""

Q_TREND = """
select r.district_code, coalesce(r.district_name, r.district_code) as name, r.as_of, r.risk_index
from marts.risk_index_region as r
where r.as_of > cast(:as_of as date) - :days and r.as_of <= cast(:as_of as date)
order by r.as_of
"""

Q_FEEDS = """
select f.feed_id, f.cadence, f.freshness, f.last_loaded_date, f.days_since_loaded, f.last_reason,
    f.quarantined_share_30d, f.loaded_30d
from marts.feed_health as f
where f.as_of = cast(:as_of as date)
order by case f.freshness when 'REJECTED' then 0 when 'LATE' then 1 when 'MISSING' then 2 else 3 end, f.feed_id
"""

Q_MODELS = """
select m.model_id, m.domain, m.decided, m.confirmed_share, m.amount_recovered, m.needs_tuning
from marts.outcomes_by_model as m
where m.as_of = cast(:as_of as date) and m.decided > 0
order by m.needs_tuning desc, m.confirmed_share nulls last, m.model_id
"""

CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
.num{text-align:right}.bad{color:#b00020;font-weight:600}.muted{color:#777}
.kpi{display:inline-block;margin-right:28px}.kpi b{display:block;font-size:22px}
"""


def _table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    if not rows:
        return '<p class="muted">none</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _previous_days(as_of: dt.date, out_dir: Path | None, keep: int = 14) -> str:
    """Links to the reports written before this one (same folder, relative links)."""
    if out_dir is None or not out_dir.exists():
        return ""
    days = sorted((p.name.removeprefix("tianyan-report-").removesuffix(".html")
                   for p in out_dir.glob("tianyan-report-*.html")), reverse=True)
    days = [d for d in days if d < as_of.isoformat()][:keep]
    if not days:
        return ""
    links = " · ".join(f'<a href="tianyan-report-{escape(d)}.html">{escape(d)}</a>' for d in days)
    return f'<p class="muted">previous days: {links}</p>'


def render(as_of: dt.date, url: str | None = None, out_dir: Path | None = None) -> str:
    p = {"as_of": as_of, "days": TREND_DAYS}
    with get_engine(url).connect() as conn:
        by_domain = conn.execute(sa.text(Q_BY_DOMAIN), p).all()
        by_office = conn.execute(sa.text(Q_BY_OFFICE), p).all()
        trend = conn.execute(sa.text(Q_TREND), p).all()
        feeds = conn.execute(sa.text(Q_FEEDS), p).all()
        models = conn.execute(sa.text(Q_MODELS), p).all()

    states: dict[str, int] = {}
    for f in feeds:
        states[f.freshness] = states.get(f.freshness, 0) + 1
    open_total = sum(int(r.open_alerts or 0) for r in by_office)
    overdue_total = sum(int(r.overdue_alerts or 0) for r in by_office)
    not_ok = [f for f in feeds if f.freshness != "OK"]

    feed_rows = [[escape(f.feed_id), escape(f.cadence),
                  f'<span class="{"bad" if f.freshness != "OK" else ""}">{escape(f.freshness)}</span>',
                  escape(str(f.last_loaded_date or "")), escape(str(f.days_since_loaded or "")),
                  "" if f.quarantined_share_30d is None else f"{float(f.quarantined_share_30d):.1%}",
                  escape((f.last_reason or "")[:120])] for f in not_ok]
    model_rows = [[escape(m.model_id), escape(m.domain), str(m.decided),
                   "" if m.confirmed_share is None else f"{float(m.confirmed_share):.0%}",
                   f"{float(m.amount_recovered or 0):,.0f}",
                   '<span class="bad">needs tuning</span>' if m.needs_tuning else ""] for m in models]

    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>Tianyan daily report {as_of}</title>
<style>{CSS}</style></head><body>
<h1>天眼 Tianyan — daily supervision report, {as_of}</h1>
{_previous_days(as_of, out_dir)}
<div><span class="kpi"><b>{open_total}</b>open alerts</span>
<span class="kpi"><b class="{"bad" if overdue_total else ""}">{overdue_total}</b>overdue</span>
<span class="kpi"><b class="{"bad" if not_ok else ""}">{len(not_ok)}</b>feeds not OK (of {len(feeds)})</span></div>
<h2>Open alerts by domain</h2>
{charts.to_svg(charts.bar(by_domain, "domain", "open_alerts", "Open alerts by domain"))}
<h2>Open alerts by office (region)</h2>
{charts.to_svg(charts.bar(by_office, "office_name", "open_alerts", "Open alerts by office"))}
<h2>Risk index by district, last {TREND_DAYS} days</h2>
{charts.to_svg(charts.lines(trend, "as_of", "risk_index", "name", "Risk index trend", y_title="risk index",
                          days=(as_of - dt.timedelta(days=TREND_DAYS - 1), as_of)))}
<h2>Feed health</h2>
{charts.to_svg(charts.bar([{"state": k, "feeds": v} for k, v in sorted(states.items())], "state", "feeds",
                          "Feeds by freshness", colours=charts.STATE_COLOURS))}
{_table(["feed", "cadence", "state", "last loaded", "days since", "quarantined 30d", "reason"], feed_rows, {4, 5})}
<h2>Investigators' feedback per model</h2>
{_table(["model", "domain", "decided", "confirmed share", "recovered", ""], model_rows, {2, 3, 4})}
<p class="muted">Generated {dt.datetime.now().isoformat(timespec="seconds")} from the marts schema
(aggregates only; no personal identifiers). See docs/marts.md.</p>
</body></html>
"""


def write_report(as_of: dt.date, out_dir: Path | str | None = None, url: str | None = None) -> Path:
    """Write the day's report; returns its path (``latest.html`` beside it is the same page)."""
    out = Path(out_dir) if out_dir is not None else REPORT_DIR
    out.mkdir(parents=True, exist_ok=True)
    html = render(as_of, url, out)
    path = out / f"tianyan-report-{as_of.isoformat()}.html"
    path.write_text(html, encoding="utf-8")
    latest = sorted(out.glob("tianyan-report-*.html"))[-1]
    if latest == path:  # a re-run for an old date must not make "latest" go back in time
        (out / "latest.html").write_text(html, encoding="utf-8")
    log.info("report for %s written to %s", as_of, path)
    return path
