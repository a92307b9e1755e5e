"""CooRTweet's network (``--peer coortweet``): hand-made logs with exact pairs, fixtures written
afresh from what CooRTweet's own tests assert, and its counts on russian_coord_tweets."""

from __future__ import annotations

import pytest

from concerted import detect, load_log, make_log
from concerted.detectors import CooRTweet, get_detector
from concerted.errors import ParameterError

from ..conftest import RUSSIAN, needs_real_data

# A and B co-share o1 (a gap of exactly 10 s: the window is inclusive) and o2; A and D co-share
# o3, D's only coordinated share (its other share, o9, is alone). E and F co-share o4 and
# nothing else. G shares once, within the window of A and B on o1.
ROWS = [
    ("A", "o1", 0), ("B", "o1", 10), ("G", "o1", 3),
    ("A", "o2", 100), ("B", "o2", 105),
    ("A", "o3", 200), ("D", "o3", 203), ("D", "o9", 5000),
    ("E", "o4", 300), ("F", "o4", 302), ("E", "o5", 400), ("F", "o6", 600),
]  # fmt: skip


def _log(rows, **extra):
    return make_log([{"actor": a, "object": o, "time": float(t), **extra} for a, o, t, *_ in rows])


def _pairs(findings, *columns):
    return sorted(
        (r["actor"], r["actor_y"], *(r[c] for c in columns)) for r in findings.pairs.to_pylist()
    )


def test_coortweet_defaults_keep_a_pair_when_one_side_has_enough_coordinated_shares():
    # G (one share) is gone before pairing; D has one coordinated share but A has three; E and F
    # have one each, so their pair goes.
    f = CooRTweet().detect(_log(ROWS))
    assert _pairs(f, "weight", "weight_threshold") == [("A", "B", 2, 1), ("A", "D", 1, 0)]
    assert f.params["min_participation"] == 2 and f.params["window_seconds"] == 10.0
    assert f.params["edge_weight_quantile"] == 0.5


def test_coortweet_min_participation_one_keeps_every_pair():
    f = CooRTweet(min_participation=1).detect(_log(ROWS))
    assert _pairs(f, "weight") == [
        ("A", "B", 2), ("A", "D", 1), ("A", "G", 1), ("B", "G", 1), ("E", "F", 1),
    ]  # fmt: skip


def test_coortweet_window_is_inclusive():
    f = CooRTweet(window_seconds=9.999).detect(_log(ROWS))
    assert _pairs(f, "weight") == [("A", "B", 1), ("A", "D", 1)]


def test_coortweet_weight_counts_content_pairs_not_objects():
    # A shares o1 twice, B once between: two content pairs, one object. A's own two shares are
    # a loop.
    rows = [("A", "o1", 0), ("B", "o1", 2), ("A", "o1", 4)]
    f = CooRTweet(min_participation=1).detect(_log(rows))
    assert _pairs(f, "weight", "n_content_id", "n_content_id_y", "avg_time_delta") == [
        ("A", "B", 2, 2, 2, 2.0)
    ]
    assert f.evidence.select(["actor", "actor_y", "object", "time", "time_y"]).to_pylist() == [
        {"actor": "A", "actor_y": "B", "object": "o1", "time": 0.0, "time_y": 2.0},
        {"actor": "A", "actor_y": "B", "object": "o1", "time": 4.0, "time_y": 2.0},
    ]
    loops = CooRTweet(min_participation=1, remove_loops=False).detect(_log(rows))
    assert _pairs(loops, "weight") == [("A", "A", 1), ("A", "B", 2)]


def test_coortweet_shares_in_name_order_are_not_swapped_with_their_accounts():
    # CooRTweet orders the accounts of an edge by name but leaves content_id the older share:
    # B's two shares are each the older one, A's the newer.
    rows = [("B", "o1", 0), ("A", "o1", 5), ("B", "o2", 100), ("A", "o2", 101), ("B", "o3", 200)]
    rows += [("A", "o3", 201), ("A", "o4", 300), ("B", "o4", 300)]
    f = CooRTweet(min_participation=1).detect(_log(rows))
    # o4: equal times keep row order (A's row first), so A's share is the older there.
    assert _pairs(f, "weight", "n_content_id", "n_content_id_y", "edge_symmetry_score") == [
        ("A", "B", 4, 4, 4, 1.0)
    ]


def test_coortweet_one_post_with_two_objects_counts_twice_for_participation():
    # H posts once carrying o7 and o8 (one content, two rows): CooRTweet counts the account's
    # rows whose content is coordinated, so H has two and passes min_participation=2.
    rows = [("H", "o7", 1000), ("H", "o8", 1000), ("I", "o7", 1003), ("I", "o10", 9000)]
    f = CooRTweet().detect(_log(rows))
    assert _pairs(f, "weight") == [("H", "I", 1)]


