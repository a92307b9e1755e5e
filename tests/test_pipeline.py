import pyarrow.compute as pc
import pytest

from concerted import CoAction, detect, make_log
from concerted.simulate import simulate_world


def test_detect_tiny_log_groups_and_tables(tiny_log):
    result = detect(tiny_log, detector=CoAction(window_seconds=10, significance=False))
    assert result.actors.select(["actor", "group", "degree"]).to_pylist() == [
        {"actor": "a1", "group": 1, "degree": 2},
        {"actor": "a2", "group": 1, "degree": 2},
        {"actor": "a3", "group": 1, "degree": 2},
    ]
    g = result.groups.to_pylist()[0]
    assert (g["group"], g["size"], g["edges"], g["density"], g["objects"], g["actions"]) == (
        1,
        3,
        3,
        1.0,
        3,
        9,
    )
    assert (g["first_time"], g["last_time"]) == (0.0, 2006.0)
    assert result.summary["coordinated_pairs"] == 3
    assert result.evidence["group"].to_pylist() == [1] * 9


def test_detect_pairs_that_co_act_once_form_no_group():
    # Classic mode keeps the single co-action, but a group needs acting together again.
    log = make_log([{"actor": a, "object": "o", "time": t} for a, t in (("a", 0.0), ("b", 1.0))])
    result = detect(log, detector=CoAction(window_seconds=10, min_repeat=1, significance=False))
    assert result.edges.num_rows == 1
    assert result.groups.num_rows == 0
    assert result.edges["group"].null_count == 1


@pytest.mark.slow
def test_detect_default_finds_planted_campaigns_and_spares_organic_traps():
    world = simulate_world(seed=11)
    flagged = set(detect(world.log).actors["actor"].to_pylist())
    planted = set(world.truth["actor"].to_pylist())
    precision = len(flagged & planted) / len(flagged)
    recall = len(flagged & planted) / len(planted)
    assert precision >= 0.9, (precision, recall)
    assert recall >= 0.6, (precision, recall)
    # The bot-like hashtag flood is found almost whole.
    flood = world.truth.filter(pc.equal(world.truth["episode"], "hashtag"))["actor"].to_pylist()
    assert len(flagged & set(flood)) >= 0.9 * len(flood)


@pytest.mark.slow
def test_detect_default_flags_almost_nobody_without_a_campaign():
    world = simulate_world(seed=12, campaigns=False)
    result = detect(world.log)
    assert result.actors.num_rows <= 5  # of 5,000 actors, among viral cascades, fans, live events


def test_groups_report_observed_against_expected():
    # Background: 300 posts by 300 people, each shared by three friends minutes apart.
    rows = [
        {"actor": f"p{(i + d) % 300}", "object": f"bg{i}", "time": i * 1000.0 + 300 * d}
        for i in range(300)
        for d in range(4)
    ]
    for k in range(6):
        rows.append({"actor": f"author{k}", "object": f"rare{k}", "time": 9e5 + k * 1000})
        rows += [
            {"actor": f"c{j}", "object": f"rare{k}", "time": 9e5 + k * 1000 + j} for j in (1, 2, 3)
        ]
    result = detect(make_log(rows), detector=CoAction(window_seconds=10))
    group = result.groups.to_pylist()[0]
    assert (group["size"], group["edges"], group["observed"]) == (3, 3, 18)  # 3 pairs x 6 sources
    assert 0 < group["expected"] < 1
