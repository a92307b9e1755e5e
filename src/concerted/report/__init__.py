"""render_report(): one self-contained HTML page (no CDN, works offline) showing the groups and the
evidence behind them, with an interactive network per group.

Every string from the data is escaped: by the template engine in the HTML, and by ``tojson`` in
the data block the page's script reads (which puts it in the page with ``textContent`` only). The
page's Content-Security-Policy allows no script but its own (by hash), so even a string that got
through could not run."""

from __future__ import annotations

import base64
import hashlib
import json
import math
from datetime import datetime, timezone
from importlib.resources import files
from typing import TYPE_CHECKING

from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from ..confidence import describe_strength, format_p_value
from .views import TOP_GROUPS, group_view

if TYPE_CHECKING:
    from ..pipeline import Result

GROUPS_LISTED = 1000  # rows of the groups table in the page (paged); all are in groups.csv


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


def template_env(folder: str) -> Environment:
    """The Jinja environment every page of concerted is rendered with: templates from
    ``concerted/<folder>``, then the report's (so a page can extend ``base.html``, the page
    every report is, with its stylesheet ``base.css``), HTML autoescaped, and the ``time``,
    ``day``, ``delay`` and ``pvalue`` filters, and ``strength(score, size, tested=...)``
    (:func:`concerted.confidence.describe_strength`)."""
    folders = dict.fromkeys([folder, "report/templates"])
    env = Environment(
        loader=ChoiceLoader([PackageLoader("concerted", f) for f in folders]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(time=fmt_time, day=fmt_day, delay=fmt_delay, pvalue=format_p_value)
    env.globals.update(strength=describe_strength)
    return env


_env = template_env("report/templates")


def render_report(result: Result, *, title: str = "concerted report") -> str:
    """The report of one run, as a complete HTML document."""
    groups = result.groups.sort_by([("score", "descending"), ("group", "ascending")])
    detail = [group_view(result, row) for row in groups.slice(0, TOP_GROUPS).to_pylist()]
    script = _asset("report.js")
    data = {str(g["group"]): {"network": g["network"], "timeline": g["timeline"]} for g in detail}
    return _env.get_template("report.html").render(
        title=title,
        summary=result.summary,
        tested=result.tested,
        groups=groups.slice(0, GROUPS_LISTED).to_pylist(),
        groups_total=groups.num_rows,
        detail=detail,
        top_groups=TOP_GROUPS,
        generated=fmt_time(datetime.now(tz=timezone.utc).timestamp()),
        data=json_for_script(data),
        style=_asset("report.css"),
        script=script,
        script_hash=_csp_hash(script),
    )


def json_for_script(data) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``: the characters
    that could end the element or start markup are written as ``\\u`` escapes."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for ch in "<>&\u2028\u2029":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def stylesheet() -> str:
    """The report's whole stylesheet (``base.css``, then ``report.css``), for pages that link it."""
    return _asset("base.css") + _asset("report.css")


def _asset(name: str) -> str:
    return files("concerted").joinpath("report", "templates", name).read_text("utf-8")


def _csp_hash(script: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"
