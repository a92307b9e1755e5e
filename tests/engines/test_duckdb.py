"""The DuckDB engine called directly, on hand-made logs with exact answers.

These pin what the engine computes today (window edges, the per-object cap, crowds, several
windows in one join, sources and audiences, empty logs) so that its SQL can be rewritten safely.
Rows are compared as tuples in the tables' column order.
"""

from __future__ import annotations

import pytest

from concerted import make_log
from concerted.engines.base import PAIR_COLUMNS, member_table
from concerted.engines.duckdb import DuckDBEngine
from concerted.schema import SCHEMA

# The two ways co_action_windows describes pairs: every pair at once (no ``select``), or only
# those a ``select`` keeps, after counting all of them (the significance test's path).
PATHS = ["full", "lean"]


def _log(rows):
    """(actor, object, time[, source]) tuples as a log."""
    return make_log(
        [
            {"actor": r[0], "object": r[1], "time": float(r[2])}
            | ({"source": r[3]} if len(r) > 3 else {})
            for r in rows
        ]
    )


def _rows(table):
    return [tuple(r.values()) for r in table.to_pylist()]


def _run(rows, windows, path="full", *, cap=100, evidence=10, min_weight=1, crowd=None):
    """co_action_windows on ``rows``; returns its tables and, on the lean path, the counts
    that ``select`` was given at each window (it keeps every pair)."""
    counts = []

    def keep_all(counted):
        counts.extend(_rows(t.pairs) for t in counted)
        return [t.pairs.select(["actor", "actor_y"]) for t in counted]

    out = DuckDBEngine().co_action_windows(
        _log(rows),
        windows=windows,
        max_bucket_events=cap,
        evidence_per_pair=evidence,
        min_weight=min_weight,
        select=keep_all if path == "lean" else None,
        crowd_partners=crowd,
    )
    return out, counts


# x: b acts exactly one window (10 s) after a, in the next bucket; c 10.5 s after b.
# y: a and b 2 s apart across a bucket edge (9 | 11); c 4 s before a; d 14 s after b.
EDGES = [("a", "x", 0), ("b", "x", 10), ("c", "x", 20.5),
         ("a", "y", 9), ("b", "y", 11), ("c", "y", 5), ("d", "y", 25)]  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
def test_co_action_window_is_inclusive_across_bucket_edges(path):
    [t], _ = _run(EDGES, [10.0], path)
    assert t.candidate_pairs == 3
    assert t.pairs.column_names == list(PAIR_COLUMNS)
    # actor, actor_y, weight, sources, co_actions, median_delay_seconds, first_time, last_time
    assert _rows(t.pairs) == [
        ("a", "b", 2, 2, 2, 6.0, 0.0, 11.0),
        ("a", "c", 1, 1, 1, 4.0, 5.0, 9.0),
        ("b", "c", 1, 1, 1, 6.0, 5.0, 11.0),
    ]
    # time is the actor's action, time_y actor_y's (not the earlier and the later one)
    assert _rows(t.evidence) == [
        ("a", "b", "x", 0.0, 10.0),
        ("a", "b", "y", 9.0, 11.0),
        ("a", "c", "y", 9.0, 5.0),
        ("b", "c", "y", 11.0, 5.0),
    ]
    assert _rows(t.actors) == [("a", 2, 2), ("b", 2, 2), ("c", 2, 2), ("d", 1, 1)]
    # object, actions, actors, close_pairs, capped, crowd, source, audience
    assert _rows(t.objects) == [
        ("x", 3, 3, 1, False, False, "a", False),
        ("y", 4, 4, 3, False, False, "c", False),
    ]


def test_co_action_single_window_equals_co_action_windows():
    t = DuckDBEngine().co_action(
        _log(EDGES), window_seconds=10.0, max_bucket_events=100, evidence_per_pair=10
    )
    [u], _ = _run(EDGES, [10.0])
    assert t.candidate_pairs == u.candidate_pairs
    for a, b in [(t.pairs, u.pairs), (t.evidence, u.evidence), (t.objects, u.objects)]:
        assert a.equals(b)


# a acts twice on x (same actor: no pair with itself), then b, then c much later; y and z each
# put the three at growing gaps. Windows 10 and 60 s.
WINDOWS = [("a", "x", 0), ("a", "x", 3), ("b", "x", 5), ("c", "x", 40),
           ("a", "y", 100), ("b", "y", 150), ("c", "y", 160),
           ("a", "z", 500), ("b", "z", 509), ("c", "z", 600)]  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("min_weight", [1, 2])
