"""Co-action: distinct actors acting on the same object within a short window, again and again."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from .. import significance
from ..audiences import AudienceModel, in_audiences, score_group_reactions
from ..engines.base import Engine, GroupCoActionTables, member_table
from ..errors import ParameterError
from ..network import build_network, find_groups
from ..schema import Log
from .base import Detector, Findings

DEFAULT_WINDOW_SECONDS = 60
# With significance on and no window given, pairs are tested at each of these windows, so bot-like
# seconds, human-coordinated minutes and slow campaigns are all caught (Bonferroni across them).
DEFAULT_WINDOWS = (10.0, 60.0, 600.0)
DEFAULT_ALPHA = 0.01
# Bounds of window_seconds: times are kept to the microsecond, so a window under a millisecond
# finds nothing a millisecond would not, and one beyond a year joins everything; a window of 1e-300
# or inf would overflow the bucket keys of the join.
MIN_WINDOW_SECONDS = 0.001
MAX_WINDOW_SECONDS = 365 * 86400
# Counts reach SQL as integers: keep them to 32 bits.
MAX_INT = 2**31 - 1
DEFAULT_MAX_BUCKET_EVENTS = 2000
# With several windows, an object whose actions have more than this many others each within a
# window, on average, is a crowd there: a pair's co-actions on it count only within a narrower
# window where it is not, against the chance expectation of the wider one (see
# Engine.co_action_windows). The test can only grow more cautious, and the join no longer holds
# the square of every crowd: on bench_coaction's generator (300k actions) the 600 s join held
# 7.0M pairs of actions, 5.2M of them from its 8 busiest objects.
DEFAULT_CROWD_PARTNERS = 100
# Rounds of the group membership test (each admits the actors tied to the groups of the last).
MAX_ROUNDS = 6
# Candidate groups that no pair reveals: bursts on one object (actions at most the default window
# apart) of 4 to 50 actors, 3 or more of whom meet again in each of 2 or more other such bursts;
# the communities of actors found together in two or more of them are candidates. A stealthy
# campaign of heavy users shares too few objects per pair to stand out against their busy
# lives, but it acts as a group on each of its objects. Candidates are only candidates: each of
# their actors must pass the group test to be kept.
SEED_MIN_ACTORS, SEED_MAX_ACTORS, SEED_MIN_SHARED, SEED_MIN_RECURRENCES = 4, 50, 3, 2
_EMPTY_GROUPS = pa.schema(
    [("group", pa.int64()), ("actor", pa.string()), ("observed", pa.int64()),
     ("expected", pa.float64()), ("p_value", pa.float64()), ("q_value", pa.float64()),
     ("strength", pa.float64()), ("evidence", pa.string())]
).empty_table()  # fmt: skip


class CoAction(Detector):
    """Pairs of actors who act on the same objects within ``window_seconds`` of each other.

    Two modes:

    * **default** (``significance=True``): every pair's count of co-acted objects is compared with
      what chance predicts given the actors' activity and the objects' popularity and burstiness
      (:mod:`concerted.significance`); pairs kept at a false discovery rate of ``alpha``.
    * **classic** (``significance=False``): every pair with ``weight >= min_repeat`` is kept, as
      coordination-network-toolkit and CooRTweet do. With ``min_repeat=1`` the pairs are exactly
      theirs (inclusive window: a gap equal to the window counts).

    Parameters
    ----------
    window_seconds
        Largest gap between two actions that counts as acting together (inclusive). Default:
        10, 60 and 600 s with significance on (each pair judged at its best window), 60 s off.
    min_repeat
        Least number of distinct objects a pair must co-act on. Default 2.
    significance
        Test pairs against the null model (default) or keep every pair at ``min_repeat``.
    alpha
        False discovery rate for the significance test. Default 0.01.
    max_bucket_events
        Cap on the actions of one object within one window; busier windows are sampled
        (deterministically) so a viral object cannot exhaust memory. Default 2000.
    evidence_per_pair
        How many co-actions to keep as evidence per pair. Default 5.
    crowd_partners
        With significance on and several windows: an object whose actions have more than this
        many others each within a window (on average) is a crowd there, and a pair's
        co-actions on it count at that window only if they fall within a narrower window where
        it is not one, while chance is still reckoned at the wider window (more cautious, and
        a crowd's pairs are never all enumerated). Default 100.

    References
    ----------
    Giglietto et al. 2020 (CooRnet, coordinated link sharing); Graham et al.
    (coordination-network-toolkit); Righetti & Balluff (CooRTweet).

    Example
    -------
    >>> from concerted.schema import make_log
    >>> log = make_log([
    ...     {"actor": a, "object": o, "time": t}
    ...     for o, t0 in (("x", 0), ("y", 500), ("z", 1000))
    ...     for a, t in (("a1", t0), ("a2", t0 + 5))
    ... ])
    >>> f = CoAction(window_seconds=10, min_repeat=2, significance=False).detect(log)
    >>> f.pairs.select(["actor", "actor_y", "weight"]).to_pylist()
    [{'actor': 'a1', 'actor_y': 'a2', 'weight': 3}]
    """

    name = "co_action"
    requires = ("actor", "object", "time")

    def __init__(
        self,
        *,
        window_seconds: float | None = None,
        min_repeat: int | None = None,
        significance: bool = True,
        alpha: float | None = None,
        max_bucket_events: int | None = None,
        evidence_per_pair: int = 5,
        crowd_partners: int | None = None,
    ) -> None:
        self.window_seconds = window_seconds
        self.min_repeat = min_repeat
        self.significance = significance
        self.alpha = alpha
        self.max_bucket_events = max_bucket_events
        self.evidence_per_pair = evidence_per_pair
        self.crowd_partners = crowd_partners

    def _check_params(self) -> None:
        w = self.window_seconds
        if w is not None and (
            isinstance(w, bool)
            or not isinstance(w, int | float)
            or not MIN_WINDOW_SECONDS <= w <= MAX_WINDOW_SECONDS  # also refuses NaN and inf
        ):
            raise ParameterError(
                f"CoAction: window_seconds must be a number from {MIN_WINDOW_SECONDS} to "
                f"{MAX_WINDOW_SECONDS:,} (a year). Got {w!r}."
            )
        for name, value, low in (
            ("min_repeat", self.min_repeat, 1),
            ("max_bucket_events", self.max_bucket_events, 2),
            ("evidence_per_pair", self.evidence_per_pair, 1),
            ("crowd_partners", self.crowd_partners, 1),
        ):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_INT
            ):
                raise ParameterError(
                    f"CoAction: {name} must be an integer from {low} to {MAX_INT:,}. Got {value!r}."
                )
        a = self.alpha
        if a is not None and (
            isinstance(a, bool) or not isinstance(a, int | float) or not 0 < a < 1
        ):
            raise ParameterError(f"CoAction: alpha must be a number between 0 and 1. Got {a!r}.")
        if a is not None and not self.significance:
            raise ParameterError("CoAction: alpha applies only with significance on; drop one.")
        if self.crowd_partners is not None and not self.significance:
            raise ParameterError(
                "CoAction: crowd_partners applies only with significance on; drop one."
            )

    def _detect(self, log: Log, engine: Engine) -> Findings:
        min_repeat = self.min_repeat or 2
        cap = self.max_bucket_events or DEFAULT_MAX_BUCKET_EVENTS
        if self.window_seconds:
            windows = (float(self.window_seconds),)
        elif self.significance:
            windows = DEFAULT_WINDOWS
        else:
            windows = (float(DEFAULT_WINDOW_SECONDS),)
        params = {
            "window_seconds": windows[0] if len(windows) == 1 else list(windows),
            "min_repeat": min_repeat,
            "significance": self.significance,
            "max_bucket_events": cap,
        }
        crowd = None
        if self.significance and len(windows) > 1:
            params["crowd_partners"] = crowd = self.crowd_partners or DEFAULT_CROWD_PARTNERS
        alpha = self.alpha or DEFAULT_ALPHA
        tested: dict[str, pa.Table] = {}
        # When the log names who authored each object, an object's source is known, not
        # guessed: reactions to an account's posts are then judged by its audience alone.
        named = log.has("source")
        params["object_sources"] = "column" if named else "first actor"

        def select(counted: list) -> list[pa.Table]:
            """Test every pair at every window on its counts; describe only the kept ones."""
            scored = []
            audiences = None
            if "audience" in counted[0].objects.column_names:
                audiences = significance.AudienceModel.fit(log, counted[0].objects, windows[0])
            for window, tables in zip(windows, counted, strict=True):
                pairs = _with_window(tables.pairs, window)
                model = significance.NullModel.fit(log, tables.objects, outside_audiences=named)
                audience = audiences.at(tables.objects, window) if audiences else None
                sources = "other_sources" if named else "sources"
                scored.append(significance.score_pairs(pairs, model, audience, sources))
            n_actors = counted[-1].actors.num_rows
            kept = significance.combine_windows(scored, n_actors * (n_actors - 1) // 2)
            tested["pairs"] = kept = significance.keep_significant(kept, alpha)
            return [kept.filter(pc.equal(kept["window_seconds"], w)) for w in windows]

        if self.significance:  # count every pair, test them, describe the few kept
            counts = engine.count_co_actions(
                log,
                windows=list(windows),
                max_bucket_events=cap,
                min_weight=min_repeat,
                crowd_partners=crowd,
            )
            all_tables = engine.describe_pairs(
                counts, select(counts.tables), evidence_per_pair=self.evidence_per_pair
            )
        else:  # one window, every pair
            all_tables = [
                engine.co_action(
                    log,
                    window_seconds=windows[0],
                    max_bucket_events=cap,
                    evidence_per_pair=self.evidence_per_pair,
                    min_weight=min_repeat,
                )
            ]
        runs = [
            (window, tables, _with_window(tables.pairs, window))
            for window, tables in zip(windows, all_tables, strict=True)
        ]
        # Wider windows hold every pair of the narrower ones (the window is inclusive).
        widest = runs[-1][1]
        candidates = widest.candidate_pairs
        if self.significance:
            params["alpha"] = alpha
            described = pa.concat_tables([p for _, _, p in runs])
            keys = ["actor", "actor_y", "window_seconds"]
            test = tested["pairs"].select(
                [*keys, "observed", "expected", "p_value", "q_value", "strength", "test"]
            )
            pairs = described.join(test, keys=keys, join_type="inner")
            pairs = pairs.sort_by([("actor", "ascending"), ("actor_y", "ascending")])
            groups = _grow_groups(log, engine, pairs, runs, alpha, cap, named)
        else:
            groups = None
            pairs = runs[0][2].append_column(
                "strength", pc.cast(runs[0][2]["weight"], pa.float64())
            )
        notes = []
        capped = pc.sum(pc.cast(widest.objects["capped"], pa.int64())).as_py() or 0
        if capped:
            notes.append(
                f"{capped} object(s) had more than {cap} actions within one window; those windows "
                "were sampled, so their pair counts are lower bounds"
            )
        if crowd:
            n_crowds = pc.sum(pc.cast(widest.objects["crowd"], pa.int64())).as_py() or 0
            if n_crowds:
                notes.append(
                    f"{n_crowds} object(s) were crowds at {windows[-1]:g} s (more than {crowd} "
                    "other actions within the window of each of theirs, on average): co-actions "
                    "on them count there only within a narrower window"
                )
        # Pairs arrive ordered by (actor, actor_y); a stable sort keeps that order among ties.
        pairs = pairs.take(pc.array_sort_indices(pairs["strength"], order="descending"))
        return Findings(
            detector=self.name,
            pairs=pairs,
            evidence=_evidence_of(pairs, runs),
            actors=widest.actors,
            objects=widest.objects,
            params=params,
            notes=notes,
            candidate_pairs=candidates,
            groups=groups,
        )


def _grow_groups(
    log: Log, engine: Engine, pairs: pa.Table, runs: list, alpha: float, cap: int, named: bool
):
    """Groups tested as groups: a campaign of 150 accounts where any two share only a couple of
    objects is still obvious as a group acting on the same objects in the same minutes.

    Core groups are the communities of the significant pairs that co-acted at least twice (each
    member already proven to coordinate with another); candidate groups come from recurring
    bursts (:func:`_burst_candidates`), for campaigns no pair reveals. Then every actor who
    acted on a group's objects (those two or more members acted on in step) within the widest
    window of a member is tested against the group: how many of those objects (distinct
    sources) it acted on, against how many its activity would hit by chance
    (:func:`significance.score_memberships`; a candidate group on the objects it pushed only),
    with Benjamini-Hochberg over every (actor, group). Actors significant for a group join it
    (a proven group before a candidate, then the one they are most significantly tied to); core
    members stay in their core group, and a candidate's other actors only define it. This
    repeats with the grown groups until they stop changing (at most ``MAX_ROUNDS`` times).

    When the log names the objects' authors (``named``), reactions to the posts of sources with
    an audience are judged against the audience's habits (:func:`score_group_reactions`), and
    the other objects as above; each actor by the more surprising of the two tests.

    Returns one row per member: ``group, actor, observed, expected, p_value, q_value, strength``
    of its test against its group, and ``evidence``: ``pairs`` (a core member), ``group``
    (admitted by the group test) or ``pairs+group`` (both).
    """
    repeated = pairs.filter(pc.greater_equal(pairs["weight"], 2))
    core = find_groups(build_network(repeated), min_size=2) if repeated.num_rows else {}
    candidates = _burst_candidates(log, engine, core)
    if not core and not candidates:
        return _EMPTY_GROUPS
    window, widest, _ = runs[-1]
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
        merged = _merge_overlapping(found.objects.filter(proven), popularity)
        if merged:  # one campaign split into several cores: test it whole
            core = {a: merged.get(g, g) for a, g in core.items()}
            membership = {a: merged.get(g, g) for a, g in membership.items()}
            continue
        hits = _score_memberships(found, model, unproven, reactions)
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
    return pa.Table.from_pylist(out, schema=_EMPTY_GROUPS.schema)


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


def _score_memberships(
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


def _burst_candidates(log: Log, engine: Engine, core: dict[str, int]) -> dict[str, int]:
    """Candidate groups from recurring bursts (see :data:`SEED_MIN_ACTORS`): actor -> group,
    numbered after the core groups, the communities of actors who were in two or more such
    bursts together. Communities with half or more of their actors in a core group already
    are left out."""
    bursts = engine.recurring_bursts(
        log,
        window_seconds=DEFAULT_WINDOW_SECONDS,
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


def _merge_overlapping(group_objects: pa.Table, popularity: dict[str, int]) -> dict[int, int]:
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


def _with_window(pairs: pa.Table, window: float) -> pa.Table:
    return pairs.append_column("window_seconds", pa.array([window] * pairs.num_rows, pa.float64()))


def _evidence_of(pairs: pa.Table, runs: list) -> pa.Table:
    """The evidence of each kept pair, from the window it was kept at, ordered by pair and time."""
    parts, reordered = [], len(runs) > 1
    for window, tables, _ in runs:
        kept = pairs.filter(pc.equal(pairs["window_seconds"], window)).select(["actor", "actor_y"])
        if kept.num_rows == tables.pairs.num_rows:
            parts.append(tables.evidence)  # every pair kept: nothing to filter
        elif kept.num_rows:
            parts.append(
                tables.evidence.join(kept, keys=["actor", "actor_y"], join_type="left semi")
            )
            reordered = True  # a join does not keep the engine's order
    if not parts:
        return runs[0][1].evidence.slice(0, 0)
    evidence = pa.concat_tables(parts)
    if reordered:
        evidence = evidence.sort_by(
            [("actor", "ascending"), ("actor_y", "ascending"), ("time", "ascending")]
        )
    return evidence
