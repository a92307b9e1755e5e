"""What the report shows of each group, shaped for the page: tables for the template and, for the
interactive network view, a JSON-ready dict per group (layout computed here, so the page only
draws). Sizes are capped so a run with millions of pairs still gives a page that opens at once;
everything is in the CSV files beside it."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace
from typing import TYPE_CHECKING

import igraph as ig
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from ..pipeline import Result
    from ..results import Results

TOP_GROUPS = 30  # groups shown in detail; the rest are in groups.csv
TOP_EDGES = 15  # evidence rows per group in the printed table
TOP_OBJECTS = 10
MAX_NODES_DRAWN = 300  # members drawn in a group's network (its core first, see core_first)
MAX_EDGES_DRAWN = 2000
LINKS_PER_MEMBER = 3  # each member's strongest links drawn before any other
EVIDENCE_PER_EDGE = 20  # co-actions listed when an edge is clicked
ACTIONS_PER_NODE = 50  # actions listed when a member is clicked
MAX_TEXT = 280  # characters of a post shown in the page
IN_STEP_LOOKAHEAD = 200  # actions looked ahead for a member in step (bounds a busy object)


def group_view(result: Result, group: dict, max_nodes: int = MAX_NODES_DRAWN) -> dict:
    """A group's tables for the template, and ``network``: its nodes (with layout), edges (with
    their co-actions) and members' actions, for the page's script. A group of more than
    ``max_nodes`` members is drawn as its core (:func:`core_first`)."""
    g = group["group"]
    members = result.actors.filter(pc.equal(result.actors["group"], g)).sort_by(
        [("score", "descending"), ("actor", "ascending")]
    )
    edges = result.edges.filter(pc.equal(result.edges["group"], g))
    actions = result.group_actions.filter(pc.equal(result.group_actions["group"], g))
    evidence = result.evidence.filter(pc.equal(result.evidence["group"], g))
    texts: dict[tuple[str, str], str | None] = {}
    for actor, obj, text in zip(
        actions["actor"].to_pylist(),
        actions["object"].to_pylist(),
        actions["text"].to_pylist(),
        strict=True,
    ):
        texts.setdefault((actor, obj), text)
    return {
        **group,
        "members": members.slice(0, 100).to_pylist(),
        "top_objects": _top_objects(actions, _widest_window(result)),
        "evidence": _strongest_evidence(edges, evidence, texts),
        "network": _network(members, edges, evidence, actions, texts, max_nodes),
        "timeline": _timeline(actions["time"].to_pylist()),
    }


def _widest_window(result: Result) -> float:
    """The widest window the detector judged co-actions at (600 s by default)."""
    w = result.summary.get("params", {}).get("window_seconds", 600)
    return float(max(w) if isinstance(w, list) else w or 600)


def _top_objects(actions: pa.Table, window: float) -> list[dict]:
    """The objects most members acted on *in step* (within ``window`` of another member), then
    by members: the objects a group pushed come before those its members merely share, such as
    a popular hashtag heavy users all post to now and then."""
    by_object: dict[str, list[tuple[float, str]]] = {}
    for o, a, t in zip(
        actions["object"].to_pylist(),
        actions["actor"].to_pylist(),
        actions["time"].to_pylist(),
        strict=True,
    ):
        by_object.setdefault(o, []).append((t, a))
    rows = []
    for o, acts in by_object.items():
        acts.sort()
        in_step: set[str] = set()
        for i, (t, a) in enumerate(acts):
            # The next actions within the window (at most IN_STEP_LOOKAHEAD of them).
            for t2, a2 in acts[i + 1 : i + 1 + IN_STEP_LOOKAHEAD]:
                if t2 - t > window:
                    break
                if a2 != a:
                    in_step.update((a, a2))
        rows.append(
            {
                "object": o,
                "actor_count_distinct": len({a for _, a in acts}),
                "in_step": len(in_step),
                "time_min": acts[0][0],
                "time_max": acts[-1][0],
            }
        )
    rows.sort(key=lambda r: (-r["in_step"], -r["actor_count_distinct"], r["object"]))
    return rows[:TOP_OBJECTS]


def _strongest_evidence(edges: pa.Table, evidence: pa.Table, texts: dict) -> list[dict]:
    top = edges.slice(0, TOP_EDGES).select(["actor", "actor_y"])
    rows = evidence.join(top, keys=["actor", "actor_y"], join_type="left semi")
    rows = rows.sort_by([("actor", "ascending"), ("actor_y", "ascending"), ("time", "ascending")])
    return [
        {
            **e,
            # A run with a text layer holds each action's own text in its evidence.
            "text": e.get("text") or texts.get((e["actor"], e["object"])),
            "text_y": e.get("text_y") or texts.get((e["actor_y"], e["object"])),
        }
        for e in rows.slice(0, TOP_EDGES * 2).to_pylist()
    ]


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_TEXT:
        return text
    return text[: MAX_TEXT - 1] + "\u2026"


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def core_first(members: pa.Table, edges: pa.Table) -> tuple[list[str], list[int]]:
    """A group's members, its core first: by coreness in its links (the largest k such that the
    member is in the group's k-core, where each member has k links or more to others of it),
    then by score, then by name; and the coreness of each. Members of a group no pair proves
    (found by the group test) all have coreness 0 and come by score.

    >>> import pyarrow as pa
    >>> members = pa.table({"actor": ["a", "b", "c", "d"], "score": [1.0, 0.9, 0.1, 0.5]})
    >>> edges = pa.table({"actor": ["a", "a", "b", "a"], "actor_y": ["b", "c", "c", "d"]})
    >>> core_first(members, edges)  # a, b and c form a triangle (the 2-core); d hangs on a
    (['a', 'b', 'c', 'd'], [2, 2, 2, 1])
    """
    names = members["actor"].to_pylist()
    index = {a: i for i, a in enumerate(names)}
    pairs = [
        (index[a], index[b])
        for a, b in zip(edges["actor"].to_pylist(), edges["actor_y"].to_pylist(), strict=True)
        if a in index and b in index
    ]
    coreness = ig.Graph(n=len(names), edges=pairs).coreness() if names else []
    scores = [s if s is not None else 0.0 for s in members["score"].to_pylist()]
    order = sorted(range(len(names)), key=lambda i: (-coreness[i], -scores[i], names[i]))
    return [names[i] for i in order], [coreness[i] for i in order]


def _network(
    members: pa.Table,
    edges: pa.Table,
    evidence: pa.Table,
    actions: pa.Table,
    texts: dict,
    max_nodes: int = MAX_NODES_DRAWN,
) -> dict:
    """Nodes at fixed positions in [0, 1]², edges with their co-actions, each node's actions. Of
    a group of more than ``max_nodes`` members, its core (:func:`core_first`) is drawn."""
    core_k, total_members = None, members.num_rows
    if members.num_rows > max_nodes:
        names, coreness = core_first(members, edges)
        core_k = coreness[max_nodes - 1]
        # Drawn in score order as before (the most central on top), whatever picked them.
        members = members.filter(
            pc.is_in(members["actor"], value_set=pa.array(names[:max_nodes], pa.string()))
        )
    shown = members.to_pylist()
    index = {m["actor"]: i for i, m in enumerate(shown)}
    # Cut the group's links down in Arrow first: a big group can have millions of them.
    names = pa.array(list(index), pa.string())
    among = pc.and_(
        pc.is_in(edges["actor"], value_set=names), pc.is_in(edges["actor_y"], value_set=names)
    )
    ranked = edges.filter(among).sort_by(
        [("strength", "descending"), ("actor", "ascending"), ("actor_y", "ascending")]
    )
    top = ranked.take(pa.array(backbone(ranked), pa.int64()))
    drawn = top.to_pylist()
    behind = evidence.join(
        top.select(["actor", "actor_y"]), keys=["actor", "actor_y"], join_type="left semi"
    )
    by_pair: dict[tuple[str, str], list] = {}
    # Joins return rows in no set order: sort on every key, so ties in time keep one order.
    for e in behind.sort_by([("time", "ascending"), ("object", "ascending")]).to_pylist():
        rows = by_pair.setdefault((e["actor"], e["actor_y"]), [])
        if len(rows) < EVIDENCE_PER_EDGE:
            rows.append(
                [
                    e["object"],
                    _finite(e["time"]),
                    _finite(e["time_y"]),
                    _clip(texts.get((e["actor"], e["object"]))),
                    _clip(texts.get((e["actor_y"], e["object"]))),
                ]
            )
    by_actor: dict[str, list] = {}
    actions = actions.sort_by(
        [("actor", "ascending"), ("time", "ascending"), ("object", "ascending")]
    )
    for actor, obj, t, text in zip(
        actions["actor"].to_pylist(),
        actions["object"].to_pylist(),
        actions["time"].to_pylist(),
        actions["text"].to_pylist(),
        strict=True,
    ):
        rows = by_actor.setdefault(actor, [])
        if len(rows) < ACTIONS_PER_NODE:
            rows.append([obj, _finite(t), _clip(text)])
    xy = _layout(
        len(shown),
        [(index[e["actor"]], index[e["actor_y"]]) for e in drawn],
        [e["strength"] or 0.0 for e in drawn],
    )
    return {
        "nodes": [
            {
                "actor": m["actor"],
                "x": round(x, 4),
                "y": round(y, 4),
                "score": _finite(m["score"]),
                "degree": m["degree"],
                "actions": m["actions"],
                "evidence": m.get("evidence"),
                "p_value": _finite(m.get("p_value")),
                "observed": m.get("observed"),
                "expected": _finite(m.get("expected")),
                "acted": by_actor.get(m["actor"], []),
            }
            for m, (x, y) in zip(shown, xy, strict=True)
        ],
        "edges": [
            {
                "s": index[e["actor"]],
                "t": index[e["actor_y"]],
                "strength": _finite(e["strength"]),
                "weight": e["weight"],
                "median_delay_seconds": _finite(e["median_delay_seconds"]),
                "p_value": _finite(e.get("p_value")),
                "expected": _finite(e.get("expected")),
                "window_seconds": _finite(e.get("window_seconds")),
                "evidence": by_pair.get((e["actor"], e["actor_y"]), []),
            }
            for e in drawn
        ],
        "members": total_members,
        "core_k": core_k,
        "edges_total": edges.num_rows,
        "edges_drawn": len(drawn),
    }


def backbone(
    ranked: pa.Table, limit: int = MAX_EDGES_DRAWN, per_member: int = LINKS_PER_MEMBER
) -> list[int]:
    """The links drawn, as row numbers of ``ranked`` (a group's links, strongest first): each
    member's ``per_member`` strongest first, so that no member with a link is drawn alone, then
    the strongest of the others, ``limit`` in all (more if the members' own need more).

    >>> import pyarrow as pa
    >>> ranked = pa.table({"actor": ["a", "a", "a", "b", "c"], "actor_y": ["b", "c", "d", "c", "e"]})
    >>> backbone(ranked, limit=4, per_member=1)  # e's only link, the weakest, is drawn; b-c not
    [0, 1, 2, 4]
    """
    if ranked.num_rows <= limit:
        return list(range(ranked.num_rows))
    kept: list[int] = []
    count: dict[str, int] = {}
    for i, (a, b) in enumerate(
        zip(ranked["actor"].to_pylist(), ranked["actor_y"].to_pylist(), strict=True)
    ):
        if count.get(a, 0) < per_member or count.get(b, 0) < per_member:
            kept.append(i)
            count[a], count[b] = count.get(a, 0) + 1, count.get(b, 0) + 1
    chosen = set(kept)
    rest = (i for i in range(ranked.num_rows) if i not in chosen)
    while len(kept) < limit:
        i = next(rest, None)
        if i is None:
            break
        kept.append(i)
    return sorted(kept[: max(limit, len(chosen))])


def _layout(
    n: int, pairs: list[tuple[int, int]], strengths: list[float] | None = None
) -> list[tuple[float, float]]:
    """Force-directed positions stretched to fill [0, 1]²; deterministic (seeded on a circle).
    Stronger links pull harder (weights 1 to 4 by strength), so that a group's core, tied by
    its strongest links, draws together apart from its periphery."""
    if n == 0:
        return []
    if n == 1:
        return [(0.5, 0.5)]
    g = ig.Graph(n=n, edges=pairs)
    # The layout draws random moves from igraph's generator: a private seeded one makes the same
    # results give the same report, byte for byte.
    ig.set_random_number_generator(random.Random(0))
    try:
        top = max(strengths or [0.0]) or 1.0
        weights = [1.0 + 3.0 * s / top for s in strengths] if strengths else None
        coords = g.layout_fruchterman_reingold(
            seed=[(math.cos(i), math.sin(i)) for i in range(n)], niter=300, weights=weights
        ).coords
    finally:
        ig.set_random_number_generator(random)
    xs, ys = [p[0] for p in coords], [p[1] for p in coords]
    x0, y0 = min(xs), min(ys)
    x_span, y_span = (max(xs) - x0) or 1.0, (max(ys) - y0) or 1.0
    return [((x - x0) / x_span, (y - y0) / y_span) for x, y in coords]


def _timeline(times: list[float], bins: int = 60) -> dict:
    """The group's actions on shared objects counted in ``bins`` equal spans of time."""
    times = [t for t in times if t is not None and math.isfinite(t)]
    if not times:
        return {"start": None, "end": None, "counts": []}
    lo, hi = min(times), max(times)
    span = (hi - lo) or 1.0
    counts = [0] * bins
    for t in times:
        counts[min(int((t - lo) / span * bins), bins - 1)] += 1
    return {"start": lo, "end": hi, "counts": counts}


def folder_group_view(
    results: Results, group: int, max_nodes: int = MAX_NODES_DRAWN
) -> dict | None:
    """:func:`group_view` of group ``group`` of a results folder (as the web app shows it), read
    from the folder's tables; None if the run has no such group. Reads that group's rows only."""
    where = {"group": group}
    rows = results.select("groups", where=where).to_pylist()
    if not rows:
        return None
    held = SimpleNamespace(
        actors=results.select("actors", where=where),
        edges=results.select("edges", where=where, order=("strength DESC", "actor", "actor_y")),
        evidence=results.select("evidence", where=where, order=("actor", "actor_y", "time")),
        group_actions=results.select("group_actions", where=where, order=("time", "actor")),
        summary=results.summary or {},
    )
    return group_view(held, rows[0], max_nodes)
