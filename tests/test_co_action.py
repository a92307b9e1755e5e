import pyarrow as pa
import pytest

from concerted import CoAction, ParameterError, SchemaError, load_log, make_log
from concerted.engines.duckdb import DuckDBEngine

from .conftest import RUSSIAN, needs_real_data


def pairs_of(findings):
    return [
        (p["actor"], p["actor_y"], p["weight"])
        for p in findings.pairs.select(["actor", "actor_y", "weight"]).to_pylist()
    ]


def test_co_action_evidence_keeps_the_first_objects_of_busy_pairs():
    log = make_log(
        [
            {"actor": a, "object": f"o{k}", "time": k * 100.0 + d}
            for k in range(8)
            for a, d in (("a", 0), ("b", 1))
        ]
    )
    f = CoAction(window_seconds=10, min_repeat=1, significance=False, evidence_per_pair=3).detect(
        log
    )
    assert f.evidence["object"].to_pylist() == ["o0", "o1", "o2"]
    assert pairs_of(f) == [("a", "b", 8)]


def test_co_action_exact_pairs_on_tiny_log(tiny_log):
    f = CoAction(window_seconds=10, min_repeat=2, significance=False).detect(tiny_log)
    assert sorted(pairs_of(f)) == [("a1", "a2", 3), ("a1", "a3", 3), ("a2", "a3", 3)]
    assert f.candidate_pairs == 4  # b2-b3 co-acted once
    a1a2 = f.pairs.filter(pa.compute.equal(f.pairs["actor_y"], "a2")).to_pylist()[0]
    assert a1a2["co_actions"] == 3
    assert a1a2["median_delay_seconds"] == 3.0  # delays 3, 4, 1
    evidence = f.evidence.filter(pa.compute.equal(f.evidence["actor_y"], "a2")).to_pylist()
    assert evidence == [
        {"actor": "a1", "actor_y": "a2", "object": "x", "time": 0.0, "time_y": 3.0},
        {"actor": "a1", "actor_y": "a2", "object": "y", "time": 1000.0, "time_y": 1004.0},
        {"actor": "a1", "actor_y": "a2", "object": "z", "time": 2000.0, "time_y": 2001.0},
    ]
    assert f.evidence.num_rows == 9  # only the kept pairs' evidence, not b2-b3's


def test_co_action_window_is_inclusive_at_the_boundary():
    log = make_log(
        [
            {"actor": "a", "object": "o", "time": 0.0},
            {"actor": "b", "object": "o", "time": 10.0},  # exactly the window: counts
            {"actor": "c", "object": "o", "time": 20.5},  # 10.5 after b: does not
        ]
    )
    f = CoAction(window_seconds=10, min_repeat=1, significance=False).detect(log)
    assert pairs_of(f) == [("a", "b", 1)]


def test_co_action_same_actor_never_pairs_with_itself_and_weight_counts_distinct_objects():
    log = make_log(
        [{"actor": "a", "object": "o", "time": t} for t in (0.0, 1.0, 2.0)]
        + [{"actor": "b", "object": "o", "time": 1.5}]
    )
    f = CoAction(window_seconds=5, min_repeat=1, significance=False).detect(log)
    assert pairs_of(f) == [("a", "b", 1)]
    assert f.pairs["co_actions"].to_pylist() == [3]
    # the closest co-action is the evidence: a at 1.0 and at 2.0 are both 0.5 s from b at 1.5;
    # ties go to the earlier one
    assert f.evidence.select(["time", "time_y"]).to_pylist() == [{"time": 1.0, "time_y": 1.5}]


def test_co_action_pairs_across_bucket_edges():
    # 59 and 61 fall in different 60 s buckets but are 2 s apart.
    log = make_log(
        [{"actor": "a", "object": "o", "time": 59.0}, {"actor": "b", "object": "o", "time": 61.0}]
    )
    f = CoAction(window_seconds=60, min_repeat=1, significance=False).detect(log)
    assert pairs_of(f) == [("a", "b", 1)]


def test_co_action_hot_object_is_sampled_and_flagged():
    n = 400
    log = make_log([{"actor": f"u{i}", "object": "viral", "time": float(i % 30)} for i in range(n)])
    f = CoAction(window_seconds=60, min_repeat=1, significance=False, max_bucket_events=50).detect(
        log
    )
    assert f.pairs.num_rows == 50 * 49 // 2  # bounded by the cap, not n * (n - 1) / 2
    assert f.objects["capped"].to_pylist() == [True]
    assert "sampled" in f.notes[0]