def test_coortweet_loops_drop_the_original_post():
    # J's post p1 is the object itself (CooRTweet's object_id == content_id): no pair with it.
    rows = [("J", "p1", 0, "post"), ("K", "p1", 5, "share"), ("L", "p1", 6, "share")]
    log = make_log(
        [{"actor": a, "object": o, "time": float(t), "action": k} for a, o, t, k in rows]
    )
    assert _pairs(CooRTweet(min_participation=1).detect(log)) == [("K", "L")]
    kept = CooRTweet(min_participation=1, remove_loops=False).detect(log)
    assert _pairs(kept) == [("J", "K"), ("J", "L"), ("K", "L")]


def test_coortweet_edge_weight_quantile_and_subgraph_1():
    log = _log(ROWS)
    assert _pairs(CooRTweet(subgraph=1).detect(log), "weight") == [("A", "B", 2)]
    # Strictly above the quantile: at 1.0 nothing is.
    f = CooRTweet(edge_weight_quantile=1.0).detect(log)
    assert _pairs(f, "weight_threshold") == [("A", "B", 0), ("A", "D", 0)]
    assert _pairs(CooRTweet(edge_weight_quantile=1.0, subgraph=1).detect(log)) == []
    f = CooRTweet(edge_weight_quantile=0.0).detect(log)
    assert _pairs(f, "weight_threshold") == [("A", "B", 1), ("A", "D", 0)]


# X and Y co-share three objects within 2 s, Y and Z one within 2 s and one at 8 s, Z and W one
# at 8 s; V shares with W at 8 s too.
FAST = [
    ("X", "f1", 0), ("Y", "f1", 1), ("X", "f2", 100), ("Y", "f2", 102),
    ("X", "f3", 200), ("Y", "f3", 201), ("Y", "f4", 300), ("Z", "f4", 302),
    ("Y", "f5", 400), ("Z", "f5", 408), ("Z", "f6", 500), ("W", "f6", 508),
    ("W", "f7", 600), ("V", "f7", 608),
]  # fmt: skip


def test_coortweet_fast_network_and_subgraphs_2_and_3():
    log = _log(FAST)
    f = CooRTweet(min_participation=1, fast_window_seconds=2).detect(log)
    assert _pairs(f, "weight", "weight_threshold", "weight_fast", "weight_threshold_fast") == [
        ("V", "W", 1, 0, None, None),
        ("W", "Z", 1, 0, None, None),
        ("X", "Y", 3, 1, 3, 1),  # the fast weights are 3 and 1: their median is 2
        ("Y", "Z", 2, 1, 1, 0),  # the weights are 1, 1, 2, 3: their median is 1.5
    ]
    two = CooRTweet(min_participation=1, fast_window_seconds=2, subgraph=2).detect(log)
    assert _pairs(two) == [("X", "Y")]
    # The fast accounts X and Y, their neighbour Z, and every edge among the three.
    three = CooRTweet(min_participation=1, fast_window_seconds=2, subgraph=3).detect(log)
    assert _pairs(three) == [("X", "Y"), ("Y", "Z")]


def _self_coordinating_log():
    """Written afresh from CooRTweet's test-sample_data.R ("Self-coordinated posts are (not)
    filtered out", min_participation = 5, time_window = 10): an account that shares each of its
    objects twice within seconds, and a network of three that co-shares five objects."""
    rows = [("S", f"s{i}", 1000 * i + d) for i in range(5) for d in (0, 4)]
    rows += [
        (a, f"n{i}", 1000 * i + 500 + d)
        for i in range(5)
        for a, d in (("N1", 0), ("N2", 3), ("N3", 6))
    ]
    return _log(rows)  # fmt: skip


def test_coortweet_self_coordinated_account_only_without_remove_loops():
    log = _self_coordinating_log()
    pairs = _pairs(CooRTweet(min_participation=5).detect(log), "weight")
    assert pairs == [("N1", "N2", 5), ("N1", "N3", 5), ("N2", "N3", 5)]
    loops = CooRTweet(min_participation=5, remove_loops=False).detect(log)
    assert _pairs(loops, "weight") == [*pairs, ("S", "S", 5)]


def test_coortweet_simulated_coordination_is_found_and_noise_is_not():
    # After CooRTweet's old test-simulated_data.R (5 coordinated accounts, 4 others, 5
    # objects, min_participation 3, time_window 10): the coordinated accounts share each object
    # within the window, the others more than the window apart from anyone.
    rows = [(f"c{k}", f"ob{i}", 10_000 * i + 2 * k) for i in range(5) for k in range(5)]
    rows += [(f"u{k}", f"ob{i}", 10_000 * i + 1000 + 100 * k) for i in range(5) for k in range(4)]
    f = CooRTweet(min_participation=3).detect(_log(rows))
    accounts = {a for pair in _pairs(f) for a in pair}
    assert accounts == {f"c{k}" for k in range(5)}
    assert max(f.evidence["time_y"].to_numpy() - f.evidence["time"].to_numpy()) <= 10
    assert f.pairs.num_rows == 10 and set(f.pairs["weight"].to_pylist()) == {5}


