"""Growing groups: from coordinated pairs and group tests to numbered groups of actors.

The steps that turn what a detector found into groups, each public so that a lens composes them:

* :func:`groups_from_pairs`: the communities of the pairs that acted together again and again
  (the groups of an untested, classic run);
* :func:`grow_groups`: groups tested as groups (:class:`~concerted.detectors.CoAction` with its
  significance test): cores from the significant pairs, candidates from recurring bursts
  (:func:`burst_candidates`), each actor tested against each group (:func:`score_memberships`),
  groups pushing the same objects merged (:func:`merge_overlapping`), until nothing changes;
* :func:`number_groups`: a detector's groups numbered from 1 by strength, the small ones left out;
* :func:`with_groups`: a table of pairs with the group both ends belong to.

Example
-------
>>> import pyarrow as pa
>>> pairs = pa.table({"actor": ["a1", "a1", "a2", "b1"], "actor_y": ["a2", "a3", "a3", "b2"],
...                   "weight": [3, 3, 3, 1], "strength": [3.0, 3.0, 3.0, 1.0]})
>>> membership = groups_from_pairs(pairs, min_size=2)
>>> membership
{'a1': 1, 'a2': 1, 'a3': 1}
>>> with_groups(pairs, membership)["group"].to_pylist()
[1, 1, 1, None]
"""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from . import significance
from .audiences import AudienceModel, in_audiences, score_group_reactions
from .engines.base import CoActionTables, Engine, GroupCoActionTables, member_table
from .network import build_network, find_groups
from .schema import Log

# Groups are built from pairs that co-acted on at least this many distinct objects: acting together
# once is what crowds do; coordination is acting together again and again. Pairs below it (kept in
# classic mode with --min-repeat 1) are still in edges.csv.
MIN_GROUP_WEIGHT = 2

# Rounds of the group membership test (each admits the actors tied to the groups of the last).
MAX_ROUNDS = 6
# Candidate groups that no pair reveals: bursts on one object (actions at most the default window
# apart) of 4 to 50 actors, 3 or more of whom meet again in each of 2 or more other such bursts;
# the communities of actors found together in two or more of them are candidates. A stealthy
# campaign of heavy users shares too few objects per pair to stand out against their busy
# lives, but it acts as a group on each of its objects. Candidates are only candidates: each of
# their actors must pass the group test to be kept.
SEED_MIN_ACTORS, SEED_MAX_ACTORS, SEED_MIN_SHARED, SEED_MIN_RECURRENCES = 4, 50, 3, 2

# The window of the bursts that seed candidate groups: the default window of co-action.
SEED_WINDOW_SECONDS = 60
# What grow_groups() returns: one row per member, with its test against its group.
MEMBERSHIPS = pa.schema(
    [("group", pa.int64()), ("actor", pa.string()), ("observed", pa.int64()),
     ("expected", pa.float64()), ("p_value", pa.float64()), ("q_value", pa.float64()),
     ("strength", pa.float64()), ("evidence", pa.string())]
)  # fmt: skip