def test_co_action_several_windows_in_one_join(path, min_weight):
    (at10, at60), counts = _run(WINDOWS, [10.0, 60.0], path, evidence=2, min_weight=min_weight)
    # min_weight drops pairs but candidate_pairs count every pair that co-acted once
    assert (at10.candidate_pairs, at60.candidate_pairs) == (2, 3)
    # (a, b) at 10 s: x twice (gaps 5 and 2) and z (9); closest delays 2 and 9 -> median 5.5
    assert _rows(at10.pairs) == [("a", "b", 2, 1, 3, 5.5, 0.0, 509.0)] + (
        [("b", "c", 1, 1, 1, 10.0, 150.0, 160.0)] if min_weight == 1 else []
    )
    assert _rows(at60.pairs) == [
        ("a", "b", 3, 1, 4, 9.0, 0.0, 509.0),
        ("a", "c", 2, 1, 3, 48.5, 0.0, 160.0),
        ("b", "c", 2, 1, 2, 22.5, 5.0, 160.0),
    ]
    # evidence_per_pair=2: the closest co-action on each of a pair's first two objects
    assert _rows(at10.evidence) == [
        ("a", "b", "x", 3.0, 5.0),
        ("a", "b", "z", 500.0, 509.0),
    ] + ([("b", "c", "y", 150.0, 160.0)] if min_weight == 1 else [])
    assert _rows(at60.evidence) == [
        ("a", "b", "x", 3.0, 5.0),
        ("a", "b", "y", 100.0, 150.0),
        ("a", "c", "x", 3.0, 40.0),
        ("a", "c", "y", 100.0, 160.0),
        ("b", "c", "x", 5.0, 40.0),
        ("b", "c", "y", 150.0, 160.0),
    ]
    # close_pairs: pairs of the object's actions (any actors, a with a too) within the window
    assert [(r[0], r[3]) for r in _rows(at10.objects)] == [("x", 3), ("y", 1), ("z", 1)]
    assert [(r[0], r[3]) for r in _rows(at60.objects)] == [("x", 6), ("y", 3), ("z", 1)]
    assert _rows(at60.objects)[0] == ("x", 4, 3, 6, False, False, "a", True)
    if path == "lean":
        # actor, actor_y, weight, sources, audience, other_sources; every object's source is
        # a (its first actor, with three objects: an audience), so only (b, c) counts them.
        assert counts == [
            [("a", "b", 2, 1, 0, 0)] + ([("b", "c", 1, 1, 1, 0)] if min_weight == 1 else []),
            [("a", "b", 3, 1, 0, 0), ("a", "c", 2, 1, 0, 0), ("b", "c", 2, 1, 2, 0)],
        ]


@pytest.mark.parametrize("path", PATHS)
def test_co_action_samples_a_bucket_over_max_bucket_events(path):
    # Five actors on "hot" within one bucket, cap 3: three of them are kept (by a hash of the
    # row, the same every run), so three pairs; close_pairs still counts all ten.
    rows = [(f"h{i}", "hot", i) for i in range(5)] + [("h0", "cold", 100), ("h1", "cold", 101)]
    [t], _ = _run(rows, [10.0], path, cap=3, evidence=2)
    assert t.candidate_pairs == 3
    assert _rows(t.pairs) == [
        ("h0", "h1", 2, 1, 2, 1.0, 0.0, 101.0),
        ("h0", "h2", 1, 1, 1, 2.0, 0.0, 2.0),
        ("h1", "h2", 1, 1, 1, 1.0, 1.0, 2.0),
    ]
    assert _rows(t.objects) == [
        ("cold", 2, 2, 1, False, False, "h0", True),
        ("hot", 5, 5, 10, True, False, "h0", True),
    ]


def test_co_action_cap_equal_to_the_bucket_samples_nothing():
    rows = [(f"h{i}", "hot", i) for i in range(5)]
    [t], _ = _run(rows, [10.0], cap=5)
    assert t.candidate_pairs == 10
    # (h0 is the source of one object only: no audience)
    assert _rows(t.objects) == [("hot", 5, 5, 10, False, False, "h0", False)]


