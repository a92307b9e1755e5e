"""Simulated worlds: deterministic, with the planted structure and the promised organic traps."""

from __future__ import annotations

import math
import re

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from concerted.errors import OutputError, ParameterError
from concerted.simulate import (
    HOSTILE_TEXTS,
    TEMPO_WINDOW_SECONDS,
    World,
    simulate_world,
    write_world,
)

SMALL = {"n_actors": 1000, "days": 1.0}


@pytest.fixture(scope="module")
def world() -> World:
    return simulate_world(seed=0)


@pytest.fixture(scope="module")
def organic() -> World:
    return simulate_world(seed=0, campaigns=False)


def _members(world: World, campaign: str) -> set[str]:
    truth = world.truth.filter(pc.equal(world.truth["campaign"], campaign))
    return set(truth["actor"].to_pylist())


def _largest_group(times: list[tuple[float, str]], window: float) -> int:
    """Most distinct actors whose actions fit in one span of ``window`` seconds (inclusive)."""
    times = sorted(times)
    best = 0
    for i, (t0, _) in enumerate(times):
        best = max(best, len({a for t, a in times[i:] if t - t0 <= window}))
    return best


def test_simulate_world_same_seed_same_world():
    a, b = simulate_world(seed=3, **SMALL), simulate_world(seed=3, **SMALL)
    assert a.log.table.equals(b.log.table)
    assert a.truth.equals(b.truth)
    assert a.campaigns.equals(b.campaigns)


def test_simulate_world_different_seed_different_world():
    a, b = simulate_world(seed=3, **SMALL), simulate_world(seed=4, **SMALL)
    assert not a.log.table.equals(b.log.table)
    assert not a.truth.equals(b.truth)


def test_simulate_world_default_composition(world):
    table = world.log.table
    assert 150_000 <= len(world.log) <= 300_000
    assert table.column_names == [
        "actor",
        "action",
        "object",
        "time",
        "text",
        "source",
        "language",
        "row",
    ]
    assert set(table["action"].to_pylist()) == {"share", "post", "report", "signup", "delete"}
    kinds = {o.split(":", 1)[0] for o in table["object"].unique().to_pylist()}
    assert kinds == {"url", "post", "hashtag", "account", "form", "media"}
    times = table["time"].to_numpy()
    assert np.all(np.diff(times) >= 0)
    assert times[0] >= 1_719_792_000.0 and times[-1] < 1_719_792_000.0 + 7 * 86_400
    assert np.array_equal(np.rint(times * 1000) / 1000, times)  # whole milliseconds
    assert all(re.fullmatch(r"u\d{5}", a) for a in table["actor"].unique().to_pylist())


def test_simulate_world_campaign_table(world):
    c = world.campaigns.to_pylist()
    assert [r["campaign"] for r in c] == ["c1-signup", "c2-hashtag", "c3-reports", "c4-stealth"]
    assert [r["episode"] for r in c] == ["signup", "hashtag", "reports", "stealth"]
    assert {r["tempo"] for r in c} == {"bot", "human", "slow"}
    log_objects = set(world.log.table["object"].unique().to_pylist())
    for r in c:
        assert r["window_seconds"] == TEMPO_WINDOW_SECONDS[r["tempo"]]
        assert 10 <= r["size"] <= 200 and len(_members(world, r["campaign"])) == r["size"]
        assert 0.4 <= r["participation"] <= 0.9
        assert 5 <= r["n_objects"] == len(set(r["objects"])) <= 31
        assert set(r["objects"]) <= log_objects
    assert world.truth.column_names == ["actor", "campaign", "episode", "tempo"]
    assert world.truth.num_rows == len(set(world.truth["actor"].to_pylist()))  # disjoint


def test_simulate_world_truth_actors_in_log(world):
    assert set(world.truth["actor"].to_pylist()) <= set(world.log.table["actor"].to_pylist())


def test_simulate_world_members_co_act_within_window(world):
    rows = world.log.table.select(["actor", "object", "time"]).to_pylist()
    for c in world.campaigns.to_pylist():
        members, objects = _members(world, c["campaign"]), set(c["objects"])
        by_object: dict[str, list[tuple[float, str]]] = {o: [] for o in objects}
        for r in rows:
            if r["object"] in objects and r["actor"] in members:
                by_object[r["object"]].append((r["time"], r["actor"]))
        groups = [_largest_group(by_object[o], c["window_seconds"]) for o in sorted(objects)]
        assert min(groups) >= 2, (c["campaign"], groups)
        # Members join each object with the stated probability (binomial noise allowed).
        realised = sum(groups) / (len(objects) * c["size"])
        assert abs(realised - c["participation"]) < 0.15, (c["campaign"], realised)


def test_simulate_world_signup_calls_deleted(world):
    c1 = world.campaigns.to_pylist()[0]
    calls = [o for o in c1["objects"] if o.startswith("post:")]
    t = world.log.table.filter(pc.equal(world.log.table["action"], "delete"))
    deleted = set(t["object"].to_pylist())
    assert deleted and deleted <= set(calls)
    assert any(o.startswith("form:") for o in c1["objects"])


