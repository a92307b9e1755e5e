"""render_report(): one self-contained HTML page (no CDN, works offline) showing the groups and the
evidence behind them. Every string from the data is escaped by the template engine."""

from __future__ import annotations

import html
import math
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import igraph as ig
import pyarrow.compute as pc
from jinja2 import Environment, PackageLoader, select_autoescape

if TYPE_CHECKING:
    from ..pipeline import Result

TOP_GROUPS = 30  # groups shown in detail; the rest are in groups.csv
TOP_EDGES = 15  # evidence rows per group
TOP_OBJECTS = 10
MAX_NODES_DRAWN = 150

_env = Environment(
    loader=PackageLoader("concerted", "report/templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def fmt_time(seconds: float | None) -> str:
    """Epoch seconds as ``2020-06-20 18:00:05 UTC``."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_delay(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def fmt_day(seconds: float | None) -> str:
    """Epoch seconds as ``2020-06-20``."""
    return fmt_time(seconds)[:10]


_env.filters["time"] = fmt_time
_env.filters["day"] = fmt_day
_env.filters["delay"] = fmt_delay


def render_report(result: Result, *, title: str = "concerted report") -> str:
    """The report of one run, as a complete HTML document."""
    groups = result.groups.sort_by([("score", "descending"), ("group", "ascending")])
    detail = [_group_view(result, row) for row in groups.slice(0, TOP_GROUPS).to_pylist()]
    return _env.get_template("report.html").render(
        title=title,
        summary=result.summary,
        groups=groups.to_pylist(),
        detail=detail,
        top_groups=TOP_GROUPS,
        generated=fmt_time(datetime.now(tz=timezone.utc).timestamp()),
    )


def _group_view(result: Result, group: dict) -> dict:
    g = group["group"]
    members = result.actors.filter(pc.equal(result.actors["group"], g))
    edges = result.edges.filter(pc.equal(result.edges["group"], g))
    actions = result.group_actions.filter(pc.equal(result.group_actions["group"], g))
    objects = (
        actions.group_by("object")
        .aggregate([("actor", "count_distinct"), ("time", "min"), ("time", "max")])
        .sort_by([("actor_count_distinct", "descending"), ("object", "ascending")])
        .slice(0, TOP_OBJECTS)
        .to_pylist()
    )
    texts = {}
    for row in actions.to_pylist():
        texts.setdefault((row["actor"], row["object"]), row["text"])
    top = edges.slice(0, TOP_EDGES).select(["actor", "actor_y"])
    rows = result.evidence.join(top, keys=["actor", "actor_y"], join_type="left semi")
    evidence = [
        {
            **e,
            "text": texts.get((e["actor"], e["object"])),
            "text_y": texts.get((e["actor_y"], e["object"])),
        }
        for e in rows.sort_by(
            [("actor", "ascending"), ("actor_y", "ascending"), ("time", "ascending")]
        ).to_pylist()
    ]
    return {
        **group,
        "members": members.to_pylist(),
        "top_objects": objects,
        "evidence": evidence[: TOP_EDGES * 2],
        "network_svg": _network_svg(members["actor"].to_pylist(), edges),
        "timeline_svg": _timeline_svg(actions["time"].to_pylist()),
    }


def _network_svg(names: list[str], edges) -> str:
    """The group's network drawn server-side (a fixed layout, no script needed)."""
    names = names[:MAX_NODES_DRAWN]
    index = {n: i for i, n in enumerate(names)}
    pairs = [
        (index[a], index[b], s)
        for a, b, s in zip(
            edges["actor"].to_pylist(),
            edges["actor_y"].to_pylist(),
            edges["strength"].to_pylist(),
            strict=True,
        )
        if a in index and b in index
    ]
    if not names:
        return ""
    g = ig.Graph(n=len(names), edges=[(a, b) for a, b, _ in pairs])
    coords = g.layout_fruchterman_reingold(
        seed=[(math.cos(i), math.sin(i)) for i in range(len(names))], niter=300
    ).coords
    xs = [p[0] for p in coords] or [0.0]
    ys = [p[1] for p in coords] or [0.0]
    x0, y0 = min(xs), min(ys)
    x_span, y_span = (max(xs) - x0) or 1.0, (max(ys) - y0) or 1.0
    w, h, pad = 360, 260, 14

    def sx(x: float) -> float:
        return pad + (x - x0) / x_span * (w - 2 * pad)

    def sy(y: float) -> float:
        return pad + (y - y0) / y_span * (h - 2 * pad)

    top = max((s for _, _, s in pairs), default=1.0) or 1.0
    parts = [f'<svg viewBox="0 0 {w} {h}" class="net" role="img" aria-label="group network">']
    for a, b, s in pairs:
        (x1, y1), (x2, y2) = coords[a], coords[b]
        parts.append(
            f'<line x1="{sx(x1):.1f}" y1="{sy(y1):.1f}" x2="{sx(x2):.1f}" y2="{sy(y2):.1f}" '
            f'stroke-width="{0.4 + 2.2 * s / top:.2f}"/>'
        )
    for i, (x, y) in enumerate(coords):
        parts.append(
            f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4"><title>{html.escape(names[i])}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _timeline_svg(times: list[float], bins: int = 60) -> str:
    """Actions of the group over time, as bars."""
    if not times:
        return ""
    lo, hi = min(times), max(times)
    span = (hi - lo) or 1.0
    counts = [0] * bins
    for t in times:
        counts[min(int((t - lo) / span * bins), bins - 1)] += 1
    top = max(counts)
    w, h = 360, 80
    bw = w / bins
    bars = "".join(
        f'<rect x="{i * bw:.1f}" y="{h - 14 - (c / top) * (h - 20):.1f}" width="{bw * 0.9:.1f}" '
        f'height="{(c / top) * (h - 20):.1f}"><title>{c}</title></rect>'
        for i, c in enumerate(counts)
        if c
    )
    return (
        f'<svg viewBox="0 0 {w} {h}" class="timeline" role="img" aria-label="timeline">{bars}'
        f'<text x="0" y="{h - 2}">{html.escape(fmt_time(lo))}</text>'
        f'<text x="{w}" y="{h - 2}" text-anchor="end">{html.escape(fmt_time(hi))}</text></svg>'
    )