# Six actors on "crowd", one every 10 s (each action has about 1.7 others within 10 s, 4 within
# 30 s, 5 within 60 s); a00 and a05 also meet 50 s apart on a quiet object.
CROWD = [(f"a{i:02d}", "crowd", 10 * i) for i in range(6)] + [
    ("a00", "quiet", 5e4),
    ("a05", "quiet", 5e4 + 50),
]


@pytest.mark.parametrize("path", PATHS)
def test_co_action_without_crowds_counts_every_pair(path):
    tables, counts = _run(CROWD, [10.0, 30.0, 60.0], path, evidence=5)
    assert [t.candidate_pairs for t in tables] == [5, 12, 15]
    assert [_rows(t.objects) for t in tables] == [
        [("crowd", 6, 6, 5, False, False, "a00", True), ("quiet", 2, 2, 0, False, False, "a00", True)],
        [("crowd", 6, 6, 12, False, False, "a00", True), ("quiet", 2, 2, 0, False, False, "a00", True)],
        [("crowd", 6, 6, 15, False, False, "a00", True), ("quiet", 2, 2, 1, False, False, "a00", True)],
    ]  # fmt: skip
    assert ("a00", "a05", 2, 1, 2, 50.0, 0.0, 50050.0) in _rows(tables[2].pairs)


@pytest.mark.parametrize("path", PATHS)
def test_co_action_crowd_counts_within_the_widest_window_where_it_is_none(path):
    # crowd_partners=2: at 10 s 2 x 5 close pairs <= 2 x 6 actions, no crowd; at 30 and 60 s
    # a crowd, so its co-actions count only within 10 s there, while close_pairs keep the
    # window's own (12, 15) for the null model.
    tables, counts = _run(CROWD, [10.0, 30.0, 60.0], path, evidence=5, crowd=2)
    assert [t.candidate_pairs for t in tables] == [5, 5, 6]
    assert [_rows(t.objects) for t in tables] == [
        [("crowd", 6, 6, 5, False, False, "a00", True), ("quiet", 2, 2, 0, False, False, "a00", True)],
        [("crowd", 6, 6, 12, False, True, "a00", True), ("quiet", 2, 2, 0, False, False, "a00", True)],
        [("crowd", 6, 6, 15, False, True, "a00", True), ("quiet", 2, 2, 1, False, False, "a00", True)],
    ]  # fmt: skip
    chain = [
        ("a00", "a01", 1, 1, 1, 10.0, 0.0, 10.0),
        ("a01", "a02", 1, 1, 1, 10.0, 10.0, 20.0),
        ("a02", "a03", 1, 1, 1, 10.0, 20.0, 30.0),
        ("a03", "a04", 1, 1, 1, 10.0, 30.0, 40.0),
        ("a04", "a05", 1, 1, 1, 10.0, 40.0, 50.0),
    ]
    assert _rows(tables[0].pairs) == chain
    assert _rows(tables[1].pairs) == chain
    assert (
        _rows(tables[2].pairs)
        == [chain[0], ("a00", "a05", 1, 1, 1, 50.0, 5e4, 5e4 + 50)] + (chain[1:])
    )
    if path == "lean":
        assert counts[2] == [
            ("a00", "a01", 1, 1, 0, 0),
            ("a00", "a05", 1, 1, 0, 0),
            ("a01", "a02", 1, 1, 1, 0),
            ("a02", "a03", 1, 1, 1, 0),
            ("a03", "a04", 1, 1, 1, 0),
            ("a04", "a05", 1, 1, 1, 0),
        ]


def test_co_action_crowds_need_several_windows():
    [one], _ = _run(CROWD, [60.0], "lean", crowd=2)
    assert one.candidate_pairs == 15
    assert not any(one.objects["crowd"].to_pylist())


# s posts p1 and p2 (the source column names it), t posts q (one post: no audience), r names no
# source (its first actor, a, is its source, and is not counted as named). a and b react
# together to all four; s acts on its own p1.
SOURCED = [("a", "p1", 0, "s"), ("b", "p1", 2, "s"), ("s", "p1", 1, "s"),
           ("a", "p2", 100, "s"), ("b", "p2", 103, "s"),
           ("a", "q", 200, "t"), ("b", "q", 201, "t"),
           ("a", "r", 300, None), ("b", "r", 301, None)]  # fmt: skip