def grow_groups(
    log: Log,
    engine: Engine,
    pairs: pa.Table,
    widest: CoActionTables,
    *,
    window_seconds: float,
    alpha: float,
    max_bucket_events: int,
    named: bool = False,
) -> pa.Table:
    """Groups tested as groups: a campaign of 150 accounts where any two share only a couple of
    objects is still obvious as a group acting on the same objects in the same minutes.

    Core groups are the communities of the significant pairs that co-acted at least twice (each
    member already proven to coordinate with another); candidate groups come from recurring
    bursts (:func:`burst_candidates`), for campaigns no pair reveals. Then every actor who
    acted on a group's objects (those two or more members acted on in step) within the widest
    window (``window_seconds``, the widest the pairs were judged at; ``widest`` holds the
    engine's tables at it) of a member is tested against the group: how many of those objects (distinct
    sources) it acted on, against how many its activity would hit by chance
    (:func:`score_memberships`; a candidate group on the objects it pushed only),
    with Benjamini-Hochberg over every (actor, group). Actors significant for a group join it
    (a proven group before a candidate, then the one they are most significantly tied to); core
    members stay in their core group, and a candidate's other actors only define it. This
    repeats with the grown groups until they stop changing (at most ``MAX_ROUNDS`` times).

    When the log names the objects' authors (``named``), reactions to the posts of sources with
    an audience are judged against the audience's habits (:func:`score_group_reactions`), and
    the other objects as above; each actor by the more surprising of the two tests.

    Returns one row per member (:data:`MEMBERSHIPS`): ``group, actor, observed, expected,
    p_value, q_value, strength`` of its test against its group, and ``evidence``: ``pairs`` (a
    core member), ``group`` (admitted by the group test) or ``pairs+group`` (both). The groups
    are the detector's numbers; :func:`number_groups` ranks them.
    """
    repeated = pairs.filter(pc.greater_equal(pairs["weight"], 2))
    core = find_groups(build_network(repeated), min_size=2) if repeated.num_rows else {}
    candidates = burst_candidates(log, engine, core)
    if not core and not candidates:
        return MEMBERSHIPS.empty_table()
    window, cap = window_seconds, max_bucket_events
    model = significance.NullModel.fit(log, widest.objects, outside_audiences=named)
    posts, audience = None, None
    if named:
        posts = widest.objects.filter(pa.array(in_audiences(widest.objects)))["object"]
        audience = AudienceModel.fit(log, widest.objects, window)
    popularity = dict(
        zip(
            widest.objects["object"].to_pylist(), widest.objects["actions"].to_pylist(), strict=True
        )
    )
    n_actors = widest.actors.num_rows
    membership, rows = dict(core), {}
    doubtful = set(candidates.values())
    unproven = pa.array(sorted(doubtful), pa.int64())
    for _ in range(MAX_ROUNDS):
        # A candidate group is defined by all its actors, but only those who pass the test
        # are members.
        members = member_table(candidates | membership)
        found = engine.group_co_action(log, members, window_seconds=window, max_bucket_events=cap)
        reactions = None
        if posts is not None:  # reactions to posts are the audience model's to judge
            found, on_posts = _split_by_objects(found, posts)
            reactions = score_group_reactions(log, audience, on_posts.hits, on_posts.objects)
        proven = pc.invert(pc.is_in(found.objects["group"], value_set=unproven))
        merged = merge_overlapping(found.objects.filter(proven), popularity)
        if merged:  # one campaign split into several cores: test it whole
            core = {a: merged.get(g, g) for a, g in core.items()}
            membership = {a: merged.get(g, g) for a, g in membership.items()}
            continue
        hits = score_memberships(found, model, unproven, reactions)
        hits = hits.append_column(
            "window_seconds", pa.array([window] * hits.num_rows, pa.float64())
        )
        n_groups = len(set(members["group"].to_pylist()))
        tested = significance.combine_windows([hits], n_actors * n_groups, keys=("group", "actor"))
        rows = {(r["actor"], r["group"]): r for r in tested.to_pylist()}
        # Each actor joins the group it is most significantly tied to, a proven group before
        # any candidate (a campaign that pairs found in part grows from there, not in a copy).
        best: dict[str, tuple[bool, float, int]] = {}
        for (a, g), r in rows.items():
            rank = (g in doubtful, r["p_value"], g)
            if r["q_value"] <= alpha and (a not in best or rank < best[a]):
                best[a] = rank
        new = {a: g for a, (_, _, g) in best.items()} | core
        if new == membership:
            break
        membership = new
    out = []
    for a, g in sorted(membership.items(), key=lambda x: (x[1], x[0])):
        r = rows.get((a, g))
        significant = r is not None and r["q_value"] <= alpha
        via = ("pairs+group" if significant else "pairs") if a in core else "group"
        r = r or {"observed": 0, "expected": None, "p_value": 1.0, "q_value": 1.0, "strength": 0.0}
        out.append(
            {"group": g, "actor": a, "observed": r["observed"], "expected": r["expected"],
             "p_value": r["p_value"], "q_value": r["q_value"], "strength": r["strength"],
             "evidence": via}
        )  # fmt: skip
    return pa.Table.from_pylist(out, schema=MEMBERSHIPS)


