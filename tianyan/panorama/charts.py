"""Charts of the panorama pages and the daily report, built with Altair (Vega-Lite).

- ``embed(chart, id)``: for the plugin pages, the spec as a JSON data block beside an empty div; the
  page's own same-origin script (static/panorama.js) draws it with the vendored vega-embed, with
  Vega's CSP-safe expression interpreter (no ``unsafe-eval``, no inline script).
- ``to_svg(chart)``: for the daily report (mailed, opened from disk, no script at all), the same
  chart rendered server-side to SVG by vl-convert (Vega's own renderer: every label is escaped).

Every value reaches the chart as data, never as markup: Vega writes text nodes, and the JSON block
is escaped so no ``</script>`` in a delivered value can close it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import pandas as pd

alt.data_transformers.disable_max_rows()

PALETTE = "tableau10"
STATE_COLOURS = {"OK": "#59a14f", "LATE": "#edc948", "REJECTED": "#e15759", "MISSING": "#9c9c9c"}
WIDTH = 620


def _frame(rows: Sequence, columns: Sequence[str]) -> pd.DataFrame:
    data = [dict(r._mapping) if hasattr(r, "_mapping") else dict(r) for r in rows]
    df = pd.DataFrame(data, columns=list(columns))
    for c in df.columns:
        if df[c].map(lambda v: hasattr(v, "isoformat")).any():
            df[c] = df[c].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
        elif df[c].map(lambda v: v.__class__.__name__ == "Decimal").any():
            df[c] = df[c].astype(float)
    return df


def empty(title: str, message: str = "no data for this date") -> alt.Chart:
    return (alt.Chart(pd.DataFrame({"t": [message]}), title=title).mark_text(align="left", color="#777", size=13)
            .encode(text="t:N").properties(width=WIDTH, height=30))


def bar(rows: Sequence, label: str, value: str, title: str, *, colours: dict[str, str] | None = None,
        fmt: str = ",.0f") -> alt.Chart:
    """Horizontal bars, in the order given."""
    df = _frame(rows, [label, value])
    if df.empty:
        return empty(title)
    colour = (alt.Color(f"{label}:N", legend=None, scale=alt.Scale(domain=list(colours), range=list(colours.values())))
              if colours else alt.value("#4e79a7"))
    base = alt.Chart(df, title=title).encode(
        y=alt.Y(f"{label}:N", sort=list(df[label]), title=None),
        x=alt.X(f"{value}:Q", title=None),
        tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", format=fmt)])
    chart = base.mark_bar(color="#4e79a7").encode(color=colour) + base.mark_text(align="left", dx=3).encode(
        text=alt.Text(f"{value}:Q", format=fmt))
    return chart.properties(width=WIDTH - 200, height=max(22 * len(df), 30))


def lines(rows: Sequence, x: str, y: str, series: str | None, title: str, *, y_title: str | None = None,
          dash: str | None = None, days: tuple | None = None) -> alt.Chart:
    """One line per series over dates (points too, so a single day shows); ``days`` (first, last)
    fixes the time axis to a window, e.g. the 90 days up to the as-of date, whatever the data covers."""
    cols = [x, y] + [c for c in (series, dash) if c]
    df = _frame(rows, cols)
    if df.empty:
        return empty(title)
    scale = alt.Scale(domain=[d.isoformat() for d in days]) if days else alt.Undefined
    enc = {"x": alt.X(f"{x}:T", title=None, scale=scale), "y": alt.Y(f"{y}:Q", title=y_title or y),
           "tooltip": [alt.Tooltip(f"{c}:{'T' if c == x else 'Q' if c == y else 'N'}") for c in cols]}
    if series:
        enc["color"] = alt.Color(f"{series}:N", scale=alt.Scale(scheme=PALETTE), title=None)
    if dash:
        enc["strokeDash"] = alt.StrokeDash(f"{dash}:N", title=None)
    return alt.Chart(df, title=title).mark_line(point=True).encode(**enc).properties(width=WIDTH, height=240)


def spec(chart: alt.TopLevelMixin) -> dict:
    return chart.to_dict()


def embed(chart: alt.TopLevelMixin, chart_id: str) -> str:
    """A div the page's script fills, and the chart's spec as an inert JSON block (``<``, ``>`` and
    ``&`` escaped, so no value can end the block or open markup)."""
    text = json.dumps(spec(chart), separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    safe_id = "".join(ch for ch in chart_id if ch.isalnum() or ch in "-_")
    return (f'<div class="vega-chart" id="{safe_id}"></div>'
            f'<script type="application/json" class="vega-spec" data-target="{safe_id}">{text}</script>')


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as standalone SVG (vl-convert; no script, no network)."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(json.dumps(spec(chart), default=str), vl_version="6.4")
    return svg.replace("<svg ", '<svg class="chart" role="img" ', 1)
