"""Growing groups (concerted.groups), exactly, on hand-made logs."""

import pyarrow as pa

from concerted import CoAction, make_log
from concerted.engines import default_engine
from concerted.groups import (
    MEMBERSHIPS,
    burst_candidates,
    groups_from_pairs,
    merge_overlapping,
    number_groups,
    with_groups,
)
from tests.test_results import _campaign_log


def test_groups_from_pairs_needs_acting_together_again(tiny_log):
    pairs = CoAction(window_seconds=10, min_repeat=1, significance=False).detect(tiny_log).pairs
    # b2-b3 co-acted once (weight 1): no group; a1, a2, a3 three times each.
    assert groups_from_pairs(pairs, min_size=2) == {"a1": 1, "a2": 1, "a3": 1}
    assert groups_from_pairs(pairs, min_size=4) == {}
    assert with_groups(pairs, {"a1": 1, "a2": 1, "a3": 1}).select(
        ["actor", "actor_y", "group"]
    ).to_pylist() == [
        {"actor": "a1", "actor_y": "a2", "group": 1},
        {"actor": "a1", "actor_y": "a3", "group": 1},
        {"actor": "a2", "actor_y": "a3", "group": 1},
        {"actor": "b2", "actor_y": "b3", "group": None},
    ]


def test_groups_number_groups_ranks_by_strength_and_drops_small_ones():
    tested = pa.table(
        {
            "actor": ["x", "y", "p", "q", "r", "s"],
            "group": [7, 7, 9, 9, 9, 4],
            "strength": [4.0, 4.0, 1.0, 1.0, 1.0, 9.0],
        }
    )
    assert number_groups(tested, 2) == {"x": 1, "y": 1, "p": 2, "q": 2, "r": 2}
    assert number_groups(tested, 1) == {"x": 2, "y": 2, "p": 3, "q": 3, "r": 3, "s": 1}


def test_groups_grow_groups_exact_on_a_campaign():
    # The detector's groups are grow_groups()'s: c1, c2, c3, each pair significant and each
    # member passing the group test.
    groups = CoAction().detect(_campaign_log()).groups
    assert groups.schema == MEMBERSHIPS
    assert groups.select(["group", "actor", "observed", "evidence"]).to_pylist() == [
        {"group": 1, "actor": a, "observed": 8, "evidence": "pairs+group"}
        for a in ("c1", "c2", "c3")
    ]
    assert max(groups["q_value"].to_pylist()) <= 0.01


def test_groups_burst_candidates_from_recurring_bursts():
    # d1..d4 act on b0, b1, b2 within 15 s, 1000 s apart: three bursts of the same four.
    rows = [
        {"actor": f"d{i}", "object": f"b{k}", "time": 1000.0 * k + 5 * i}
        for k in range(3)
        for i in range(1, 5)
    ]
    rows += [
        {"actor": "e1", "object": "b0", "time": 3.0},
        {"actor": "e2", "object": "o", "time": 9.0},
    ]
    log = make_log(rows)
    engine = default_engine()
    # Numbered after the core groups; not a candidate when half of it is in a core group.
    assert burst_candidates(log, engine, {}) == {"d1": 2, "d2": 2, "d3": 2, "d4": 2}
    assert burst_candidates(log, engine, {"d1": 1, "d2": 1}) == {}


def test_groups_merge_overlapping_groups_pushing_the_same_objects():
    # Groups 1 and 2 make most of the actions on x and y: one campaign in two cores. Group 3
    # shares only y with them.
    acted = pa.table(
        {
            "group": [1, 2, 1, 2, 3],
            "object": ["x", "x", "y", "y", "y"],
            "member_actions": [3, 3, 4, 2, 1],
        }
    )
    assert merge_overlapping(acted, {"x": 8, "y": 10}) == {2: 1}
    assert merge_overlapping(acted, {"x": 100, "y": 100}) == {}