def _split_by_objects(
    found: GroupCoActionTables, objects: pa.Array
) -> tuple[GroupCoActionTables, GroupCoActionTables]:
    """The group co-action tables on other objects than ``objects``, and on them."""
    on = [pc.is_in(found.hits["object"], objects), pc.is_in(found.objects["object"], objects)]
    return (
        GroupCoActionTables(found.hits.filter(pc.invert(on[0])),
                            found.objects.filter(pc.invert(on[1]))),
        GroupCoActionTables(found.hits.filter(on[0]), found.objects.filter(on[1])),
    )  # fmt: skip


def score_memberships(
    found: GroupCoActionTables,
    model: significance.NullModel,
    unproven: pa.Array,
    reactions: pa.Table | None = None,
) -> pa.Table:
    """The group test of every (group, actor); groups in ``unproven`` (candidates no pair
    proves) on the objects they pushed only. With ``reactions`` (the test on the posts of
    sources with an audience, :func:`score_group_reactions`), each (group, actor) is judged by
    the more surprising of the two, its p-value doubled."""
    tested = _score_other_memberships(found, model, unproven)
    if reactions is None:
        return tested
    return significance.best_of([tested, reactions.cast(tested.schema)], ("group", "actor"))


def _score_other_memberships(
    found: GroupCoActionTables, model: significance.NullModel, unproven: pa.Array
) -> pa.Table:
    """The group test of every (group, actor) against the null model of organic choice of
    objects (:func:`significance.score_memberships`)."""
    parts = []
    for views, keep in (
        (significance.MEMBERSHIP_VIEWS, lambda t: pc.invert(pc.is_in(t["group"], unproven))),
        (significance.PUSHED_VIEWS, lambda t: pc.is_in(t["group"], unproven)),
    ):
        hits, objects = (
            found.hits.filter(keep(found.hits)),
            found.objects.filter(keep(found.objects)),
        )
        if hits.num_rows:
            parts.append(significance.score_memberships(hits, model, objects, views))
    if not parts:
        return significance.score_memberships(found.hits, model, found.objects)
    return pa.concat_tables(parts)


def burst_candidates(log: Log, engine: Engine, core: dict[str, int]) -> dict[str, int]:
    """Candidate groups from recurring bursts (see :data:`SEED_MIN_ACTORS`): actor -> group,
    numbered after the core groups, the communities of actors who were in two or more such
    bursts together. Communities with half or more of their actors in a core group already
    are left out."""
    bursts = engine.recurring_bursts(
        log,
        window_seconds=SEED_WINDOW_SECONDS,
        min_actors=SEED_MIN_ACTORS,
        max_actors=SEED_MAX_ACTORS,
        min_shared=SEED_MIN_SHARED,
        min_recurrences=SEED_MIN_RECURRENCES,
    )
    together = bursts.join(bursts, keys="burst", right_suffix="_y")
    together = together.filter(pc.less(together["actor"], together["actor_y"]))
    counts = together.group_by(["actor", "actor_y"]).aggregate([("burst", "count")])
    pairs = counts.filter(pc.greater_equal(counts["burst_count"], 2))
    pairs = pairs.append_column("strength", pc.cast(pairs["burst_count"], pa.float64()))
    communities = (
        find_groups(build_network(pairs), min_size=SEED_MIN_ACTORS) if pairs.num_rows else {}
    )
    by_group: dict[int, list[str]] = {}
    for a, g in communities.items():
        by_group.setdefault(g, []).append(a)
    first = max(core.values(), default=0) + 1
    return {
        a: first + g
        for g, actors in sorted(by_group.items())
        if sum(a in core for a in actors) < 0.5 * len(actors)
        for a in actors
        if a not in core
    }


