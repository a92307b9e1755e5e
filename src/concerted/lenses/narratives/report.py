"""The narratives report: one self-contained HTML page; per narrative its languages with a
representative text in each, its accounts and its timeline.

Every string from the data is escaped by the template engine (the timeline's labels by
:func:`html.escape`); the page loads nothing and runs no script (CSP ``default-src 'none'``).
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ...report import fmt_time, template_env

if TYPE_CHECKING:
    from .lens import NarrativeResult

SHOWN = 30  # narratives shown in detail (all are in narratives.csv)
# Right-to-left scripts: their texts are shown with dir="rtl".
RTL = {"he", "ar", "fa", "ur", "yi", "ps"}

_env = template_env("lenses/narratives/templates")


def render_narratives_report(
    result: NarrativeResult, *, title: str = "Narratives: one story across languages"
) -> str:
    """The report as a complete HTML document (from the result as it will be written:
    pseudonymised or not)."""
    rows = result.narratives.to_pylist()
    shown = [
        {
            **row,
            **detail,
            "n_accounts": row["accounts"],
            "first": fmt_time(row["first_time"]) if row["first_time"] is not None else "-",
            "last": fmt_time(row["last_time"]) if row["last_time"] is not None else "-",
            "timeline_svg": _timeline_svg(detail["timeline"], row["narrative"]),
        }
        for row, detail in zip(rows[:SHOWN], result.details[:SHOWN], strict=True)
    ]
    return _env.get_template("narratives.html").render(
        title=title,
        s=result.summary,
        rows=rows,
        shown=shown,
        rtl=RTL,
        generated=fmt_time(datetime.now(tz=timezone.utc).timestamp()),
    )


def _timeline_svg(tl: dict, number: int) -> str:
    """Posts per bin as bars, the first and last times under them."""
    posts = tl["posts"]
    w, h, left, bottom, top = 1000, 120, 44, 22, 8
    plot_h = h - bottom - top
    peak = max(posts + [1])
    bw = (w - left) / max(len(posts), 1)
    label = html.escape(f"posts of narrative {number} per {tl['step'] / 60:.0f} minutes")
    parts = [f'<svg viewBox="0 0 {w} {h}" class="timeline" role="img" aria-label="{label}">']
    for i, value in enumerate(posts):
        if not value:
            continue
        x = left + i * bw
        y = h - bottom - value / peak * plot_h
        tip = html.escape(f"{fmt_time(tl['start'] + i * tl['step'])}: {value} posts")
        parts.append(
            f'<rect class="base" x="{x:.2f}" y="{y:.2f}" width="{max(bw * 0.9, 0.6):.2f}" '
            f'height="{value / peak * plot_h:.2f}"><title>{tip}</title></rect>'
        )
    parts.append(f'<text x="{left - 4}" y="{top + 10}" text-anchor="end">{peak:,}</text>')
    parts.append(f'<text x="{left - 4}" y="{h - bottom}" text-anchor="end">0</text>')
    if tl["start"] is not None:
        end = tl["start"] + len(posts) * tl["step"]
        parts.append(f'<text x="{left}" y="{h - 6}">{html.escape(fmt_time(tl["start"]))}</text>')
        parts.append(
            f'<text x="{w - 4}" y="{h - 6}" text-anchor="end">{html.escape(fmt_time(end))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