def _crowd_tables(crowd_partners):
    # 30 actors on "crowd", one every 10 s: each action has 29 others within 600 s and about
    # 10.6 within 60 s (pairs within 60 s: 25 + 26 + ... + 29 = 159; 2 * 159 / 30 = 10.6).
    rows = [{"actor": f"a{i:02d}", "object": "crowd", "time": 10.0 * i} for i in range(30)]
    # a00 and a20 also meet 200 s apart on a quiet object.
    rows += [
        {"actor": a, "object": "quiet", "time": t} for a, t in (("a00", 5e4), ("a20", 5e4 + 200))
    ]
    return DuckDBEngine().co_action_windows(
        make_log(rows),
        windows=[10.0, 60.0, 600.0],
        max_bucket_events=2000,
        evidence_per_pair=5,
        select=lambda counted: [t.pairs.select(["actor", "actor_y"]) for t in counted],
        crowd_partners=crowd_partners,
    )


def test_co_action_crowd_counts_within_a_narrower_window():
    plain, crowded = _crowd_tables(None), _crowd_tables(12)
    wide = {r["object"]: r for r in crowded[2].objects.to_pylist()}
    # 29 partners each at 600 s > 12: "crowd" is a crowd there (10.6 <= 12 at 60 s); the null
    # model still sees all its pairs within 600 s; the quiet object is no crowd.
    assert wide["crowd"]["crowd"] is True
    assert wide["crowd"]["close_pairs"] == 30 * 29 // 2
    assert wide["quiet"]["crowd"] is False
    assert [r["crowd"] for r in crowded[1].objects.to_pylist()] == [False, False]
    weight = {(r["actor"], r["actor_y"]): r["weight"] for r in crowded[2].pairs.to_pylist()}
    plain_weight = {(r["actor"], r["actor_y"]): r["weight"] for r in plain[2].pairs.to_pylist()}
    # Without the rule, a00 and a20 (200 s apart) met on both objects at 600 s; with it, their
    # meeting on the crowd counts only within 60 s, so on the quiet object alone.
    assert plain_weight[("a00", "a20")] == 2
    assert weight[("a00", "a20")] == 1
    assert weight[("a00", "a05")] == 1  # 50 s apart on the crowd: within 60 s
    assert ("a00", "a07") not in weight  # 70 s apart on the crowd, nowhere else
    assert len(plain_weight) == 30 * 29 // 2
    # The narrower windows are untouched.
    assert crowded[1].pairs.equals(plain[1].pairs)
    assert [r["crowd"] for r in plain[2].objects.to_pylist()] == [False, False]


def test_co_action_default_notes_crowds():
    rows = [{"actor": f"a{i:03d}", "object": "crowd", "time": 2.0 * i} for i in range(300)]
    rows += [{"actor": "a000", "object": "other", "time": 1e5}]
    f = CoAction().detect(make_log(rows))
    assert f.params["crowd_partners"] == 100
    assert any("1 object(s) were crowds at 600 s" in n for n in f.notes)
    assert not any(
        "crowds" in n for n in CoAction(crowd_partners=1000).detect(make_log(rows)).notes
    )


def test_co_action_does_not_modify_input(tiny_log):
    before = tiny_log.table.to_pylist()
    CoAction().detect(tiny_log)
    assert tiny_log.table.to_pylist() == before


def test_co_action_empty_log():
    f = CoAction(significance=False).detect(
        make_log(
            pa.table(
                {
                    "actor": pa.array([], pa.string()),
                    "object": pa.array([], pa.string()),
                    "time": pa.array([], pa.float64()),
                }
            )
        )
    )
    assert f.pairs.num_rows == 0


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"window_seconds": 0},
            r"window_seconds must be a number from 0\.001 to 31,536,000 \(a year\)\. Got 0\.",
        ),
        ({"window_seconds": "60"}, r"window_seconds must be a number from .*Got '60'"),
        ({"window_seconds": float("inf")}, r"window_seconds must be a number from .*Got inf"),
        ({"window_seconds": float("nan")}, r"window_seconds must be a number from .*Got nan"),
        ({"window_seconds": 1e-300}, r"window_seconds must be a number from .*Got 1e-300"),
        ({"window_seconds": 1e20}, r"window_seconds must be a number from .*Got 1e\+20"),
        ({"min_repeat": 0}, r"min_repeat must be an integer from 1 to 2,147,483,647\. Got 0"),
        (
            {"min_repeat": 10**30},
            r"min_repeat must be an integer from 1 to 2,147,483,647\. Got 1000",
        ),
        ({"alpha": 1.5}, r"alpha must be a number between 0 and 1\. Got 1\.5"),
        ({"alpha": 0.05, "significance": False}, r"alpha applies only with significance on"),
        ({"max_bucket_events": 1}, r"max_bucket_events must be an integer from 2 to"),
        ({"crowd_partners": 0}, r"crowd_partners must be an integer from 1 to"),
        ({"crowd_partners": 50, "significance": False}, r"crowd_partners applies only with"),
    ],
)
def test_co_action_bad_parameters(tiny_log, params, message):
    with pytest.raises(ParameterError, match=message):
        CoAction(**params).detect(tiny_log)


