"""detect(): from an action log to coordinated groups with their evidence, in one call.

This is the function behind ``concerted detect``; the CLI, the report and the web app are thin
layers over it.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__, results
from .detectors import CoAction, Detector, Findings
from .engines import Engine, get_engine
from .engines.base import member_table
from .errors import ParameterError
from .groups import MIN_GROUP_WEIGHT, groups_from_pairs, number_groups, with_groups
from .layers import Layer, add_layers, label_layers
from .progress import DETECT, GROUPS, PAIRS, report
from .schema import Log
from .significance import MAX_LOG10
from .sources import describe_sources, missing_source_note


@dataclass
class Result:
    """Everything a run found, ready to be written, rendered or served.

    Each table conforms to the results contract (:mod:`concerted.results`): every column it
    declares, in order, null where it does not apply.

    Attributes
    ----------
    edges
        The coordinated pairs: ``actor, actor_y, weight, co_actions, median_delay_seconds, ...,
        group`` (the group both ends belong to, or null).
    evidence
        The co-actions behind each edge: ``actor, actor_y, group, object, time, time_y``.
    groups
        One row per group: ``group, size, edges, density, objects, actions, first_time,
        last_time, median_delay_seconds, score, ..., top_source, top_source_share`` (the account
        whose objects draw most of the group's actions, and that share), ranked by score.
    actors
        One row per actor in a group: ``actor, group, score, degree, strength, actions, ...,
        delay_after_source_seconds`` (its median delay after the posts it reacted to).
    group_actions
        The members' actions on the objects their group shares: the timeline and the evidence.
    summary
        Headline figures and the configuration, as written to ``summary.json``.
    """

    log: Log
    findings: Findings
    edges: pa.Table
    evidence: pa.Table
    groups: pa.Table
    actors: pa.Table
    group_actions: pa.Table
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def tested(self) -> bool:
        """Whether the detector tested its findings against a null model (the columns of
        :data:`concerted.results.TESTED_ONLY` are filled only then)."""
        return self.findings.groups is not None

    @property
    def stored(self) -> bool:
        """Whether the run read an evidence store (the columns of
        :data:`concerted.results.STORE_ONLY` are filled only then)."""
        return "store" in self.summary

    @property
    def layered(self) -> bool:
        """Whether the run added layers to the log's own objects (``--text``): the columns of
        :data:`concerted.results.LAYERED_ONLY` are filled only then."""
        return "layers" in self.summary

    @property
    def peer(self) -> str | None:
        """The peer tool the detector reproduced (``qut``, ``coortweet``), if any: its columns of
        :data:`concerted.results.PEER_ONLY` are filled only then."""
        return self.findings.detector if self.findings.detector in results.PEER_ONLY else None


def detect(
    log: Log,
    *,
    detector: Detector | None = None,
    engine: Engine | str | None = None,
    min_group_size: int | None = None,
    progress: Callable[[str], None] | None = None,
    layers: Sequence[Layer] = (),
) -> Result:
    """Find coordinated groups in ``log``.

    Parameters
    ----------
    log
        An action log (see :func:`concerted.load_log`).
    detector
        The detector to run; :class:`~concerted.detectors.CoAction` with its defaults (windows of
        3, 10, 60 and 600 s, pairs tested against the null model of organic activity) when omitted.
    engine
        Where joins run: an :class:`~concerted.engines.Engine` or its name (``"duckdb"``,
        ``"spark"``: see :func:`~concerted.get_engine`); embedded DuckDB when omitted. Both
        engines give the same results.
    min_group_size
        Groups smaller than this (an integer, at least 2; anything else is refused with
        :class:`ParameterError` before any work) are not reported. Default: 3 when the detector
        tests its findings (a lone significant pair is the weakest evidence there is, and stays
        in ``edges`` with its p-value), 2 (a pair) in classic mode, as the peer tools report.
    progress
        Called with a short message at each step (the CLI prints them to stderr).
    layers
        More objects derived from the log (:mod:`concerted.layers`): ``[TextLayer()]`` adds a
        cluster of near-identical texts as an object (``concerted detect --text``),
        ``[NarrativeLayer()]`` a narrative told in any language (``--narratives``). Their
        actions join the log's before the detector runs, so the same test, groups and evidence
        apply; edges and groups then say which layer(s) they came from (``layers``), and the
        evidence holds both actors' texts.

    Example
    -------
    >>> from concerted import make_log, detect
    >>> rows = [{"actor": a, "object": o, "time": t + d}
    ...         for o, t in (("x", 0), ("y", 900), ("z", 1800))
    ...         for a, d in (("a1", 0), ("a2", 3), ("a3", 6))]
    >>> result = detect(make_log(rows), detector=CoAction(significance=False))
    >>> result.actors["actor"].to_pylist(), result.actors["group"].to_pylist()
    (['a1', 'a2', 'a3'], [1, 1, 1])
    """
    check_min_group_size(min_group_size)
    started = time.perf_counter()
    detector = detector or CoAction()
    engine = engine if isinstance(engine, Engine) else get_engine(engine)
    for layer in layers:
        layer.check()
    if layers:
        report(progress, f"layers: {', '.join(layer.name for layer in layers)}", DETECT)
        log = add_layers(log, layers)
    report(progress, f"{detector.name}: {len(log):,} actions", DETECT)
    findings = detector.detect(log, engine)
    if min_group_size is None:
        min_group_size = 3 if findings.groups is not None else 2
    report(
        progress,
        f"{findings.pairs.num_rows:,} coordinated pairs of {findings.candidate_pairs:,} candidates",
        PAIRS,
    )
    if findings.groups is not None:
        membership = number_groups(findings.groups, min_group_size)
    else:
        membership = groups_from_pairs(findings.pairs, min_size=min_group_size)
    report(
        progress, f"{len(set(membership.values())):,} groups, {len(membership):,} actors", GROUPS
    )
    group_actions = results.conform(
        "group_actions", engine.group_actions(log, member_table(membership))
    )
    edges = results.conform("edges", with_groups(findings.pairs, membership))
    evidence = results.conform("evidence", with_groups(findings.evidence, membership))
    actors = _actor_table(edges, membership, findings.actors, findings.groups)
    top, delays = describe_sources(log, findings.objects, group_actions)
    actors = actors.append_column(
        "delay_after_source_seconds",
        pa.array(
            [delays.get((g, a)) for a, g in zip(actors["actor"].to_pylist(),
             actors["group"].to_pylist(), strict=True)], pa.float64(),
        ),
    )  # fmt: skip
    actors = results.conform("actors", actors)
    tested = findings.groups is not None
    groups = _group_table(edges, actors, group_actions, top, tested)
    # Groups are numbered by rank: group 1 is the strongest, wherever a group's number is read.
    edges, evidence, actors, group_actions, groups = renumber_by_score(
        groups, edges=edges, evidence=evidence, actors=actors, group_actions=group_actions
    )
    summary = _summary(log, findings, groups, actors, engine, time.perf_counter() - started)
    summary["min_group_size"] = min_group_size
    if layers:
        edges, evidence, groups = label_layers(log, edges, evidence, groups, group_actions)
        summary["layers"] = [layer.name for layer in layers]
    summary["notes"] += _lone_pairs(edges, membership, min_group_size)
    summary["notes"] += missing_source_note(log, findings.params.get("object_sources"))
    return Result(log, findings, edges, evidence, groups, actors, group_actions, summary)


def renumber_by_score(groups: pa.Table, **tables: pa.Table) -> tuple[pa.Table, ...]:
    """Number the groups by rank: 1 for the highest ``score`` (ties by their number before), so
    that the groups' order and numbers agree in every file, page and message. Returns each table
    of ``tables`` (keyword order) with its ``group`` renumbered and its rows in the contract's
    order, then ``groups`` renumbered, by number.

    >>> import pyarrow as pa
    >>> groups = pa.table({"group": [1, 2], "score": [5.0, 9.0]})
    >>> actors = pa.table({"actor": ["a", "b"], "group": [1, 2], "strength": [1.0, 1.0]})
    >>> a, g = renumber_by_score(groups, actors=actors)
    >>> a["actor"].to_pylist(), a["group"].to_pylist(), g["score"].to_pylist()
    (['b', 'a'], [1, 2], [9.0, 5.0])
    """
    old = groups["group"].to_pylist()
    ranked = sorted(zip(groups["score"].to_pylist(), old, strict=True), key=lambda r: (-r[0], r[1]))
    number = {g: i + 1 for i, (_, g) in enumerate(ranked)}
    out = []
    for name, table in (*tables.items(), ("groups", groups)):
        if number == {g: g for g in number}:  # already in rank order
            out.append(table)
            continue
        renumbered = pa.array(
            [None if g is None else number[g] for g in table["group"].to_pylist()], pa.int64()
        )
        table = table.set_column(table.schema.get_field_index("group"), "group", renumbered)
        order = _ORDER.get(name)
        out.append(table.sort_by(order) if order else table)
    return tuple(out)


# The order of a table's rows by group (as the results contract says); the others keep theirs.
_ORDER = {
    "groups": [("group", "ascending")],
    "actors": [("group", "ascending"), ("strength", "descending"), ("actor", "ascending")],
    "group_actions": [
        ("group", "ascending"),
        ("time", "ascending"),
        ("actor", "ascending"),
        ("row", "ascending"),
        ("object", "ascending"),
    ],
}


def check_min_group_size(min_group_size: int | None) -> None:
    """Raise :class:`ParameterError` unless ``min_group_size`` is None (the default) or an
    integer of at least 2; :func:`detect` checks it before any work.

    >>> check_min_group_size(1)
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: --min-group-size must be at least 2 (a pair is the smallest group). Got 1.
    """
    if min_group_size is None:
        return
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, numbers.Integral):
        raise ParameterError(
            f"--min-group-size must be a whole number of actors (at least 2). Got {min_group_size!r}."
        )
    if min_group_size < 2:
        raise ParameterError(
            f"--min-group-size must be at least 2 (a pair is the smallest group). Got {min_group_size!r}."
        )


def _lone_pairs(edges: pa.Table, membership: dict[str, int], min_size: int) -> list[str]:
    """A note on the coordinated pairs whose accounts are in no reported group, if any: those
    that a smaller ``--min-group-size`` would group, and those that co-acted on too few objects
    (fewer than :data:`~concerted.groups.MIN_GROUP_WEIGHT`) to form a group at all."""
    grouped = pa.array(list(membership), pa.string())
    outside = pc.and_(
        pc.invert(pc.is_in(edges["actor"], value_set=grouped)),
        pc.invert(pc.is_in(edges["actor_y"], value_set=grouped)),
    )
    once = pc.less(edges["weight"], MIN_GROUP_WEIGHT)
    lone = pc.sum(pc.and_(outside, pc.invert(once)).cast(pa.int64())).as_py()
    weak = pc.sum(pc.and_(outside, once).cast(pa.int64())).as_py()
    notes = []
    if lone:
        notes.append(
            f"{lone:,} coordinated pair(s) of accounts in no group of {min_size} or more: "
            "edges.csv lists them with an empty group"
            + (" (--min-group-size 2 makes them groups)" if min_size > 2 else "")
        )
    if weak:
        notes.append(
            f"{weak:,} coordinated pair(s) of weight below {MIN_GROUP_WEIGHT} are in no group: "
            f"groups are built from pairs that acted together {MIN_GROUP_WEIGHT} times or more "
            "(acting together once is what crowds do); edges.csv lists them with an empty group"
        )
    return notes


def _actor_table(
    edges: pa.Table, membership: dict[str, int], stats: pa.Table, tested: pa.Table | None
) -> pa.Table:
    inside = edges.filter(pc.is_valid(edges["group"]))
    names = pa.array(list(membership), pa.string())
    s = inside["strength"].to_numpy()
    ends = [
        pc.index_in(inside[c], value_set=names).to_numpy(zero_copy_only=False)
        for c in ("actor", "actor_y")
    ]
    strength_arr = sum(np.bincount(e, weights=s, minlength=len(names)) for e in ends)
    degree_arr = sum(np.bincount(e, minlength=len(names)) for e in ends)
    strength = dict(zip(membership, np.asarray(strength_arr, dtype=float).tolist(), strict=True))
    degree = dict(zip(membership, np.asarray(degree_arr, dtype=int).tolist(), strict=True))
    top: dict[int, float] = {}
    for a, g in membership.items():
        top[g] = max(top.get(g, 0.0), strength.get(a, 0.0))
    actions = dict(zip(stats["actor"].to_pylist(), stats["actions"].to_pylist(), strict=True))
    rows = sorted(membership.items(), key=lambda x: (x[1], -strength.get(x[0], 0.0), x[0]))
    table = pa.table(
        {
            "actor": [a for a, _ in rows],
            "group": pa.array([g for _, g in rows], pa.int64()),
            # 1.0 for the group's most connected member: how central an actor is to its group.
            "score": [round(strength.get(a, 0.0) / top[g], 4) if top[g] else 0.0 for a, g in rows],
            "degree": pa.array([degree.get(a, 0) for a, _ in rows], pa.int64()),
            "strength": [round(strength.get(a, 0.0), 3) for a, _ in rows],
            "actions": pa.array([actions.get(a, 0) for a, _ in rows], pa.int64()),
        }
    )
    if tested is None:
        return table
    # The detector's own membership test: why each actor is in its group.
    test = {r["actor"]: r for r in tested.to_pylist()}
    for column, kind in (
        ("evidence", pa.string()),
        ("observed", pa.int64()),
        ("expected", pa.float64()),
        ("p_value", pa.float64()),
    ):
        values = [test.get(a, {}).get(column) for a, _ in rows]
        table = table.append_column(column, pa.array(values, kind))
    return table


def _group_table(
    edges: pa.Table,
    actors: pa.Table,
    group_actions: pa.Table,
    top: dict[int, tuple[str | None, float]],
    tested: bool,
) -> pa.Table:
    """One row per group, from its internal edges, its members and their shared actions.

    ``observed`` sums the internal pairs' observed counts (what the test that judged each pair
    counted: distinct sources co-acted on, or reactions to an audience's posts) and ``expected``
    what the null model predicts for them by chance: how far the group is from an organic crowd,
    in one line; untested pairs (``tested`` false) sum their ``sources``, and ``expected`` is
    null. ``top`` gives each group's top source and its share
    (:func:`~concerted.sources.describe_sources`).
    """
    inside = edges.filter(pc.is_valid(edges["group"]))
    observed = "observed" if tested else "sources"
    sums = [("strength", "sum"), ("strength", "count"), (observed, "sum")]
    sums += [
        ("median_delay_seconds", "approximate_median"),
        ("first_time", "min"),
        ("last_time", "max"),
    ]
    if tested:
        sums.append(("expected", "sum"))
    e = {r["group"]: r for r in inside.group_by("group").aggregate(sums).to_pylist()}
    ga = {
        r["group"]: r
        for r in group_actions.group_by("group")
        .aggregate(
            [("object", "count_distinct"), ("object", "count"), ("time", "min"), ("time", "max")]
        )
        .to_pylist()
    }
    # A group found as a group (no member pair significant on its own) is described by its
    # members' group tests instead: their observed and expected counts, their strength.
    # A member no pair proves adds the strength of its own group test to the group's score.
    tests: dict[int, dict] = {}
    by_group_test: dict[int, float] = {}
    if tested:
        columns = ["group", "observed", "expected", "p_value", "evidence"]
        for r in actors.select(columns).to_pylist():
            t = tests.setdefault(r["group"], {"observed": 0, "expected": 0.0, "strength": 0.0})
            strength = min(-math.log10(max(r["p_value"] or 1.0, 1e-300)), MAX_LOG10)
            t["observed"] += r["observed"] or 0
            t["expected"] += r["expected"] or 0.0
            t["strength"] += strength
            if r["evidence"] == "group":
                by_group_test[r["group"]] = by_group_test.get(r["group"], 0.0) + strength
    size = dict(zip(*np.unique(actors["group"].to_numpy(), return_counts=True), strict=True))
    joined: dict[int, int] = {}
    if tested:
        for g, via in zip(actors["group"].to_pylist(), actors["evidence"].to_pylist(), strict=True):
            joined[g] = joined.get(g, 0) + (via == "group")
    rows = []
    for g in sorted(size):
        n, stats, acts = int(size[g]), e.get(g, {}), ga.get(g, {})
        n_edges = stats.get("strength_count", 0)
        if not n_edges and g in tests:
            t = tests[g]
            stats = {
                f"{observed}_sum": t["observed"],
                "expected_sum": t["expected"],
                "strength_sum": t["strength"],
                "first_time_min": acts.get("time_min"),
                "last_time_max": acts.get("time_max"),
            }
        rows.append(
            {
                "group": g,
                "size": n,
                "edges": n_edges,
                "density": round(n_edges / (n * (n - 1) / 2), 4) if n > 1 else 0.0,
                "objects": acts.get("object_count_distinct", 0),
                "actions": acts.get("object_count", 0),
                "first_time": stats.get("first_time_min"),
                "last_time": stats.get("last_time_max"),
                "median_delay_seconds": stats.get("median_delay_seconds_approximate_median"),
                "observed": stats.get(f"{observed}_sum"),
                "expected": round(stats["expected_sum"], 3) if "expected_sum" in stats else None,
                "score": round(
                    stats.get("strength_sum", 0.0)
                    + (by_group_test.get(g, 0.0) if n_edges else 0.0),
                    3,
                ),
                "joined_by_group_test": joined.get(g, 0),
                "top_source": top.get(g, (None, 0))[0],
                "top_source_share": top.get(g, (None, None))[1],
            }
        )
    return pa.Table.from_pylist(rows, schema=results.empty("groups").schema)


def _summary(
    log: Log,
    findings: Findings,
    groups: pa.Table,
    actors: pa.Table,
    engine: Engine,
    seconds: float,
) -> dict[str, Any]:
    times = log.table["time"]
    return {
        "concerted_version": __version__,
        "input": log.source,
        "actions": len(log),
        "actors": findings.actors.num_rows,
        "objects": findings.objects.num_rows,
        "first_time": pc.min(times).as_py() if len(log) else None,
        "last_time": pc.max(times).as_py() if len(log) else None,
        "detector": findings.detector,
        "engine": engine.name,
        "params": findings.params,
        "candidate_pairs": findings.candidate_pairs,
        "coordinated_pairs": findings.pairs.num_rows,
        "groups": groups.num_rows,
        "coordinated_actors": actors.num_rows,
        "notes": list(log.notes) + list(findings.notes),
        "seconds": round(seconds, 3),
    }
