"""The reports report: one self-contained HTML page with the headline figures, the targets
(brigaded first) with their evidence, a timeline of the most-reported ones (coordinated reports
in red on top of the others), the coordinated groups and how to read it all.

Every string from the data is escaped by the template engine (the timelines' labels by
:func:`html.escape`); the page loads nothing and runs no script (CSP ``default-src 'none'``).
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...report import fmt_time, template_env

if TYPE_CHECKING:
    from .lens import ReportsResult

SHOWN = 12  # targets drawn with a timeline (every target is in targets.csv)
LISTED = 300  # rows of the targets table in the page
BARS = 96  # bars of a timeline

_env = template_env("lenses/reports/templates")


def render_reports_report(
    result: ReportsResult, *, title: str = "Reports: organic, or a brigade?"
) -> str:
    """The report as a complete HTML document (from the result as it will be written:
    pseudonymised or not)."""
    rows = result.targets.slice(0, LISTED).to_pylist()
    shown = [r for r in rows if r["brigaded"] or r["coordinated_reports"]][:SHOWN]
    if len(shown) < SHOWN:  # then the busiest organic ones, for comparison
        busiest = sorted(
            (r for r in rows if not r["coordinated_reports"]), key=lambda r: -r["peak_reports"]
        )
        shown += busiest[: SHOWN - len(shown)]
    names = pa.array([r["target"] for r in shown], pa.string())
    reports = result.reports.filter(pc.is_in(result.reports["target"], value_set=names))
    for r in shown:
        mine = reports.filter(pc.equal(reports["target"], r["target"]))
        r["timeline_svg"] = _timeline_svg(
            mine["time"].to_numpy(), mine["coordinated"].to_numpy(zero_copy_only=False), r
        )
    return _env.get_template("reports.html").render(
        title=title,
        s=result.summary,
        rows=rows,
        shown=shown,
        groups=result.groups.to_pylist(),
        generated=fmt_time(datetime.now(tz=timezone.utc).timestamp()),
    )


def _timeline_svg(times: np.ndarray, coordinated: np.ndarray, row: dict) -> str:
    """Reports per bin around the target's busiest window: coordinated ones in red on top."""
    w, h, left, bottom, top = 1000, 160, 44, 22, 8
    if len(times) == 0:
        return ""
    start, end = float(times.min()), float(times.max())
    step = max((end - start) / BARS, 60.0)
    idx = np.minimum(((times - start) // step).astype(int), BARS - 1)
    total = np.bincount(idx, minlength=BARS)
    coord = np.bincount(idx, weights=coordinated.astype(float), minlength=BARS).astype(int)
    peak = max(int(total.max()), 1)
    plot_h = h - bottom - top
    bw = (w - left) / BARS
    label = html.escape(f"reports on {row['target']} over time")
    parts = [f'<svg viewBox="0 0 {w} {h}" class="timeline" role="img" aria-label="{label}">']
    for i in range(BARS):
        if not total[i]:
            continue
        x = left + i * bw
        other = int(total[i] - coord[i])
        for value, base, cls in ((other, 0, "base"), (int(coord[i]), other, "coord")):
            if value:
                y = h - bottom - (base + value) / peak * plot_h
                tip = html.escape(f"{fmt_time(start + i * step)}: {value} {cls} reports")
                parts.append(
                    f'<rect class="{cls}" x="{x:.2f}" y="{y:.2f}" width="{max(bw * 0.9, 0.6):.2f}" '
                    f'height="{value / peak * plot_h:.2f}"><title>{tip}</title></rect>'
                )
    parts.append(f'<text x="{left - 4}" y="{top + 10}" text-anchor="end">{peak:,}</text>')
    parts.append(f'<text x="{left - 4}" y="{h - bottom}" text-anchor="end">0</text>')
    parts.append(f'<text x="{left}" y="{h - 6}">{html.escape(fmt_time(start))}</text>')
    parts.append(
        f'<text x="{w - 4}" y="{h - 6}" text-anchor="end">{html.escape(fmt_time(end))}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
