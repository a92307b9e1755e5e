"""concerted simulate posts: copy-paste campaigns with light edits, and their answer key."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.errors import ParameterError
from concerted.neardup import cluster_texts
from concerted.simulate_text import BOILERPLATE, simulate_posts


@pytest.fixture(scope="module")
def world():
    return simulate_posts(seed=3, n_posts=5000, n_campaigns=2)


@pytest.mark.slow
def test_simulate_posts_is_reproducible_and_its_truth_matches(world):
    again = simulate_posts(seed=3, n_posts=5000, n_campaigns=2)
    assert again.posts.equals(world.posts)
    members = set(world.truth["actor"].to_pylist())
    posters = set(world.posts["actor"].to_pylist())
    assert members <= posters
    assert {a.rsplit("-", 1)[0] for a in members} == {"t1-copypaste", "t2-copypaste"}
    assert world.families["id"].equals(world.posts["id"])


def test_simulate_posts_copies_are_edited_and_found_as_near_duplicates(world):
    fam = world.families["family"].to_numpy()
    campaign = pc.starts_with(world.posts["actor"], "t1-copypaste").to_numpy(zero_copy_only=False)
    first = fam[campaign][0]
    copies = world.posts["text"].filter(pc.equal(world.families["family"], int(first)))
    texts = copies.to_pylist()
    assert len(set(texts)) > 1  # edited, not identical
    assert len(set(cluster_texts(copies).tolist())) == 1  # yet one cluster
    boiler = [t for t in world.posts["text"].to_pylist() if t.startswith(BOILERPLATE)]
    assert len(boiler) == 50  # 1 % of the organic posts


def test_simulate_posts_refuses_bad_parameters():
    with pytest.raises(ParameterError, match="n_campaigns must be an integer from 1 to 30"):
        simulate_posts(n_campaigns=0)
    with pytest.raises(ParameterError, match="n_posts must be an integer from 1,000"):
        simulate_posts(n_posts=10)


def test_cli_simulate_posts_writes_posts_truth_and_families(tmp_path):
    res = CliRunner().invoke(
        main, ["simulate", "posts", "--out", str(tmp_path), "--posts", "2000", "--family", "1"]
    )
    assert res.exit_code == 0, res.output
    assert "1 copy-paste campaigns" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["families.csv", "posts.csv", "truth.csv"]
    assert (tmp_path / "posts.csv").read_text().startswith('"id","actor","time","text"')