def test_simulate_world_without_campaigns_same_organic_world(world, organic):
    assert organic.truth.num_rows == 0 and organic.campaigns.num_rows == 0
    assert organic.truth.column_names == world.truth.column_names
    assert organic.campaigns.schema.equals(world.campaigns.schema)
    assert "media" not in {o.split(":")[0] for o in organic.log.table["object"].to_pylist()}
    # Dropping every member action on a campaign object leaves the very same organic world.
    members = set(world.truth["actor"].to_pylist())
    objects = {o for os in world.campaigns["objects"].to_pylist() for o in os}
    objects.add("hashtag:#whitelivesmatter")

    cols = ("actor", "action", "object", "time", "text")

    def rest(w: World) -> list[tuple]:
        t = w.log.table
        return [
            r
            for r in zip(*(t[c].to_pylist() for c in cols), strict=True)
            if not (r[0] in members and r[2] in objects)
        ]

    assert rest(world) == rest(organic)


def test_simulate_world_organic_traps(organic):
    con = duckdb.connect()
    con.register("tab", organic.log.table)
    per_actor = con.execute("SELECT count(*) n FROM tab GROUP BY actor").fetchnumpy()["n"]
    assert per_actor.max() >= 300 and np.median(per_actor) <= 40  # heavy-tailed activity
    viral = con.execute(
        """SELECT max(n) FROM (SELECT object, count(*) n FROM tab t
           JOIN (SELECT object, min(time) t0 FROM tab GROUP BY 1) USING (object)
           WHERE action = 'share' AND time <= t0 + 3600 GROUP BY object)"""
    ).fetchone()[0]
    assert viral >= 1000
    # Celebrity fans: a poster whose every post gets dozens of shares within two minutes.
    fans = con.execute(
        """WITH p AS (SELECT actor, object, time FROM tab WHERE action = 'post'
                      AND object LIKE 'post:%'),
           s AS (SELECT p.actor, p.object, count(*) n FROM p JOIN tab t USING (object)
                 WHERE t.action = 'share' AND t.time <= p.time + 120 GROUP BY ALL)
           SELECT count(*) FROM (SELECT actor FROM s GROUP BY actor
                                 HAVING count(*) >= 20 AND min(n) >= 20)"""
    ).fetchone()[0]
    assert fans == 3
    # Live events: hundreds of distinct actors on one hashtag within a minute.
    crowd = con.execute(
        """SELECT max(n) FROM (SELECT object, count(DISTINCT actor) n FROM tab
           WHERE object LIKE 'hashtag:%' GROUP BY object, floor(time / 60))"""
    ).fetchone()[0]
    assert crowd >= 200
    tags = con.execute(
        "SELECT count(*) FROM (SELECT object FROM tab WHERE object LIKE 'hashtag:%' "
        "GROUP BY 1 HAVING count(DISTINCT actor) >= 100 AND max(time) - min(time) > 5 * 86400)"
    ).fetchone()[0]
    assert tags >= 10  # ordinary hashtags used by many people over days


def test_simulate_world_hostile_texts_from_organic_actors(world):
    t = world.log.table.select(["actor", "text"]).to_pylist()
    hostile = [r for r in t if r["text"] in HOSTILE_TEXTS]
    assert sorted(r["text"] for r in hostile) == sorted(HOSTILE_TEXTS)
    assert not {r["actor"] for r in hostile} & set(world.truth["actor"].to_pylist())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, r"seed must be an integer >= 0\. Got -1\."),
        ({"seed": 1.5}, r"seed must be an integer >= 0\. Got 1\.5\."),
        ({"seed": True}, r"seed must be an integer >= 0\. Got True\."),
        ({"n_actors": 999}, r"n_actors must be an integer from 1000 to 100000\. Got 999\."),
        ({"n_actors": 5000.0}, r"n_actors must be an integer from 1000 to 100000\. Got 5000\.0"),
        ({"days": 0.5}, r"days must be a number from 1 to 60\. Got 0\.5\."),
        ({"days": 61}, r"days must be a number from 1 to 60\. Got 61\."),
        ({"days": math.nan}, r"days must be a number from 1 to 60\. Got nan\."),
        ({"days": "7"}, r"days must be a number from 1 to 60\. Got '7'\."),
        ({"campaigns": "yes"}, r"campaigns must be True or False\. Got 'yes'\."),
    ],
)
def test_simulate_world_bad_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        simulate_world(**kwargs)


def test_simulate_world_non_integer_days():
    w = simulate_world(seed=1, n_actors=1000, days=1.5)
    assert w.log.table["time"].to_numpy().max() < 1_719_792_000.0 + 1.5 * 86_400
    assert set(w.truth["actor"].to_pylist()) <= set(w.log.table["actor"].to_pylist())


