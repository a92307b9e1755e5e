"""The sign-up report: one self-contained HTML page an organiser can show their boss.

The timeline of registrations by channel with the surges marked, the genuine estimate with its
interval, turnout, the top reasons, and the registrations most likely fake. Every string from the
data is escaped by the template engine; the page loads nothing (CSP ``default-src 'none'``).
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...report import fmt_day, fmt_time, template_env

if TYPE_CHECKING:
    from .lens import SignupResult

COLOURS = {
    "direct": "#8a94a6",
    "short_video": "#d62d6f",
    "social": "#3c64b1",
    "search": "#2e9d6b",
    "news": "#e0a020",
    "email": "#7a52c7",
    "other": "#5b6475",
}
TOP_SUSPECTS = 50
REASON_TEXT = {
    "email_invalid": "e-mail address is not well formed",
    "email_disposable": "disposable e-mail domain",
    "name_joke": "joke or celebrity name",
    "name_random": "random string or a single word as a name",
    "phone_invalid": "phone number is not a valid number",
    "phone_foreign": "foreign phone number for a local event",
    "phone_nonpersonal": "toll-free, premium, VoIP or pager number",
    "phone_reused": "phone number given by several people",
    "postcode_far": "postcode far from the venue",
    "postcode_unknown": "not a known postcode",
    "ip_shared": "4-9 people from the same /24 network",
    "ip_crowded": "10 or more people from the same /24 network",
    "surge": "arrived in a surge of its channel and device",
    "referrer_short_video": "came from a short-video app link",
    "inapp_short_video": "in-app browser of a short-video app",
    "device_bot": "no browser, or an automated client",
    "duplicate": "a second registration of the same person",
}

_env = template_env("lenses/signups/templates")


def render_signups_report(
    result: SignupResult,
    table: pa.Table | None = None,
    *,
    title: str = "Sign-ups: how many are real?",
) -> str:
    """The report as a complete HTML document. ``table`` is the registrations as they will be
    shown (pseudonymised or not); by default the result's own."""
    table = result.registrations if table is None else table
    s = result.summary
    order = pc.sort_indices(table, [("risk", "descending"), ("id", "ascending")])
    suspects = table.take(order.slice(0, TOP_SUSPECTS))
    # A log without times has no time column to show: each row says "-" there.
    suspects = [
        {"time": None, **r}
        for r in suspects.filter(pc.not_equal(suspects["verdict"], "genuine")).to_pylist()
    ]
    return _env.get_template("signups.html").render(
        title=title,
        s=s,
        timeline_svg=_timeline_svg(result.timeline),
        colours=COLOURS,
        reasons=[
            {**r, "text": REASON_TEXT.get(r["reason"], r["reason"])} for r in s["top_reasons"][:15]
        ],
        suspects=suspects,
        generated=fmt_time(datetime.now(tz=timezone.utc).timestamp()),
    )


def _timeline_svg(tl: dict) -> str:
    """Hourly registrations stacked by channel; surges shaded; the model's expected fakes as a line."""
    if not tl:
        return ""
    counts = np.asarray(tl["by_channel"], float)
    channels = tl["channels"]
    n = counts.shape[1]
    w, h, left, bottom, top_pad = 1000, 260, 44, 22, 8
    plot_h = h - bottom - top_pad
    peak = max(float(counts.sum(axis=0).max()), 1.0)
    bw = (w - left) / n
    parts = [
        f'<svg viewBox="0 0 {w} {h}" class="timeline" role="img" aria-label="registrations per hour by channel">'
    ]
    for win in tl["windows"]:
        x0 = left + (win["start"] - tl["start"]) / tl["step"] * bw
        x1 = left + (win["end"] - tl["start"]) / tl["step"] * bw
        label = html.escape(
            f"surge {fmt_time(win['start'])}: {win['registrations']:,} registrations, about {win['fake_estimate']:,.0f} fake"
        )
        parts.append(
            f'<rect class="surge" x="{x0:.1f}" y="{top_pad}" width="{max(x1 - x0, 1.5):.1f}" height="{plot_h}"><title>{label}</title></rect>'
        )
    base = np.zeros(n)
    for ci, channel in enumerate(channels):
        colour = COLOURS.get(channel, "#999")
        for i in np.flatnonzero(counts[ci]):
            y = h - bottom - (base[i] + counts[ci, i]) / peak * plot_h
            bh = counts[ci, i] / peak * plot_h
            parts.append(
                f'<rect x="{left + i * bw:.2f}" y="{y:.2f}" width="{max(bw * 0.92, 0.6):.2f}" height="{bh:.2f}" fill="{colour}"><title>{html.escape(channel)}: {int(counts[ci, i])}</title></rect>'
            )
        base += counts[ci]
    wave = np.asarray(tl["wave"], float)
    pts = " ".join(
        f"{left + (i + 0.5) * bw:.1f},{h - bottom - wave[i] / peak * plot_h:.1f}" for i in range(n)
    )
    parts.append(f'<polyline class="wave" points="{pts}"/>')
    parts.append(f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end">{int(peak):,}</text>')
    parts.append(f'<text x="{left - 4}" y="{h - bottom}" text-anchor="end">0</text>')
    ticks = max(1, n // 24 // 10 + 1)  # a date label every few days
    for d in range(0, n, 24 * ticks):
        x = left + d * bw
        parts.append(
            f'<text x="{x:.1f}" y="{h - 6}">{html.escape(fmt_day(tl["start"] + d * tl["step"]))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