def test_co_action_sources_from_the_source_column():
    [t], [counts] = _run(SOURCED, [10.0], "lean")
    assert _rows(t.objects) == [
        ("p1", 3, 3, 3, False, False, "s", True),
        ("p2", 2, 2, 1, False, False, "s", True),
        ("q", 2, 2, 1, False, False, "t", False),
        ("r", 2, 2, 1, False, False, "a", False),
    ]
    # (a, b): 4 objects of 3 sources; 2 of them posts of s (an audience, neither of the pair),
    # and the others of 2 distinct sources (t, a)
    assert counts == [
        ("a", "b", 4, 3, 2, 2),
        ("a", "s", 1, 1, 0, 0),
        ("b", "s", 1, 1, 0, 0),
    ]
    assert _rows(t.pairs)[0] == ("a", "b", 4, 3, 4, 1.5, 0.0, 301.0)
    # authors who never act get codes too, but are no actors
    assert _rows(t.actors) == [("a", 4, 4), ("b", 4, 4), ("s", 1, 1)]


def test_co_action_sources_are_first_actors_without_the_column():
    [t], [counts] = _run([r[:3] for r in SOURCED], [10.0], "lean")
    # a acts first on every object: the source of all four, with an audience
    assert [(r[0], r[6], r[7]) for r in _rows(t.objects)] == [
        ("p1", "a", True), ("p2", "a", True), ("q", "a", True), ("r", "a", True)
    ]  # fmt: skip
    assert counts == [
        ("a", "b", 4, 1, 0, 0),
        ("a", "s", 1, 1, 0, 0),
        ("b", "s", 1, 1, 1, 0),
    ]


def test_co_action_source_named_only_by_others_acts_never():
    # the author "z" never acts: the objects are still its posts
    rows = [("a", "p1", 0, "z"), ("b", "p1", 1, "z"), ("a", "p2", 50, "z"), ("b", "p2", 52, "z")]
    [t], [counts] = _run(rows, [10.0], "lean")
    assert [(r[0], r[6], r[7]) for r in _rows(t.objects)] == [("p1", "z", True), ("p2", "z", True)]
    assert counts == [("a", "b", 2, 1, 2, 0)]
    assert _rows(t.actors) == [("a", 2, 2), ("b", 2, 2)]


def test_co_action_select_describes_only_the_pairs_it_keeps():
    def keep_b_c(counted):
        return [t.pairs.filter([r == "b" for r in t.pairs["actor"].to_pylist()]) for t in counted]

    at10, at60 = DuckDBEngine().co_action_windows(
        _log(WINDOWS),
        windows=[10.0, 60.0],
        max_bucket_events=100,
        evidence_per_pair=2,
        select=keep_b_c,
    )
    assert (at10.candidate_pairs, at60.candidate_pairs) == (2, 3)
    assert _rows(at10.pairs) == [("b", "c", 1, 1, 1, 10.0, 150.0, 160.0)]
    assert _rows(at60.pairs) == [("b", "c", 2, 1, 2, 22.5, 5.0, 160.0)]
    assert _rows(at60.evidence) == [("b", "c", "x", 5.0, 40.0), ("b", "c", "y", 150.0, 160.0)]


@pytest.mark.parametrize("path", PATHS)
def test_co_action_empty_log(path):
    empty = make_log(SCHEMA.empty_table())
    counts = []

    def keep_all(counted):
        counts.extend(t.pairs.num_rows for t in counted)
        return [t.pairs.select(["actor", "actor_y"]) for t in counted]

    tables = DuckDBEngine().co_action_windows(
        empty,
        windows=[10.0, 60.0],
        max_bucket_events=5,
        evidence_per_pair=3,
        select=keep_all if path == "lean" else None,
        crowd_partners=3,
    )
    for t in tables:
        assert t.candidate_pairs == 0
        assert t.pairs.column_names == list(PAIR_COLUMNS)
        assert t.evidence.column_names == ["actor", "actor_y", "object", "time", "time_y"]
        assert t.objects.column_names == [
            "object", "actions", "actors", "close_pairs", "capped", "crowd", "source", "audience"
        ]  # fmt: skip
        assert (t.pairs.num_rows, t.evidence.num_rows, t.actors.num_rows) == (0, 0, 0)
    assert counts == ([0, 0] if path == "lean" else [])


def test_co_action_does_not_modify_the_log():
    log = _log(WINDOWS)
    before = log.table
    DuckDBEngine().co_action_windows(
        log, windows=[10.0, 60.0], max_bucket_events=2, evidence_per_pair=1, crowd_partners=1
    )
    assert log.table.equals(before)