def test_co_action_needs_time_values():
    log = make_log(
        pa.table({"actor": ["a"], "object": ["o"], "time": pa.array([None], pa.float64())})
    )
    with pytest.raises(SchemaError, match="every row of <memory> is empty there"):
        CoAction().detect(log)


def _background(rows, n=300):
    """Ordinary activity: n people, each posting a link that three friends share over minutes."""
    for i in range(n):
        rows.append({"actor": f"p{i}", "object": f"bg{i}", "time": i * 1000.0})
        for d, delay in ((1, 30.0), (2, 400.0), (3, 800.0)):
            rows.append(
                {"actor": f"p{(i + d) % n}", "object": f"bg{i}", "time": i * 1000.0 + delay}
            )
    return rows


def test_co_action_significance_discounts_heavy_users():
    # 'heavy' shares 300 links, meeting 'x' on 6 of them; 'c1'..'c3' co-act within seconds on 6
    # rare posts by 6 different authors, and do little else. Same weight, different evidence:
    # the heavy user meets everyone.
    rows = _background([])
    rows += [{"actor": "heavy", "object": f"bg{i}", "time": i * 1000.0 + 10} for i in range(300)]
    rows += [
        {"actor": "x", "object": f"bg{i}", "time": i * 1000.0 + 12}
        for i in (10, 20, 30, 40, 50, 60)
    ]
    for k in range(6):
        rows.append({"actor": f"author{k}", "object": f"rare{k}", "time": 500000.0 + k * 1000})
        rows += [
            {"actor": f"c{j}", "object": f"rare{k}", "time": 500000.0 + k * 1000 + j}
            for j in (1, 2, 3)
        ]
    f = CoAction(window_seconds=60).detect(make_log(rows))
    kept = {(p["actor"], p["actor_y"]) for p in f.pairs.to_pylist()}
    assert kept == {("c1", "c2"), ("c1", "c3"), ("c2", "c3")}
    assert f.params == {
        "window_seconds": 60.0,
        "min_repeat": 2,
        "significance": True,
        "max_bucket_events": 2000,
        "object_sources": "first actor",
        "alpha": 0.01,
    }


@pytest.mark.parametrize(
    "rotate, expected", [(False, set()), (True, {("f1", "f2"), ("f1", "f3"), ("f2", "f3")})]
)
def test_co_action_reactions_to_one_source_count_once(rotate, expected):
    # f1..f3 react within seconds to 8 posts. When all 8 come from one account ('star'), they are
    # following it, as fans do; when each comes from a different account, they are acting together.
    rows = _background([])
    for k in range(8):
        source = f"s{k}" if rotate else "star"
        rows.append({"actor": source, "object": f"post{k}", "time": 900000.0 + k * 5000})
        rows += [
            {"actor": f"f{j}", "object": f"post{k}", "time": 900000.0 + k * 5000 + j}
            for j in (1, 2, 3)
        ]
    f = CoAction(window_seconds=10).detect(make_log(rows))
    kept = {(p["actor"], p["actor_y"]) for p in f.pairs.to_pylist()}
    assert kept == expected
    if rotate:
        assert f.pairs["sources"].to_pylist() == [8, 8, 8]


def test_co_action_default_tests_four_windows(tiny_log):
    f = CoAction().detect(tiny_log)
    assert f.params["window_seconds"] == [3.0, 10.0, 60.0, 600.0]


@needs_real_data()
@pytest.mark.parametrize("window, expected", [(10, 1092), (60, 6206)])
def test_co_action_parity_with_peer_tools_on_russian_coord_tweets(window, expected):
    """coordination-network-toolkit 1.5.2 and CooRTweet 2.1.3 both give these pair counts."""
    log = load_log(RUSSIAN)
    f = CoAction(window_seconds=window, min_repeat=1, significance=False).detect(
        log, DuckDBEngine()
    )
    assert f.pairs.num_rows == expected
    assert f.candidate_pairs == expected
