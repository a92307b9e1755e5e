"""Brigades of user reports: which targets were mass-reported by a coordinated group, and who
filed those reports.

A target reported by many people is not thereby brigaded: a spammer draws reports from unrelated
people for days, and a post that blows up after a real event draws a burst of them within the
hour. What sets a brigade apart is that *the same reporters* act together on target after target.
So the lens asks three questions of each target:

1. **Coordination** (the verdict's core): the reports become an action log (reporter = actor,
   target = object, each target its own source) and the core engine (:func:`concerted.detect`,
   co-action with pairs tested against its null model of organic activity, and groups grown by its
   membership test) finds the groups of reporters who report the same targets within minutes of
   each other more often than their activity and the targets' burstiness explain. Honest people
   who pile on one hot post meet once; a brigade meets on every target it is sent to. A report is
   *coordinated* when its reporter is in a group and another member of that group reported the
   same target within :data:`COORDINATION_WINDOW_SECONDS` of it. Reports that a brigade files on
   other targets to blend in do not hide it: they only add to its members' activity.
2. **Burst**: the most reports the target drew within ``window_seconds``, against what its own
   history (its reports outside that window, over the span it was reported) or the platform's
   baseline (reports per target per second over the whole log), whichever is higher, predict,
   times the platform's daily rhythm (how much busier than average its busiest hour of the day
   is): a Poisson p-value. A spammer reported steadily for days has no burst against its own history.
3. **Who and why**: the share of its reports that give the most common reason (overall and among
   the coordinated ones), the share of its reporters for whom it was the first target they ever
   reported, and how many reports its reporters filed in all.

Two more ways into a group, each a test of its own:

* **overlapping bursts** (:func:`_burst_groups`): a large brigade that reports each target over
  most of an hour, on few targets, gives any two members a meeting or two at most, too few for the
  core's pair test; but the bursts of its targets share dozens of reporters, far more than
  people who report by habit would (a Poisson test against the reporters' activity, Bonferroni
  over the pairs of bursts). The reporters in two or more bursts of a set of linked targets are
  a group;
* **joiners** (:func:`_joiners`): a reporter in no group who reported ``min_joined_targets`` of
  one group's brigaded targets, each time within the window of its members' coordinated reports,
  joins that group (the core's membership test wants more than a member who answered two calls
  gives).

The targets are judged again after each.

A target is **brigaded** when at least ``min_coordinated_reporters`` reporters of one group filed
coordinated reports on it, those reports are at least ``min_share`` of the reports it drew while
they came in (from a window before the first to a window after the last: ``attack_share``; a
spammer's or a victim's reports of other days do not dilute it), and its burst is significant
(p at most ``alpha``). The reasons and histories are evidence shown beside the verdict, not part
of it: a real event draws uniform reasons too, and a brigade can recruit
old accounts.

Known limits: a group that reports a single target and never acts together again shows no
repeated co-action, and the core cannot tell it from a crowd; a small group of which only one or
two members answer a call makes fewer coordinated reports than ``min_coordinated_reporters``; the burst and the reporters'
histories (``first_report_share``) are then the only evidence, and the lens does not call it
brigaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from ... import __version__
from ...detectors.co_action import DEFAULT_WINDOWS
from ...engines import Engine
from ...pipeline import detect
from ...schema import Log, make_log
from ...sql import connect
from ..params import check_lens_params
from .tables import REPORTERS, TARGETS

# Two members' reports on one target count as acting together within this many seconds: the
# core's widest co-action window, so every coordinated report is one the core could have seen.
COORDINATION_WINDOW_SECONDS = DEFAULT_WINDOWS[-1]

# A burst searched for groups is at least this many times what the target's history predicts.
MIN_BURST_RATIO = 2.0
# Targets without a burst are searched (for the null model) up to this many reports.
MAX_QUIET_REPORTS = 64

PARAMS = {  # name: (default, lowest allowed, highest allowed)
    "window_seconds": (3600.0, 60.0, 86400.0 * 31),
    "min_coordinated_reporters": (3, 2, None),
    "min_share": (0.25, 0.0, 1.0),
    "alpha": (0.01, 1e-12, 0.5),
    "min_joined_targets": (2, 2, None),
}


@dataclass(frozen=True)
class ReportsResult:
    """What :func:`find_brigades` found.

    Attributes
    ----------
    targets
        One row per reported target (:data:`.tables.TARGETS`): brigaded ones first, then by
        coordinated reports and burst.
    reporters
        One row per reporter in a coordinated group (:data:`.tables.REPORTERS`).
    reports
        Every report: ``reporter, target, time, reason, group`` (the reporter's group, if any),
        ``coordinated`` (bool), in time order: what a statement of reasons counts.
    groups
        One row per group: ``group, size, reports, coordinated_reports, targets,
        brigaded_targets, top_reason``.
    summary
        Headline figures and the parameters, as written to ``summary.json``.
    """

    targets: pa.Table
    reporters: pa.Table
    reports: pa.Table
    groups: pa.Table
    summary: dict = field(default_factory=dict)


def check_params(**params) -> dict:
    """The lens's parameters with defaults filled in, or :class:`ParameterError` naming a bad
    one.

    >>> check_params(min_share=0.5)["min_share"]
    0.5
    >>> check_params(min_coordinated_reporters=1)
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: min_coordinated_reporters must be an integer from 2 or more. Got 1.
    """
    return check_lens_params(PARAMS, params)


def find_brigades(
    log: Log,
    *,
    engine: Engine | None = None,
    progress: Callable[[str], None] | None = None,
    **params,
) -> ReportsResult:
    """Judge every reported target: brigaded or not, with the evidence; and list the
    coordinated reporters.

    Parameters
    ----------
    log
        Reports as :func:`~concerted.lenses.reports.load.load_reports` reads them (``actor``
        the reporter, ``object`` the target, ``action`` the reason), or any log in those
        canonical columns.
    engine
        Where the core's joins run; embedded DuckDB when omitted.
    progress
        Called with a short message at each step.
    **params
        ``window_seconds`` (the burst window, default 3600), ``min_coordinated_reporters``
        (default 3), ``min_share`` (default 0.25), ``alpha`` (the burst test's level, default
        0.01): see the module docstring.

    Example
    -------
    Six accounts report the same four targets within a minute each time; eight unrelated
    people report a spammer, hours apart:

    >>> rows = [{"actor": f"b{i}", "object": f"victim{k}", "time": 86400.0 * k + 20 * i,
    ...          "action": "hate"} for k in range(4) for i in range(6)]
    >>> rows += [{"actor": f"u{i}", "object": "spammer", "time": 5000.0 * i, "action": "spam"}
    ...          for i in range(8)]
    >>> rows += [{"actor": f"o{i}", "object": f"t{i % 10}", "time": 3000.0 * i, "action": "spam"}
    ...          for i in range(40)]
    >>> result = find_brigades(make_log(rows))
    >>> result.targets.filter(result.targets["brigaded"])["target"].to_pylist()
    ['victim0', 'victim1', 'victim2', 'victim3']
    >>> result.reporters["reporter"].to_pylist()
    ['b0', 'b1', 'b2', 'b3', 'b4', 'b5']
    """
    p = check_params(**params)
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    reports = _reports(log)
    say(f"{reports.num_rows:,} reports on {pc.count_distinct(reports['target']).as_py():,} targets")
    membership = pa.table({"actor": pa.array([], pa.string()), "group": pa.array([], pa.int64())})
    tested = pa.table(
        {
            "actor": pa.array([], pa.string()),
            "group": pa.array([], pa.int64()),
            "p_value": pa.array([], pa.float64()),
            "evidence": pa.array([], pa.string()),
        }
    )
    con = connect()
    try:
        con.register("reports", reports)

        def judge(extra: pa.Table | None) -> tuple[pa.Table, pa.Table]:
            """Mark the reports and judge the targets with the groups so far (and ``extra``)."""
            nonlocal membership, tested
            if extra is not None:
                membership = pa.concat_tables([membership, extra.select(["actor", "group"])])
                tested = pa.concat_tables([tested, extra])
            con.register("members", membership)
            marked = _mark_coordinated(con)
            con.register("marked", marked)
            targets = _target_table(con, p)
            con.register("targets", targets)
            return marked, targets

        marked, targets = judge(None)  # the bursts, before any group is known
        core = _coordinated_groups(reports, _searched(targets, p), engine, say)
        if core is not None and core.num_rows:
            marked, targets = judge(core)
        overlap = _burst_groups(con, targets, membership, p)
        if overlap.num_rows:
            say(f"{overlap.num_rows:,} reporters in bursts that overlap beyond chance")
            marked, targets = judge(overlap)
        joiners = _joiners(con, p["min_joined_targets"])
        if joiners.num_rows:
            say(f"{joiners.num_rows:,} reporters joined a group on its brigaded targets")
            marked, targets = judge(joiners)
        say(f"{pc.sum(targets['brigaded']).as_py() or 0:,} brigaded targets")
        reporters = _reporter_table(con, tested)
        groups = _group_table(con)
    finally:
        con.close()
    summary = _summary(reports, targets, reporters, groups, p)
    summary.update(
        input=log.source, concerted_version=__version__,
        seconds=round(time.perf_counter() - started, 2),
    )  # fmt: skip
    return ReportsResult(targets, reporters, marked, groups, summary)


def _reports(log: Log) -> pa.Table:
    """The log as reports: ``reporter, target, time, reason, row``."""
    t = log.table
    reason = t["action"] if "action" in t.column_names else pa.nulls(len(log), pa.string())
    row = t["row"] if "row" in t.column_names else pa.array(range(1, len(log) + 1), pa.int64())
    return pa.table(
        {
            "reporter": t["actor"],
            "target": t["object"],
            "time": t["time"],
            "reason": pc.cast(reason, pa.string()),
            "row": row,
        }
    )


def _bursty(targets: pa.Table, p: dict) -> pa.Table:
    """The targets worth a search for groups: a significant burst of at least
    ``min_coordinated_reporters`` reports, at least :data:`MIN_BURST_RATIO` times what was
    expected (on a target reported thousands of times, a busy hour is significant without being
    a burst)."""
    return targets.filter(
        pc.and_(
            pc.and_(
                pc.less_equal(targets["burst_p_value"], p["alpha"]),
                pc.greater_equal(targets["peak_reports"], p["min_coordinated_reporters"]),
            ),
            pc.greater_equal(targets["burst_ratio"], MIN_BURST_RATIO),
        )
    )


def _searched(targets: pa.Table, p: dict) -> pa.ChunkedArray:
    """The targets whose reports the core searches: those with a burst (:func:`_bursty`), and,
    for its null model, every target with ``min_coordinated_reporters`` to
    :data:`MAX_QUIET_REPORTS` reports. The core learns how often people meet by chance from the
    targets as popular as the bursty ones; without them a small brigade's few targets would be
    all it saw in their stratum, and meeting on them would look like chance. Targets reported
    more often, without a burst, are left out: they are where the core's joins spend their time
    (on 10M reports), and no small brigade's target is as popular."""
    quiet = pc.and_(
        pc.greater_equal(targets["reports"], p["min_coordinated_reporters"]),
        pc.less(targets["reports"], MAX_QUIET_REPORTS),
    )
    bursty = pc.is_in(targets["target"], value_set=_bursty(targets, p)["target"].combine_chunks())
    return targets.filter(pc.or_(quiet, bursty))["target"]


def _coordinated_groups(
    reports: pa.Table, bursty: pa.ChunkedArray, engine: Engine | None, say: Callable[[str], None]
) -> pa.Table | None:
    """The core's groups among the reporters: ``actor, group, p_value, evidence`` (None when
    fewer than two reporters have a burst to search).

    Only the reports on the targets of :func:`_searched` are searched, each reporter's first report of a target only (reporting again is no co-action), and each target is its own
    source: reporting the same targets is the evidence, whoever came first.
    """
    con = connect()
    con.register("reports", reports)
    con.register("bursty", pa.table({"target": bursty}))
    firsts = con.sql(
        """
        SELECT reporter AS actor, target AS object, min(time) AS time, target AS source
        FROM reports JOIN bursty USING (target)
        GROUP BY reporter, target
        ORDER BY time, actor
        """
    ).to_arrow_table()
    con.close()
    columns = ["actor", "group", "p_value", "evidence"]
    if pc.count_distinct(firsts["actor"]).as_py() < 2:
        return None
    say(f"core engine: {firsts.num_rows:,} first reports on {len(bursty):,} targets")
    result = detect(make_log(firsts, source="the reports"), engine=engine, progress=say)
    actors = result.actors
    return actors.filter(pc.is_valid(actors["group"])).select(columns)


def _mark_coordinated(con) -> pa.Table:
    """Every report with its reporter's group and whether it is coordinated (another member of
    the group reported the same target within :data:`COORDINATION_WINDOW_SECONDS`)."""
    w = float(COORDINATION_WINDOW_SECONDS)
    return con.sql(
        f"""
        WITH m AS (
            SELECT r.row, r.reporter, r.target, r.time, g."group"
            FROM reports r JOIN members g ON r.reporter = g.actor
        ), hit AS (
            SELECT DISTINCT a.row
            FROM m a JOIN m b
              ON a.target = b.target AND a."group" = b."group" AND a.reporter <> b.reporter
             AND b.time >= a.time - {w} AND b.time <= a.time + {w}
        )
        SELECT r.reporter, r.target, r.time, r.reason, r.row, g."group",
               hit.row IS NOT NULL AS coordinated
        FROM reports r
        LEFT JOIN members g ON r.reporter = g.actor
        LEFT JOIN hit ON r.row = hit.row
        ORDER BY r.time, r.row
        """
    ).to_arrow_table()


def _burst_groups(con, targets: pa.Table, membership: pa.Table, p: dict) -> pa.Table:
    """Groups of reporters found in the bursts of several targets, beyond chance: ``actor,
    group, p_value, evidence`` for reporters in no group yet.

    The core's pairs need two reporters to meet within minutes on several targets; a large
    brigade that reports each target over most of an hour, on only a few targets, gives any two
    members a meeting or two at most. Seen from the targets, it is glaring: their bursts share
    dozens of reporters. People who report by habit land in the burst of a target ``A`` (its
    ``n_A`` reporters in its busiest window) with a chance of about ``n_A * a_r``, ``a_r`` their
    share of all reports, so two bursts share ``E = n_A * n_B * sum_r a_r**2`` of them by chance
    (heavy reporters, who join every hot post, make that sum large). Pairs of bursts (each
    significant, p at most ``alpha``) that share at least ``min_coordinated_reporters`` reporters
    with a Poisson p-value under ``alpha`` divided by the number of pairs of bursts (Bonferroni)
    are linked; the reporters in two or more bursts of a set of linked targets join the group
    most of the others there are in, or, if none is, make a new one (of two or more).
    """
    w = float(p["window_seconds"])
    bursty = _bursty(targets, p).select(["target", "peak_start"])
    empty = pa.table(
        {
            "actor": pa.array([], pa.string()),
            "group": pa.array([], pa.int64()),
            "p_value": pa.array([], pa.float64()),
            "evidence": pa.array([], pa.string()),
        }
    )
    m = bursty.num_rows
    if m < 2:
        return empty
    con.register("bursty", bursty)
    s2 = (
        con.sql(
            "SELECT sum(k * k) / (sum(k) * sum(k)) AS s2 FROM "
            "(SELECT count(*)::DOUBLE AS k FROM marked GROUP BY reporter)"
        )
        .to_arrow_table()["s2"][0]
        .as_py()
    )
    inside = con.sql(
        f"""
        SELECT DISTINCT m.target, m.reporter
        FROM marked m JOIN bursty b ON m.target = b.target
        WHERE m.time >= b.peak_start AND m.time <= b.peak_start + {w}
        """
    ).to_arrow_table()
    con.register("inside", inside)
    links = con.sql(
        f"""
        WITH n AS (SELECT target, count(*) AS n FROM inside GROUP BY target)
        SELECT a.target AS a, b.target AS b, count(*) AS shared, any_value(na.n) AS n_a,
               any_value(nb.n) AS n_b
        FROM inside a JOIN inside b ON a.reporter = b.reporter AND a.target < b.target
        JOIN n na ON na.target = a.target JOIN n nb ON nb.target = b.target
        GROUP BY a.target, b.target
        HAVING count(*) >= {int(p["min_coordinated_reporters"])}
        """
    ).to_arrow_table()
    if not links.num_rows:
        return empty
    expected = links["n_a"].to_numpy() * links["n_b"].to_numpy() * s2
    pvalues = stats.poisson.sf(links["shared"].to_numpy() - 1, expected)
    keep = pvalues <= p["alpha"] / (m * (m - 1) / 2)
    if not keep.any():
        return empty
    # Linked targets, joined into sets (union-find over the few links kept).
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    best: dict[str, float] = {}
    for a, b, pv in zip(
        links["a"].filter(keep).to_pylist(), links["b"].filter(keep).to_pylist(), pvalues[keep],
        strict=True,
    ):  # fmt: skip
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
        for t in (a, b):
            best[t] = min(best.get(t, 1.0), float(pv))
    component = pa.table(
        {"target": list(best), "component": [root(t) for t in best], "p": list(best.values())}
    )
    con.register("component", component)
    con.register("grouped", membership)
    first = int(pc.max(membership["group"]).as_py() or 0) if membership.num_rows else 0
    return con.sql(
        f"""
        WITH hits AS (
            SELECT i.reporter, c.component, count(*) AS bursts, min(c.p) AS p
            FROM inside i JOIN component c USING (target)
            GROUP BY i.reporter, c.component HAVING count(*) >= 2
        ), known AS (
            SELECT h.component, g."group", count(*) AS n
            FROM hits h JOIN grouped g ON g.actor = h.reporter GROUP BY h.component, g."group"
        ), owner AS (
            -- targets of a group already found: its missing members join it
            SELECT component, first("group" ORDER BY n DESC, "group") AS "group"
            FROM known GROUP BY component
        ), fresh AS (
            SELECT component FROM hits
            WHERE component NOT IN (SELECT component FROM owner)
            GROUP BY component HAVING count(*) >= 2
        ), numbered AS (
            SELECT component, "group" FROM owner
            UNION ALL
            SELECT component, {first} + row_number() OVER (ORDER BY component) FROM fresh
        )
        SELECT h.reporter AS actor, CAST(first(n."group" ORDER BY h.bursts DESC) AS BIGINT)
                   AS "group",
               min(h.p) AS p_value,
               'in the bursts of ' || CAST(max(h.bursts) AS VARCHAR)
               || ' targets whose reporters overlap beyond chance' AS evidence
        FROM hits h JOIN numbered n USING (component)
        WHERE h.reporter NOT IN (SELECT actor FROM grouped)
        GROUP BY h.reporter ORDER BY "group", actor
        """
    ).to_arrow_table()


def _joiners(con, min_targets: int) -> pa.Table:
    """Reporters in no group who reported at least ``min_targets`` of one group's brigaded
    targets, each time within :data:`COORDINATION_WINDOW_SECONDS` of a member's coordinated
    report: ``actor, group, p_value`` (null), ``evidence``.

    The core's membership test wants more than two hits against a member's whole activity, so a
    brigade member who answered only two calls stays out of its group; joining the same group's
    attacks, in step with it, on two targets that were brigaded is what an honest reporter does
    not do by chance (the group's targets are few, its reports minutes wide).
    """
    w = float(COORDINATION_WINDOW_SECONDS)
    return con.sql(
        f"""
        WITH b AS (SELECT target, top_group AS "group" FROM targets WHERE brigaded),
        c AS (
            SELECT m.target, m.time, m."group"
            FROM marked m JOIN b ON m.target = b.target AND m."group" = b."group"
            WHERE m.coordinated
        ), j AS (
            SELECT DISTINCT r.reporter, c."group", r.target
            FROM marked r JOIN c
              ON r.target = c.target AND r.time >= c.time - {w} AND r.time <= c.time + {w}
            WHERE r."group" IS NULL
        ), n AS (
            SELECT reporter, "group", count(*) AS targets FROM j GROUP BY reporter, "group"
            HAVING count(*) >= {int(min_targets)}
        )
        SELECT reporter AS actor, CAST(min("group") AS BIGINT) AS "group",
               CAST(NULL AS DOUBLE) AS p_value,
               'joined group ' || CAST(min("group") AS VARCHAR) || ' on '
               || CAST(max(targets) AS VARCHAR) || ' of its brigaded targets, in step with it'
                   AS evidence
        FROM n GROUP BY reporter ORDER BY reporter
        """
    ).to_arrow_table()


def _target_table(con, p: dict) -> pa.Table:
    """One row per target (:data:`.tables.TARGETS`), judged."""
    w = float(p["window_seconds"])
    base = con.sql(
        f"""
        WITH span AS (
            SELECT greatest(max(time) - min(time), {w}) AS seconds, count(*) AS n,
                   count(DISTINCT target) AS targets FROM marked
        ), hours AS (
            SELECT count(*) AS n FROM marked GROUP BY floor((time % 86400) / 3600)
        ), rhythm AS (
            -- how much busier than average the platform's busiest hour of the day is: a
            -- target's busiest hour is that much busier than its average without any burst
            SELECT greatest(max(n) * 24.0 / sum(n), 1.0) AS factor FROM hours
        ), peaks AS (
            SELECT target, time,
                   count(*) OVER (PARTITION BY target ORDER BY time
                                  RANGE BETWEEN CURRENT ROW AND {w} FOLLOWING) AS inside
            FROM marked
        ), peak AS (
            SELECT target, max(inside) AS peak_reports, first(time ORDER BY inside DESC, time) AS peak_start
            FROM peaks GROUP BY target
        ), per_reporter AS (
            SELECT reporter, count(*) AS total, arg_min(target, time) AS first_target
            FROM marked GROUP BY reporter
        ), pairs AS (
            SELECT DISTINCT m.target, m.reporter, p.total, p.first_target = m.target AS first
            FROM marked m JOIN per_reporter p USING (reporter)
        ), history AS (
            SELECT target, avg(first::INT) AS first_report_share,
                   median(total) AS median_reporter_reports
            FROM pairs GROUP BY target
        ), reasons AS (
            SELECT target, reason, count(*) AS n, sum(coordinated::INT) AS c
            FROM marked GROUP BY target, reason
        ), reason AS (
            SELECT target, first(reason ORDER BY n DESC, reason) AS top_reason, max(n) AS top_n,
                   max(c) AS top_c
            FROM reasons GROUP BY target
        ), grp AS (
            SELECT target, "group", count(*) AS n, count(DISTINCT reporter) AS reporters
            FROM marked WHERE coordinated GROUP BY target, "group"
        ), grps AS (
            SELECT target, count(*) AS groups, first("group" ORDER BY n DESC, "group") AS top_group,
                   max(reporters) AS top_group_reporters
            FROM grp GROUP BY target
        ), t AS (
            SELECT target, count(*) AS reports, count(DISTINCT reporter) AS reporters,
                   sum(coordinated::INT) AS coordinated_reports,
                   count(DISTINCT CASE WHEN coordinated THEN reporter END) AS coordinated_reporters,
                   min(time) AS first_time, max(time) AS last_time,
                   min(CASE WHEN coordinated THEN time END) AS c_first,
                   max(CASE WHEN coordinated THEN time END) AS c_last
            FROM marked GROUP BY target
        ), attack AS (
            -- the reports from a window before the first coordinated report to a window after
            -- the last: the spell the group made
            SELECT m.target, count(*) AS attack_reports
            FROM marked m JOIN t ON m.target = t.target
            WHERE m.time >= t.c_first - {float(COORDINATION_WINDOW_SECONDS)} AND m.time <= t.c_last + {float(COORDINATION_WINDOW_SECONDS)}
            GROUP BY m.target
        )
        SELECT t.target, t.reports, t.reporters, t.coordinated_reports, t.coordinated_reporters,
               t.coordinated_reports / t.reports AS coordinated_share,
               coalesce(t.coordinated_reports / attack.attack_reports, 0.0)
                   AS attack_share,
               coalesce(grps.groups, 0) AS groups, grps.top_group,
               coalesce(grps.top_group_reporters, 0) AS top_group_reporters,
               peak.peak_reports, peak.peak_start,
               -- own history: its reports outside the peak window over the span it was
               -- reported; the platform: reports per target per second over the whole log
               {w} * rhythm.factor * greatest(
                   (t.reports - peak.peak_reports)
                       / greatest(t.last_time - t.first_time - {w}, {w}),
                   span.n / span.targets / span.seconds) AS expected_reports,
               reason.top_reason, reason.top_n / t.reports AS top_reason_share,
               CASE WHEN t.coordinated_reports > 0
                    THEN reason.top_c / t.coordinated_reports END AS coordinated_reason_share,
               history.first_report_share, history.median_reporter_reports,
               t.first_time, t.last_time
        FROM t JOIN peak USING (target) JOIN reason USING (target) JOIN history USING (target)
        LEFT JOIN grps USING (target) LEFT JOIN attack USING (target) CROSS JOIN span CROSS JOIN rhythm
        """
    ).to_arrow_table()
    peak = base["peak_reports"].to_numpy().astype(float)
    expected = base["expected_reports"].to_numpy()
    burst_p = stats.poisson.sf(peak - 1, expected)
    ratio = peak / expected
    brigaded = (
        (base["top_group_reporters"].to_numpy() >= p["min_coordinated_reporters"])
        & (base["attack_share"].to_numpy() >= p["min_share"])
        & (burst_p <= p["alpha"])
    )
    table = base.drop_columns(["top_group_reporters"])
    table = table.append_column("brigaded", pa.array(brigaded))
    table = table.append_column("burst_ratio", pa.array(np.round(ratio, 3)))
    table = table.append_column("burst_p_value", pa.array(burst_p))
    table = table.append_column("evidence", pa.array(_evidence(table, w), pa.string()))
    order = pc.sort_indices(
        table,
        sort_keys=[
            ("brigaded", "descending"),
            ("coordinated_reports", "descending"),
            ("burst_ratio", "descending"),
            ("reports", "descending"),
            ("target", "ascending"),
        ],
    )
    table = table.take(order)
    return pa.table({f.name: pc.cast(table[f.name], f.type) for f in TARGETS}, schema=TARGETS)


def _evidence(table: pa.Table, window: float) -> list[str | None]:
    """A sentence of evidence per target with coordinated reports (null for the others: with
    millions of targets, only those are read)."""
    mask = table["coordinated_reports"].to_numpy() > 0
    out: list[str | None] = [None] * table.num_rows
    rows = table.filter(pa.array(mask)).to_pylist()
    for i, r in zip(np.flatnonzero(mask).tolist(), rows, strict=True):
        parts = []
        if r["coordinated_reports"]:
            parts.append(
                f"{r['coordinated_reports']} of {r['reports']} reports "
                f"({100 * r['coordinated_share']:.0f}%) from {r['coordinated_reporters']} "
                f"reporters of {r['groups']} coordinated group(s), each within "
                f"{COORDINATION_WINDOW_SECONDS / 60:g} min of another member's"
            )
        parts.append(
            f"{r['peak_reports']} reports within {window / 3600:g} h against "
            f"{r['expected_reports']:.2g} expected (p={r['burst_p_value']:.2g})"
        )
        if r["top_reason"] is not None:
            parts.append(f"{100 * r['top_reason_share']:.0f}% give the reason {r['top_reason']!r}")
        parts.append(
            f"it was the first target reported by {100 * r['first_report_share']:.0f}% of its "
            "reporters"
        )
        out[i] = "; ".join(parts)
    return out


def _reporter_table(con, tested: pa.Table) -> pa.Table:
    """One row per group member (:data:`.tables.REPORTERS`)."""
    con.register("tested", tested.select(["actor", "p_value", "evidence"]))
    table = con.sql(
        """
        WITH b AS (SELECT target FROM targets WHERE brigaded)
        SELECT m.reporter, any_value(m."group") AS "group", count(*) AS reports,
               count(DISTINCT m.target) AS targets,
               sum(m.coordinated::INT) AS coordinated_reports,
               sum((m.coordinated AND b.target IS NOT NULL)::INT) AS brigade_reports,
               sum((m.coordinated AND b.target IS NOT NULL)::INT) / count(*) AS brigade_share,
               count(DISTINCT CASE WHEN m.coordinated AND b.target IS NOT NULL
                                   THEN m.target END) AS brigaded_targets,
               any_value(t.p_value) AS p_value,
               min(m.time) AS first_time, max(m.time) AS last_time,
               any_value(t.evidence) AS evidence
        FROM marked m LEFT JOIN b USING (target) LEFT JOIN tested t ON t.actor = m.reporter
        WHERE m."group" IS NOT NULL
        GROUP BY m.reporter
        ORDER BY "group", brigade_reports DESC, reporter
        """
    ).to_arrow_table()
    return pa.table({f.name: pc.cast(table[f.name], f.type) for f in REPORTERS}, schema=REPORTERS)


def _group_table(con) -> pa.Table:
    """One row per coordinated group."""
    return con.sql(
        """
        SELECT m."group", count(DISTINCT m.reporter) AS size, count(*) AS reports,
               CAST(sum(m.coordinated::INT) AS BIGINT) AS coordinated_reports,
               count(DISTINCT CASE WHEN m.coordinated THEN m.target END) AS targets,
               count(DISTINCT CASE WHEN m.coordinated AND t.brigaded THEN m.target END)
                   AS brigaded_targets,
               mode(CASE WHEN m.coordinated THEN m.reason END) AS top_reason
        FROM marked m JOIN targets t USING (target)
        WHERE m."group" IS NOT NULL
        GROUP BY m."group" ORDER BY m."group"
        """
    ).to_arrow_table()


def _summary(reports, targets, reporters, groups, p) -> dict:
    brigaded = targets.filter(targets["brigaded"])
    return {
        "reports": reports.num_rows,
        "targets": targets.num_rows,
        "reporters": pc.count_distinct(reports["reporter"]).as_py(),
        "brigaded_targets": brigaded.num_rows,
        "brigade_reports": int(pc.sum(brigaded["coordinated_reports"]).as_py() or 0),
        "groups": groups.num_rows,
        "coordinated_reporters": reporters.num_rows,
        "brigaders": int(pc.sum(pc.greater(reporters["brigade_reports"], 0)).as_py() or 0),
        "coordination_window_seconds": COORDINATION_WINDOW_SECONDS,
        "params": p,
    }