# Group 1 = m1, m2, m3. x: m1 and m2 in step, o1 too, o2 much later. y: the three members and
# o1 in step. z: m3 alone with o1 (one member: not a group object).
GROUPED = [("m1", "x", 0), ("m2", "x", 5), ("o1", "x", 8), ("o2", "x", 100),
           ("m1", "y", 200), ("m2", "y", 201), ("m3", "y", 203), ("o1", "y", 204),
           ("m3", "z", 300), ("o1", "z", 305)]  # fmt: skip
MEMBERS = member_table({"m1": 1, "m2": 1, "m3": 1})


def test_group_co_action_hits_and_objects():
    found = DuckDBEngine().group_co_action(
        _log(GROUPED), MEMBERS, window_seconds=10, max_bucket_events=100
    )
    # group, actor, object, source: a member counts an object only if two *others* were in
    # step on it (y, not x); an outsider counts both
    assert _rows(found.hits) == [
        (1, "m1", "y", "m1"),
        (1, "m2", "y", "m1"),
        (1, "m3", "y", "m1"),
        (1, "o1", "x", "m1"),
        (1, "o1", "y", "m1"),
    ]
    # group, object, members, actor, in_step (3 of x's 4 actions near a member's), member_actions
    assert _rows(found.objects) == [
        (1, "x", 2, "m1", 0.75, 2),
        (1, "x", 2, "m2", 0.75, 2),
        (1, "y", 3, "m1", 1.0, 3),
        (1, "y", 3, "m2", 1.0, 3),
        (1, "y", 3, "m3", 1.0, 3),
    ]


def test_group_actions_on_shared_objects():
    out = DuckDBEngine().group_actions(_log(GROUPED), MEMBERS)
    assert [(r["group"], r["actor"], r["object"], r["time"], r["row"], r["members"])
            for r in out.to_pylist()] == [
        (1, "m1", "x", 0.0, 1, 2), (1, "m2", "x", 5.0, 2, 2),
        (1, "m1", "y", 200.0, 5, 3), (1, "m2", "y", 201.0, 6, 3), (1, "m3", "y", 203.0, 7, 3),
    ]  # fmt: skip


def test_recurring_bursts_keep_bursts_that_meet_again():
    # x: a, b, c chained within 10 s; y: a, b; z: a alone, then b and d 2 s apart
    rows = [("a", "x", 0), ("b", "x", 5), ("c", "x", 15), ("a", "y", 100), ("b", "y", 101),
            ("a", "z", 200), ("b", "z", 250), ("d", "z", 252)]  # fmt: skip
    out = DuckDBEngine().recurring_bursts(
        _log(rows), window_seconds=10, min_actors=2, max_actors=3, min_shared=2, min_recurrences=1
    )
    assert _rows(out) == [(0, "a"), (0, "b"), (0, "c"), (1, "a"), (1, "b")]


def test_engine_primitives_on_an_empty_log():
    empty = make_log(SCHEMA.empty_table())
    engine = DuckDBEngine()
    bursts = engine.recurring_bursts(
        empty, window_seconds=10, min_actors=2, max_actors=5, min_shared=2, min_recurrences=1
    )
    assert (bursts.column_names, bursts.num_rows) == (["burst", "actor"], 0)
    found = engine.group_co_action(empty, MEMBERS, window_seconds=10, max_bucket_events=5)
    assert (found.hits.num_rows, found.objects.num_rows) == (0, 0)
    assert engine.group_actions(empty, MEMBERS).num_rows == 0


def test_query_keeps_the_order_by_on_a_connection_that_need_not_keep_order():
    # DuckDB 1.5 read the rows of a query with bound parameters back in any order on such a
    # connection (the engine's): pairs were then tested at the wrong window, differently each
    # run. Each try failed about one time in five before the fix.
    import numpy as np

    from concerted.engines.duckdb_stages import query
    from concerted.sql import connect

    con = connect(preserve_insertion_order=False)
    rng = np.random.default_rng(1)
    con.register("shuffled", {"k": rng.permutation(300_000), "w": rng.integers(0, 4, 300_000)})
    con.execute("CREATE TABLE t AS SELECT * FROM shuffled")
    for _ in range(10):
        got = query(con, "SELECT w, k FROM t WHERE k >= $low ORDER BY w, k", low=0)
        w, k = got["w"].to_numpy(), got["k"].to_numpy()
        assert np.all((np.diff(w) > 0) | ((np.diff(w) == 0) & (np.diff(k) > 0)))