def merge_overlapping(group_objects: pa.Table, popularity: dict[str, int]) -> dict[int, int]:
    """Groups pushing the same objects in step: group -> the group it merges into.

    Two groups merge when they share at least two objects that they pushed (the two groups'
    actions make half or more of the object's actions) and those are half or more of the
    smaller group's pushed objects. Leiden can split a sparse campaign into several cores that
    push the same objects; organic groups meeting on a viral link are a sliver of its activity.
    """
    acts: dict[tuple[int, str], int] = {}
    for g, o, m in zip(
        group_objects["group"].to_pylist(),
        group_objects["object"].to_pylist(),
        group_objects["member_actions"].to_pylist(),
        strict=True,
    ):
        acts[g, o] = m
    holders: dict[str, list[int]] = {}
    for g, o in acts:
        holders.setdefault(o, []).append(g)
    own: Counter = Counter()
    shared: Counter = Counter()
    for o, gs in holders.items():
        for g in gs:
            own[g] += acts[g, o] >= 0.5 * popularity[o]
        for i, g1 in enumerate(gs):
            for g2 in gs[i + 1 :]:
                if acts[g1, o] + acts[g2, o] >= 0.5 * popularity[o]:
                    shared[min(g1, g2), max(g1, g2)] += 1
    parent = {g: g for g, _ in acts}

    def root(g: int) -> int:
        while parent[g] != g:
            g = parent[g]
        return g

    for (g1, g2), n in sorted(shared.items()):
        if n >= 2 and n >= 0.5 * max(1, min(own[g1], own[g2])):
            r1, r2 = root(g1), root(g2)
            if r1 != r2:
                parent[max(r1, r2)] = min(r1, r2)
    return {g: root(g) for g in parent if root(g) != g}


def groups_from_pairs(pairs: pa.Table, *, min_size: int) -> dict[str, int]:
    """actor -> group: the communities (:func:`~concerted.network.find_groups`) of the pairs of
    weight :data:`MIN_GROUP_WEIGHT` or more, groups smaller than ``min_size`` left out."""
    repeated = pairs.filter(pc.greater_equal(pairs["weight"], MIN_GROUP_WEIGHT))
    return find_groups(build_network(repeated), min_size=min_size)


def number_groups(tested: pa.Table, min_size: int) -> dict[str, int]:
    """actor -> group from a detector's own groups (``actor, group, strength``, as
    :func:`grow_groups` returns them), numbered from 1 by decreasing total membership strength;
    groups smaller than ``min_size`` left out.

    >>> import pyarrow as pa
    >>> tested = pa.table({"actor": ["x", "y", "p", "q", "r"], "group": [7, 7, 9, 9, 9],
    ...                    "strength": [1.0, 1.0, 5.0, 5.0, 5.0]})
    >>> number_groups(tested, 2), number_groups(tested, 3)
    ({'x': 2, 'y': 2, 'p': 1, 'q': 1, 'r': 1}, {'p': 1, 'q': 1, 'r': 1})
    """
    total: dict[int, float] = {}
    size: dict[int, int] = {}
    rows = tested.select(["actor", "group", "strength"]).to_pylist()
    for r in rows:
        total[r["group"]] = total.get(r["group"], 0.0) + r["strength"]
        size[r["group"]] = size.get(r["group"], 0) + 1
    ranked = sorted((g for g in total if size[g] >= min_size), key=lambda g: (-total[g], g))
    number = {g: i + 1 for i, g in enumerate(ranked)}
    return {r["actor"]: number[r["group"]] for r in rows if r["group"] in number}


def with_groups(pairs: pa.Table, membership: dict[str, int]) -> pa.Table:
    """``pairs`` (``actor, actor_y, ...``) with a last column ``group``: the group both ends
    belong to in ``membership``, or null."""
    members = member_table(membership)
    g1 = members["group"].take(pc.index_in(pairs["actor"], value_set=members["actor"]))
    g2 = members["group"].take(pc.index_in(pairs["actor_y"], value_set=members["actor"]))
    group = pc.if_else(pc.equal(g1, g2), g1, pa.scalar(None, pa.int64()))
    return pairs.append_column("group", group)
