"""``concerted detect --peer``: the peers' networks from the command line, and its options."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from concerted.cli import main

from ..conftest import RUSSIAN, needs_real_data


def _edges(out):
    with open(out / "edges.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
@needs_real_data()
@pytest.mark.parametrize(
    ("args", "pairs"),
    [
        (["--peer", "qut", "--window-seconds", "10", "--min-repeat", "2"], 5),
        (["--peer", "qut", "--window-seconds", "60", "--min-repeat", "2"], 63),
        (["--peer", "coortweet"], 442),  # CooRTweet's defaults, as its own R code gives
    ],
)
def test_peer_modes_reproduce_the_peers_on_russian_coord_tweets(tmp_path, args, pairs):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["detect", str(RUSSIAN), *args, "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    edges = _edges(out)
    assert len(edges) == pairs
    if "qut" in args:
        assert all(max(int(e["weight_ab"]), int(e["weight_ba"])) >= 2 for e in edges)
        assert "n_content_id" not in edges[0]  # coortweet's columns only in its runs
    else:
        assert "weight_ab" not in edges[0] and "n_content_id" in edges[0]


def test_peer_options_apply_to_their_peer_only(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("actor,object,time\na,x,1\nb,x,2\na,y,10\nb,y,11\n")
    runs = {
        ("--min-participation", "2"): "--min-participation applies with --peer coortweet only",
        ("--peer", "qut", "--subgraph", "1"): "--subgraph applies with --peer coortweet only",
        ("--peer", "qut", "--alpha", "0.05"): "--alpha does not apply to the qut detector",
    }
    for args, message in runs.items():
        result = CliRunner().invoke(main, ["detect", str(log), *args, "--out", str(tmp_path / "o")])
        assert result.exit_code != 0 and message in result.output, result.output
    ok = CliRunner().invoke(
        main, ["detect", str(log), "--peer", "qut", "--window-seconds", "5", "--min-repeat", "2",
               "--out", str(tmp_path / "q"), "-q"],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert [
        (e["actor"], e["actor_y"], e["weight_ab"], e["weight_ba"]) for e in _edges(tmp_path / "q")
    ] == [("a", "b", "2", "2")]