def test_write_world_reads_back(tmp_path):
    w = simulate_world(seed=2, **SMALL)
    paths = write_world(w, tmp_path / "out")
    assert paths == {n: tmp_path / "out" / f"{n}.csv" for n in ("actions", "truth", "campaigns")}
    parse = pacsv.ParseOptions(newlines_in_values=True)  # one hostile text spans two lines
    text = {c: pa.string() for c in ("actor", "action", "object", "time", "text")}
    raw = pacsv.read_csv(
        paths["actions"],
        parse_options=parse,
        convert_options=pacsv.ConvertOptions(column_types=text),
    )
    assert raw.column_names == ["actor", "action", "object", "time", "text"]
    assert raw.num_rows == len(w.log)
    assert all(re.fullmatch(r"\d{10}\.\d{3}", t) for t in raw["time"].to_pylist())
    convert = pacsv.ConvertOptions(
        column_types={**text, "time": pa.float64()}, strings_can_be_null=True, null_values=[""]
    )
    actions = pacsv.read_csv(paths["actions"], parse_options=parse, convert_options=convert)
    assert actions.equals(
        w.log.table.drop_columns(["source", "language", "row"])
    )  # exact, hostile texts included
    truth = pacsv.read_csv(paths["truth"])
    assert truth.column_names == ["actor", "campaign", "episode", "tempo"]
    assert truth.equals(w.truth)
    campaigns = pacsv.read_csv(paths["campaigns"])
    assert campaigns.column_names == w.campaigns.column_names
    assert campaigns.num_rows == 4
    assert [o.split(" ") for o in campaigns["objects"].to_pylist()] == w.campaigns[
        "objects"
    ].to_pylist()


def test_write_world_into_a_file_raises(tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot create the folder"):
        write_world(simulate_world(seed=0, **SMALL), blocker)


def test_simulate_world_family_of_campaigns():
    world = simulate_world(seed=4, n_actors=3000, days=2, n_campaigns=8)
    rows = world.campaigns.to_pylist()
    assert len(rows) == 8 and world.campaigns["campaign"].to_pylist()[0].startswith("c01-")
    for c in rows:
        assert c["episode"] in ("signup", "hashtag", "reports", "links", "stealth")
        assert c["window_seconds"] == TEMPO_WINDOW_SECONDS[c["tempo"]]
        assert 0.4 <= c["participation"] <= 0.9
        assert 10 <= c["size"] <= (20 if c["episode"] == "stealth" else 200)
    truth = world.truth.to_pylist()
    members = {}
    for r in truth:
        members.setdefault(r["campaign"], set()).add(r["actor"])
    assert {c: len(m) for c, m in members.items()} == {c["campaign"]: c["size"] for c in rows}
    plain = [m for c, m in members.items() if "stealth" not in c]
    assert sum(map(len, plain)) == len(set().union(*plain))  # disjoint, stealth aside
    # The same seed gives the same family.
    again = simulate_world(seed=4, n_actors=3000, days=2, n_campaigns=8)
    assert again.campaigns.equals(world.campaigns) and again.log.table.equals(world.log.table)


def test_simulate_world_family_hashtag_campaign_hijacks_an_organic_tag():
    world = simulate_world(seed=2, n_actors=3000, days=2, n_campaigns=12)
    hijacks = [c for c in world.campaigns.to_pylist() if c["episode"] == "hashtag"]
    assert hijacks
    t = world.log.table
    planted = set(world.truth["actor"].to_pylist())
    for c in hijacks:
        mine = set(
            world.truth.filter(pc.equal(world.truth["campaign"], c["campaign"]))[
                "actor"
            ].to_pylist()
        )
        posts = t.filter(pc.is_in(t["actor"], value_set=pa.array(sorted(mine))))
        tags = {o for o in posts["object"].to_pylist() if o.startswith("hashtag:")}
        used = t.filter(pc.is_in(t["object"], value_set=pa.array(sorted(tags))))
        organic = set(used["actor"].to_pylist()) - planted
        assert len(organic) > 50  # a popular tag, shared with organic users


@pytest.mark.parametrize("bad", [0, 31, 2.5, True, "9"])
def test_simulate_world_bad_family_size(bad):
    with pytest.raises(ParameterError, match="n_campaigns must be an integer from 1 to 30"):
        simulate_world(seed=1, n_actors=1000, days=1, n_campaigns=bad)


def test_simulate_world_family_campaigns_share_no_object_and_fail_cleanly_when_too_many():
    world = simulate_world(seed=0, n_actors=3000, days=2, n_campaigns=14)
    seen: dict[str, str] = {}
    for c in world.campaigns.to_pylist():
        for o in c["objects"]:
            assert seen.setdefault(o, c["campaign"]) == c["campaign"], o
    with pytest.raises(ParameterError, match="do not fit among 1000 actors"):
        simulate_world(seed=0, n_actors=1000, days=1, n_campaigns=30)
    with pytest.raises(ParameterError, match="drop one"):
        simulate_world(seed=0, n_actors=1000, days=1, n_campaigns=3, campaigns=False)