def test_coortweet_through_detect_and_registry():
    result = detect(_log(ROWS), detector=get_detector("coortweet"))
    edges = result.edges.select(["actor", "actor_y", "weight", "weight_threshold", "group"])
    assert edges.to_pylist() == [
        {"actor": "A", "actor_y": "B", "weight": 2, "weight_threshold": 1, "group": 1},
        {"actor": "A", "actor_y": "D", "weight": 1, "weight_threshold": 0, "group": None},
    ]  # groups are the network step's: communities of the edges of weight 2 or more


def test_coortweet_files_hold_its_columns_and_other_runs_do_not(tmp_path):
    from concerted import CoAction, write_results
    from concerted.results import open_results

    write_results(detect(_log(ROWS), detector=CooRTweet()), tmp_path / "peer")
    header = (tmp_path / "peer" / "edges.csv").read_text().splitlines()[0].split(",")
    assert header[-7:] == [
        "weight_threshold", "avg_time_delta", "n_content_id", "n_content_id_y",
        "edge_symmetry_score", "weight_fast", "weight_threshold_fast",
    ]  # fmt: skip
    classic = detect(_log(ROWS), detector=CoAction(window_seconds=10, significance=False))
    write_results(classic, tmp_path / "classic")
    header = (tmp_path / "classic" / "edges.csv").read_text().splitlines()[0].split(",")
    assert "weight_threshold" not in header
    edges = open_results(tmp_path / "peer").table("edges", ["actor_y", "weight_threshold"])
    assert edges.to_pylist() == [
        {"actor_y": "B", "weight_threshold": 1},
        {"actor_y": "D", "weight_threshold": 0},
    ]


def test_coortweet_empty_result():
    f = CooRTweet().detect(_log([("A", "o1", 0), ("B", "o1", 100)]))
    assert f.pairs.num_rows == 0 and f.evidence.num_rows == 0


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"min_participation": -1}, "min_participation"),
        ({"window_seconds": float("nan")}, "window_seconds"),
        ({"edge_weight_quantile": 1.5}, "edge_weight_quantile"),
        ({"subgraph": 4}, "subgraph"),
        ({"subgraph": 2}, "fast_window_seconds"),
        ({"subgraph": 1, "fast_window_seconds": 3}, "subgraph=1"),
        ({"fast_window_seconds": 20}, "at most window_seconds"),
    ],
)
def test_coortweet_bad_parameters(params, match):
    with pytest.raises(ParameterError, match=match):
        CooRTweet(**params).detect(_log(ROWS))


# Edges of CooRTweet 2.1.3's own R code (detect_groups then generate_coordinated_network) on
# russian_coord_tweets, measured with Debian's R (docs/peers/coortweet.md says how).
RUSSIAN_PAIRS = [
    ({"min_participation": 1, "window_seconds": 10}, 1092),
    ({"min_participation": 1, "window_seconds": 60}, 6206),
    ({}, 442),
    ({"window_seconds": 60}, 3721),
    ({"min_participation": 5}, 20),
    ({"min_participation": 5, "window_seconds": 60}, 1193),
    ({"subgraph": 1}, 4),
    ({"subgraph": 1, "window_seconds": 60}, 60),
    ({"min_participation": 5, "remove_loops": False}, 27),
]


@pytest.mark.slow
@needs_real_data()
@pytest.mark.parametrize(("params", "pairs"), RUSSIAN_PAIRS)
def test_coortweet_russian_coord_tweets(params, pairs):
    assert CooRTweet(**params).detect(load_log(RUSSIAN)).pairs.num_rows == pairs


@pytest.mark.slow
@needs_real_data()
def test_coortweet_russian_self_coordinated_account():
    # CooRTweet's own test: at min_participation 5, this account is in the network only when
    # loops are kept.
    log = load_log(RUSSIAN)
    account = "9fa51ef17278c01d13d313741eddfc0b"

    def accounts(**params):
        f = CooRTweet(min_participation=5, **params).detect(log)
        return set(f.pairs["actor"].to_pylist()) | set(f.pairs["actor_y"].to_pylist())

    assert account not in accounts()
    assert account in accounts(remove_loops=False)


@pytest.mark.slow
@needs_real_data()
def test_coortweet_russian_fast_network():
    # flag_speed_share(time_window = 3) then fast_net = TRUE: 99 of the 442 edges are fast, and
    # none is above the fast median (so subgraph 2 is empty).
    f = CooRTweet(fast_window_seconds=3).detect(load_log(RUSSIAN))
    assert f.pairs.num_rows - f.pairs["weight_fast"].null_count == 99
    assert sum(f.pairs["weight_threshold_fast"].drop_null().to_pylist()) == 0
