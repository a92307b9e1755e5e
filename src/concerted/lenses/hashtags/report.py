"""The hashtag report: one self-contained HTML page, per hashtag a timeline with the baseline's
and the flood's volume and the start marked, example posts before and after, and the flooders'
coordinated groups.

Every string from the data is escaped by the template engine (the timeline's labels by
:func:`html.escape`); the page loads nothing and runs no script (CSP ``default-src 'none'``).
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ...report import fmt_time, template_env

if TYPE_CHECKING:
    from .lens import HashtagResult

SHOWN = 25  # hashtags shown in detail (all are in hashtags.csv)
MAX_BARS = 240  # a timeline's bins are merged down to this many bars

_env = template_env("lenses/hashtags/templates")


def render_hashtags_report(
    result: HashtagResult, *, title: str = "Hashtags: taken over, or an organic spike?"
) -> str:
    """The report as a complete HTML document (from the result as it will be written:
    pseudonymised or not)."""
    rows = result.hashtags.to_pylist()
    shown = [
        {**row, **detail, "timeline_svg": _timeline_svg(detail["timeline"], row["hashtag"])}
        for row, detail in zip(rows[:SHOWN], result.details[:SHOWN], strict=True)
    ]
    return _env.get_template("hashtags.html").render(
        title=title,
        s=result.summary,
        rows=rows,
        shown=shown,
        generated=fmt_time(datetime.now(tz=timezone.utc).timestamp()),
    )


def _timeline_svg(tl: dict, tag: str) -> str:
    """Posts per bin: the flood's posts in red on top of the others in grey; the end of the
    baseline and the takeover's start as vertical lines."""
    posts, flood = tl["posts"], tl["flood"]
    merge = max(1, -(-len(posts) // MAX_BARS))
    bars = [
        (sum(posts[i : i + merge]), sum(flood[i : i + merge])) for i in range(0, len(posts), merge)
    ]
    step = tl["step"] * merge
    w, h, left, bottom, top = 1000, 200, 44, 22, 8
    plot_h = h - bottom - top
    peak = max([b[0] for b in bars] + [1])
    bw = (w - left) / max(len(bars), 1)
    label = html.escape(f"posts of {tag} per {step / 60:g} minutes")
    parts = [f'<svg viewBox="0 0 {w} {h}" class="timeline" role="img" aria-label="{label}">']
    for i, (total, flooded) in enumerate(bars):
        if not total:
            continue
        x = left + i * bw
        for value, base, cls in ((total - flooded, 0, "base"), (flooded, total - flooded, "flood")):
            if value:
                y = h - bottom - (base + value) / peak * plot_h
                tip = html.escape(f"{fmt_time(tl['start'] + i * step)}: {value} {cls} posts")
                parts.append(
                    f'<rect class="{cls}" x="{x:.2f}" y="{y:.2f}" width="{max(bw * 0.9, 0.6):.2f}" '
                    f'height="{value / peak * plot_h:.2f}"><title>{tip}</title></rect>'
                )
    for when, cls, text in (
        (tl["baseline_end"], "baseline", "baseline ends"),
        (tl["takeover_start"], "start", "takeover starts"),
    ):
        if when is not None:
            x = left + (when - tl["start"]) / step * bw
            tip = html.escape(f"{text} {fmt_time(when)}")
            parts.append(
                f'<line class="{cls}" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{h - bottom}">'
                f"<title>{tip}</title></line>"
            )
    parts.append(f'<text x="{left - 4}" y="{top + 10}" text-anchor="end">{peak:,}</text>')
    parts.append(f'<text x="{left - 4}" y="{h - bottom}" text-anchor="end">0</text>')
    parts.append(f'<text x="{left}" y="{h - 6}">{html.escape(fmt_time(tl["start"]))}</text>')
    end = tl["start"] + len(posts) * tl["step"]
    parts.append(
        f'<text x="{w - 4}" y="{h - 6}" text-anchor="end">{html.escape(fmt_time(end))}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
