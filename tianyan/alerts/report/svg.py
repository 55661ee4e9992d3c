"""Tiny inline-SVG charts for the daily report.

The report must render with no network (offices, air-gapped review rooms, CI), and no package here
ships the Vega JavaScript, so charts are drawn server-side as plain SVG. Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac"]
STATE_COLOURS = {"OK": "#59a14f", "LATE": "#edc948", "REJECTED": "#e15759", "MISSING": "#9c9c9c"}


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.2f}"


def empty(title: str, message: str = "no data for this date") -> str:
    return (f'<svg class="chart empty" role="img" aria-label="{escape(title)}" width="640" height="60" '
            f'xmlns="http://www.w3.org/2000/svg"><text x="10" y="35" font-size="14" fill="#777">'
            f"{escape(message)}</text></svg>")


def bar_chart(title: str, rows: Sequence[tuple[str, float]], *, colours: dict[str, str] | None = None,
              width: int = 640, bar_h: int = 22) -> str:
    """Horizontal bars, largest first as given; label left, value right of the bar."""
    if not rows:
        return empty(title)
    label_w, pad, value_w = 220, 8, 70
    height = pad * 2 + bar_h * len(rows)
    top = max(max(v for _, v in rows), 1e-9)
    span = width - label_w - value_w - pad * 2
    parts = [f'<svg class="chart bar" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(rows):
        y = pad + i * bar_h
        w = max(0.0, span * float(value) / top)
        colour = (colours or {}).get(label, PALETTE[0])
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_h * 0.68:.1f}" font-size="12" text-anchor="end">'
                     f"{escape(str(label))}</text>")
        parts.append(f'<rect class="mark" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" '
                     f'fill="{colour}"><title>{escape(str(label))}: {_fmt(float(value))}</title></rect>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h * 0.68:.1f}" font-size="11" fill="#333">'
                     f"{_fmt(float(value))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def line_chart(title: str, series: dict[str, list[tuple[str, float]]], *, width: int = 720,
               height: int = 300) -> str:
    """One line per series over shared x labels (ISO dates sort correctly as strings)."""
    xs = sorted({x for points in series.values() for x, _ in points})
    if not xs:
        return empty(title)
    left, right, top, bottom = 50, 150, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    ymax = max([v for points in series.values() for _, v in points] + [1e-9])
    ymin = min([v for points in series.values() for _, v in points] + [0])
    yspan = (ymax - ymin) or 1.0

    def px(x: str) -> float:
        return left + (plot_w * xs.index(x) / (len(xs) - 1) if len(xs) > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h - plot_h * (v - ymin) / yspan

    parts = [f'<svg class="chart line" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>']
    for frac in (0, 0.5, 1):
        v = ymin + yspan * frac
        parts.append(f'<text x="{left - 4}" y="{py(v) + 4:.1f}" font-size="10" text-anchor="end">{_fmt(v)}</text>')
    for x in {xs[0], xs[len(xs) // 2], xs[-1]}:
        parts.append(f'<text x="{px(x):.1f}" y="{top + plot_h + 16}" font-size="10" text-anchor="middle">'
                     f"{escape(x)}</text>")
    for i, (name, points) in enumerate(sorted(series.items())):
        colour = PALETTE[i % len(PALETTE)]
        pts = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in sorted(points))
        parts.append(f'<polyline class="mark" fill="none" stroke="{colour}" stroke-width="2" points="{pts}">'
                     f"<title>{escape(name)}</title></polyline>")
        if len(points) == 1:
            x, v = points[0]
            parts.append(f'<circle class="mark" cx="{px(x):.1f}" cy="{py(v):.1f}" r="3" fill="{colour}"/>')
        ly = top + 14 * i + 10
        parts.append(f'<rect x="{left + plot_w + 10}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + plot_w + 24}" y="{ly + 1}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
