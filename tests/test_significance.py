"""The null model's tests: exact tails, and groups found as groups."""

import numpy as np
import pyarrow.compute as pc
from scipy import stats

from concerted import CoAction, detect, make_log
from concerted.significance import sum_of_binomials_sf


def test_sum_of_binomials_tail_matches_brute_force():
    rng = np.random.default_rng(3)
    trials = rng.integers(0, 6, size=(40, 3))
    probs = rng.uniform(0, 1, size=(40, 3))
    observed = rng.integers(0, 10, size=40)
    got = sum_of_binomials_sf(observed, trials, probs)
    for i in range(40):
        pmf = np.array([1.0])
        for n, p in zip(trials[i], probs[i], strict=True):
            pmf = np.convolve(pmf, stats.binom.pmf(np.arange(n + 1), n, p))
        exact = pmf[observed[i] :].sum()
        if observed[i] > (trials[i] * probs[i]).sum():
            assert abs(got[i] - max(exact, 1e-15)) < 1e-9
        else:  # at or below the mean: reported as 1, never below the exact tail
            assert got[i] == 1.0 and exact <= 1.0


def _campaign_in_crowd(seed: int, participation: float):
    """2,000 organic accounts acting on Zipf-popular objects at random times over a week, and a
    campaign of 40 accounts pushing 12 fresh objects, each joined by a random share of them
    within 60 s. Any two members share about participation**2 * 12 objects: few pairs stand out,
    the group does."""
    rng = np.random.default_rng(seed)
    rows = []
    n_org, week = 2000, 7 * 86400.0
    activity = rng.pareto(1.5, n_org) * 10 + 5
    for a in range(n_org):
        k = int(min(activity[a], 400))
        objs = (rng.zipf(1.3, k) % 20000).astype(int)
        for o, t in zip(objs, rng.uniform(0, week, k), strict=True):
            rows.append({"actor": f"org{a}", "object": f"o{o}", "time": float(t)})
    members = [f"camp{i}" for i in range(40)]
    for j in range(12):
        onset = rng.uniform(0, week - 600)
        joined = [m for m in members if rng.random() < participation] or members[:2]
        for m in joined:
            rows.append({"actor": m, "object": f"push{j}", "time": onset + rng.uniform(0, 60)})
        for m in members:  # members are ordinary users too
            for o in (rng.zipf(1.3, 3) % 20000).astype(int):
                rows.append({"actor": m, "object": f"o{o}", "time": rng.uniform(0, week)})
    return make_log(rows), set(members)


def test_group_test_admits_members_whose_pairs_are_weak():
    log, members = _campaign_in_crowd(seed=13, participation=0.5)
    result = detect(log, detector=CoAction())
    flagged = set(result.actors["actor"].to_pylist())
    assert flagged <= members  # no organic account
    assert len(flagged) >= 0.8 * len(members)
    via = result.actors["evidence"].to_pylist()
    assert via.count("group") > 0  # some members are proven only as part of the group
    assert sum(result.groups["joined_by_group_test"].to_pylist()) == via.count("group")


def test_group_test_adds_nobody_to_an_organic_crowd():
    log, members = _campaign_in_crowd(seed=12, participation=0.5)
    organic = log.table.filter(pc.invert(pc.starts_with(log.table["actor"], "camp")))
    result = detect(make_log(organic.select(["actor", "object", "time"])), detector=CoAction())
    assert result.actors.num_rows == 0


