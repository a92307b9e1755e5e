"""Narratives as a layer of detect (concerted.layers.NarrativeLayer, ``detect --narratives``),
and the simulated world of ``concerted simulate narratives``."""

from __future__ import annotations

import csv
import json

import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.errors import ParameterError, SchemaError
from concerted.layers import NarrativeLayer, add_layers, layer_of
from concerted.lenses.narratives.simulate import simulate_narratives
from concerted.schema import make_log

from .conftest import story_posts

FIVE = ["arrests", "empty_seats", "fares", "counter_rally", "fine"]


def _log(rows):
    return make_log([{**r, "object": f"row:{i + 1}", "row": i + 1} for i, r in enumerate(rows)])


def test_narrative_layer_adds_one_object_per_narrative(embedder):
    rows, truth = story_posts(FIVE, ["en", "fr", "he", "ru"])
    layered = add_layers(_log(rows), [NarrativeLayer(embedder=embedder)])
    table = layered.table
    added = table.filter(pc.equal(layer_of(table["object"]), "narrative"))
    by_actor = dict(zip(added["actor"].to_pylist(), added["object"].to_pylist(), strict=True))
    story_of = {r["actor"]: s for r, s in zip(rows, truth, strict=True)}
    # One object per story: the posts of a story, in four languages, act on the same object.
    objects = {}
    for actor, obj in by_actor.items():
        objects.setdefault(story_of[actor], set()).add(obj)
    assert all(len(v) == 1 for v in objects.values()) and len(objects) == 5
    assert len({o for v in objects.values() for o in v}) == 5
    assert set(added["action"].to_pylist()) == {"narrative"}
    assert layered.notes[-1] == (
        "narrative layer: 20 posts in 5 narratives across 4 languages (objects narrative:<n>)"
    )


def test_narrative_layer_needs_texts_and_a_good_parameter():
    with pytest.raises(SchemaError, match="--narratives needs a text column"):
        NarrativeLayer().actions(make_log([{"actor": "a", "object": "x", "time": 0.0}]))
    with pytest.raises(ParameterError, match="z_min must be a number"):
        NarrativeLayer(z_min=-1).check()


def test_layer_of_names_the_narrative_layer():
    import pyarrow as pa

    assert layer_of(pa.array(["narrative:2", "text:1", "url:x"])).to_pylist() == [
        "narrative",
        "text",
        "co-action",
    ]


def test_cli_detect_narratives_labels_the_layer(tmp_path):
    rows, _ = story_posts(FIVE, ["en", "fr", "he", "ru"])
    path = tmp_path / "posts.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "actor", "time", "text"])
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "res"
    result = CliRunner().invoke(
        main, ["detect", str(path), "--narratives", "--no-significance", "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["layers"] == ["narrative"]
    assert "narrative layer: 20 posts in 5 narratives" in summary["notes"][-1]


def test_simulate_narratives_is_reproducible_with_its_answer():
    world = simulate_narratives(seed=3, copies=2, articles=1, campaign_accounts=4,
                                campaign_rounds=3)  # fmt: skip
    again = simulate_narratives(seed=3, copies=2, articles=1, campaign_accounts=4,
                                campaign_rounds=3)  # fmt: skip
    assert world.posts.equals(again.posts)
    # 6 stories x 7 languages x (2 posts + 1 article), and 4 accounts x 3 rounds.
    assert world.posts.num_rows == 6 * 7 * 3 + 12
    kinds = world.stories["kind"].to_pylist()
    assert kinds.count("article") == 42 and kinds.count("post") == 6 * 7 * 2 + 12
    assert world.truth.to_pylist() == [
        {"actor": f"push{i}", "campaign": "campaign"} for i in range(4)
    ]
    assert world.posts["time"].to_pylist() == sorted(world.posts["time"].to_pylist())
    with pytest.raises(ParameterError, match="copies must be an integer"):
        simulate_narratives(copies=-1)


def test_cli_simulate_narratives_writes_the_world(tmp_path):
    result = CliRunner().invoke(main, ["simulate", "narratives", "--out", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output
    assert "telling 6 stories in 7 languages" in result.output
    names = sorted(p.name for p in (tmp_path / "w").iterdir())
    assert names == ["posts.csv", "stories.csv", "truth.csv"]
