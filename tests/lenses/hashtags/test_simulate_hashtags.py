"""`simulate_hashtags` and `concerted simulate hashtags`: the world holds what its truth says."""

from __future__ import annotations

import csv
from collections import defaultdict

import numpy as np
import pytest
from click.testing import CliRunner

from concerted import load_log
from concerted.cli import main
from concerted.errors import ParameterError
from concerted.extract import extract_objects
from concerted.lenses.hashtags.simulate import (
    HOUR,
    TAGS,
    HashtagParams,
    simulate_hashtags,
    write_hashtags_world,
)

SEED = 5
POSTS = 20_000


@pytest.fixture(scope="module")
def world():
    return simulate_hashtags(SEED, posts=POSTS)


@pytest.fixture(scope="module")
def by_tag(world):
    """``#tag`` -> [(time, actor, text)] in time order."""
    rows = defaultdict(list)
    p = world.posts
    for actor, time, text in zip(
        p["actor"].to_pylist(), p["time"].to_pylist(), p["text"].to_pylist(), strict=True
    ):
        for obj in set(extract_objects(text, ("hashtags",))):
            rows[obj.removeprefix("hashtag:")].append((time, actor, text))
    return rows


def _truth(world, kind):
    return [r for r in world.truth_hashtags.to_pylist() if r["kind"] == kind]


def test_simulate_hashtags_same_seed_same_world(world):
    again = simulate_hashtags(SEED, posts=POSTS)
    assert again.posts.equals(world.posts)
    assert again.truth_hashtags.equals(world.truth_hashtags)
    assert again.truth_flooders.equals(world.truth_flooders)
    other = simulate_hashtags(SEED + 1, posts=POSTS)
    assert not other.posts.equals(world.posts)


def test_simulate_hashtags_truth_lists_every_tag(world):
    tags = world.truth_hashtags["hashtag"].to_pylist()
    assert tags == sorted(t.lower() for t in TAGS)
    kinds = world.truth_hashtags["kind"].to_pylist()
    assert (kinds.count("takeover"), kinds.count("spike"), kinds.count("organic")) == (1, 2, 20)
    for row in world.truth_hashtags.to_pylist():
        assert (row["start"] is None) == (row["kind"] == "organic")
    assert len(world.growing) == 1 and world.growing[0] in tags
    assert world.posts["time"].to_pylist() == sorted(world.posts["time"].to_pylist())


def test_simulate_hashtags_takeover_drowns_the_tag(world, by_tag):
    (takeover,) = _truth(world, "takeover")
    tag, start = takeover["hashtag"], takeover["start"]
    flooders = set(world.truth_flooders["actor"].to_pylist())
    assert set(world.truth_flooders["hashtag"].to_pylist()) == {tag}
    assert len(flooders) == 200  # 0.4% of 20,000 posts, at least 200
    before = [r for r in by_tag[tag] if r[0] < start]
    after = [r for r in by_tag[tag] if r[0] >= start]
    # Every flooder is new to the tag, posts on it after the start, and the flood begins at once.
    assert not flooders & {a for _, a, _ in before}
    assert flooders == {a for _, a, _ in after if a in flooders}
    assert min(t for t, a, _ in after if a in flooders) - start < 15 * 60
    share = sum(a in flooders for _, a, _ in after) / len(after)
    assert share > 0.5
    # Off topic: most flood posts carry a fancam link; none carries the tag's own vocabulary.
    vocab = set(TAGS[next(t for t in TAGS if t.lower() == tag)].split())
    flood = [x for _, a, x in after if a in flooders]
    assert sum("luminaarchive" in x or "youtu.be" in x for x in flood) / len(flood) > 0.6
    assert not any(vocab & set(x.split()) for x in flood)
    # Coordination: the groups post shared texts.
    assert world.groups and all(set(m) <= flooders for m in world.groups.values())
    assert len(set(flood)) < 0.9 * len(flood)


def test_simulate_hashtags_spikes_are_large_fast_and_on_topic(world, by_tag):
    spikes = _truth(world, "spike")
    assert len(spikes) == 2
    for spike in spikes:
        tag, start = spike["hashtag"], spike["start"]
        rows = by_tag[tag]
        before = [r for r in rows if r[0] < start]
        hourly = len(before) / ((start - rows[0][0]) / HOUR)
        first_hour = [r for r in rows if start <= r[0] < start + HOUR]
        assert len(first_hour) >= 8 * hourly, (tag, len(first_hour), hourly)
        vocab = set(TAGS[next(t for t in TAGS if t.lower() == tag)].split())
        on_topic = sum(bool(vocab & set(x.split())) for _, _, x in first_hour)
        assert on_topic / len(first_hour) > 0.95
        # Mostly the tag's own community.
        known = {a for _, a, _ in before}
        assert sum(a in known for _, a, _ in first_hour) / len(first_hour) > 0.6
        # A flooder may belong to the tag's community too, but no fancam reaches a spike.
        assert not any("luminaarchive" in x for _, _, x in first_hour)


def test_simulate_hashtags_growing_tag_grows(world, by_tag):
    rows = by_tag[world.growing[0]]
    start = world.posts["time"][0].as_py()
    per_day = np.bincount([int((t - start) // 86_400) for t, _, _ in rows], minlength=4)
    assert per_day[3] > 3 * per_day[0]


def test_write_hashtags_world_follows_the_contract(world, tmp_path):
    paths = write_hashtags_world(world, tmp_path)
    assert sorted(p.name for p in paths.values()) == [
        "posts.csv",
        "truth_flooders.csv",
        "truth_hashtags.csv",
    ]
    with open(tmp_path / "posts.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["actor", "time", "text"]
    assert len(rows) == world.posts.num_rows
    assert rows[0]["time"].endswith("Z") and len(rows[0]["time"]) == 20
    with open(tmp_path / "truth_hashtags.csv", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert list(truth[0]) == ["hashtag", "kind", "start"]
    assert all(r["hashtag"].startswith("#") and r["hashtag"] == r["hashtag"].lower() for r in truth)
    assert all((r["start"] == "") == (r["kind"] == "organic") for r in truth)
    with open(tmp_path / "truth_flooders.csv", encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["actor", "hashtag"]
    log = load_log(tmp_path / "posts.csv", objects_from_text=["hashtags"])
    objects = set(log.table["object"].to_pylist())
    assert {r["hashtag"] for r in truth} <= {o.removeprefix("hashtag:") for o in objects}
    assert log.table["time"][0].as_py() == world.posts["time"][0].as_py()


def test_simulate_hashtags_bad_parameters():
    with pytest.raises(ParameterError, match="posts must be >= 2000"):
        simulate_hashtags(0, posts=10)
    with pytest.raises(ParameterError, match="unknown parameter 'tags'"):
        simulate_hashtags(0, tags=3)
    with pytest.raises(ParameterError, match="flood_ratio must be > 1"):
        simulate_hashtags(0, params=HashtagParams(posts=5_000, flood_ratio=0.5))


def test_simulate_hashtags_cli(tmp_path):
    result = CliRunner().invoke(
        main, ["simulate", "hashtags", "--out", str(tmp_path), "--seed", "3", "--posts", "4000"]
    )
    assert result.exit_code == 0, result.output
    assert "1 takeover(s) by 200 flooders, 2 organic spike(s)" in result.output
    assert (tmp_path / "truth_flooders.csv").exists()
    refused = CliRunner().invoke(main, ["simulate", "--out", str(tmp_path), "--posts", "4000"])
    assert refused.exit_code == 1
    assert "--posts applies to the hashtags, posts and reports worlds only" in refused.output