def _stealth_among_heavy_users(seed: int, campaign: bool):
    """2,000 organic accounts (60 of them heavy, 150 actions a week) on 50,000 objects of
    Zipf-Mandelbrot popularity, and 200 viral cascades of ten minutes, each joined by 40 random
    accounts and 30 % of the heavy users. If ``campaign``, 14 of the heavy users push 12
    mid-popularity objects that organic accounts share too, each joined by about 60 % of them
    within two minutes. Heavy users meet each other in cascades all the time: no pair of the
    campaign stands out."""
    rng = np.random.default_rng(seed)
    rows = []
    n_org, n_obj, week = 2000, 50_000, 7 * 86400.0
    popularity = (np.arange(n_obj) + 10.0) ** -1.1
    popularity /= popularity.sum()
    activity = np.where(np.arange(n_org) < 60, 150, rng.pareto(1.5, n_org) * 8 + 5)
    for a in range(n_org):
        k = int(min(activity[a], 400))
        objs = rng.choice(n_obj, k, p=popularity)
        for o, t in zip(objs, rng.uniform(0, week, k), strict=True):
            rows.append({"actor": f"org{a:04d}", "object": f"o{o}", "time": float(t)})
    for c in range(200):
        t0 = rng.uniform(0, week - 600)
        crowd = [a for a in range(60) if rng.random() < 0.3]
        crowd += list(rng.choice(np.arange(60, n_org), 40, replace=False))
        for a in crowd:
            rows.append(
                {"actor": f"org{a:04d}", "object": f"viral{c}", "time": t0 + rng.exponential(120)}
            )
    members = {f"org{a:04d}" for a in rng.choice(60, 14, replace=False)}
    pushes = []  # drawn either way, so that the organic world is the same with or without
    for j in range(12):
        onset, pushed = rng.uniform(0, week - 600), f"o{300 + 37 * j}"  # mid-popularity
        for m in [m for m in sorted(members) if rng.random() < 0.6]:
            pushes.append({"actor": m, "object": pushed, "time": onset + rng.uniform(0, 120)})
    if campaign:
        rows += pushes
    return make_log(rows), members


def test_a_stealthy_group_of_heavy_users_is_found_as_a_group():
    log, members = _stealth_among_heavy_users(seed=6, campaign=True)
    result = detect(log, detector=CoAction())
    flagged = set(result.actors["actor"].to_pylist())
    assert flagged <= members  # no organic account, heavy or not
    assert len(flagged) >= 0.75 * len(members)
    assert set(result.actors["evidence"].to_pylist()) == {"group"}  # no pair proves it alone
    assert result.groups.num_rows == 1 and result.groups["observed"][0].as_py() > 0


def test_heavy_users_meeting_in_cascades_are_no_group():
    log, members = _stealth_among_heavy_users(seed=6, campaign=False)
    assert not set(members) - set(log.table["actor"].to_pylist())  # the heavy users are there
    assert detect(log, detector=CoAction()).actors.num_rows == 0


def test_the_report_explains_a_group_found_as_a_group():
    from concerted.report import render_report
    from concerted.report.views import group_view

    log, members = _stealth_among_heavy_users(seed=6, campaign=True)
    result = detect(log, detector=CoAction())
    html = render_report(result)
    assert "No pair of its members stands out on its own" in html
    view = group_view(result, result.groups.to_pylist()[0])
    # The objects it pushed come first: each of the 12 was joined by members within two
    # minutes, while the popular objects the heavy users share are met on at random times.
    pushed = {f"o{300 + 37 * j}" for j in range(12)}
    top = view["top_objects"]
    assert top[0]["object"] in pushed and top[0]["in_step"] >= 5
    assert sum(o["object"] in pushed for o in top[:5]) >= 4


def test_a_lone_significant_pair_stays_an_edge_and_is_no_group_by_default():
    log, members = _campaign_in_crowd(seed=14, participation=0.5)
    organic = log.table.filter(pc.invert(pc.starts_with(log.table["actor"], "camp"))).to_pylist()
    rng = np.random.default_rng(14)
    for j in range(8):  # two accounts push eight posts of eight authors within seconds
        onset = rng.uniform(3600, 6 * 86400)
        organic += [
            {"actor": f"org{j}", "object": f"pair{j}", "time": onset - 3600},
            {"actor": "p1", "object": f"pair{j}", "time": onset},
            {"actor": "p2", "object": f"pair{j}", "time": onset + 5},
        ]
    log = make_log([{k: r[k] for k in ("actor", "object", "time")} for r in organic])
    result = detect(log, detector=CoAction())
    pairs = result.edges.select(["actor", "actor_y", "group"]).to_pylist()
    assert pairs == [{"actor": "p1", "actor_y": "p2", "group": None}]
    assert result.actors.num_rows == 0 and result.groups.num_rows == 0
    assert result.summary["min_group_size"] == 3
    assert any(
        "1 coordinated pair(s) of accounts in no group of 3" in n for n in result.summary["notes"]
    )
    as_pair = detect(log, detector=CoAction(), min_group_size=2)
    assert sorted(as_pair.actors["actor"].to_pylist()) == ["p1", "p2"]
    assert not any("no group" in n for n in as_pair.summary["notes"])
