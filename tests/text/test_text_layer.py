"""The text layer: near-duplicate texts as objects of the same detection (concerted.layers)."""

from __future__ import annotations

import csv

import numpy as np
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from concerted import detect, make_log
from concerted.cli import main
from concerted.detectors import CoAction
from concerted.errors import ParameterError, SchemaError
from concerted.layers import TextLayer, add_layers, pair_layers
from concerted.neardup import cluster_texts, normalize_texts
from concerted.results import file_columns
from concerted.significance import NullModel

from .worlds import BOILERPLATE, CAMPAIGN, EDITS, MESSAGES, copy_paste_world


@pytest.fixture(scope="module")
def world():
    return copy_paste_world()


@pytest.fixture(scope="module")
def result(world):
    log, _ = world
    return detect(log, layers=[TextLayer()])


def test_normalize_texts_drops_what_edits_change():
    got = normalize_texts(
        ["RT @bob: Vote NO on Bill 12!!! 🙏 https://t.co/x #Park", "  vote no on bill 7, park  "]
    )
    assert got.to_pylist() == ["vote no on bill 0 park", "vote no on bill 0 park"]


def test_cluster_texts_joins_copies_with_edits_and_keeps_others_apart():
    message = MESSAGES[0]
    texts = [edit(message) for edit in EDITS]
    texts += [
        "The mayor was right about the budget, nothing to delete here",  # same topic, other text
        "A quiet walk by the lake this morning",
        "",
        None,
    ]
    assert cluster_texts(texts).tolist() == [0, 0, 0, 0, 0, -1, -1, -1, -1]


def test_cluster_texts_reordered_sentences_and_swapped_word():
    a = "Close the border now. They lied to us again. Share before it is gone."
    b = "They lied to us again! Share before it is removed. Close the border now 👉 http://x.y/z"
    c = "Open the border now. We trust them. Share with friends."
    assert cluster_texts([a, b, c]).tolist() == [0, 0, -1]


def test_text_layer_finds_the_copy_paste_campaign_only(result):
    assert result.groups.select(["group", "size", "layers"]).to_pylist() == [
        {"group": 1, "size": 5, "layers": "text"}
    ]
    assert sorted(result.actors["actor"].to_pylist()) == CAMPAIGN
    edges = result.edges.to_pylist()
    assert len(edges) == 10  # every pair of the five
    assert {(e["layers"], e["group"]) for e in edges} == {("text", 1)}


def test_text_layer_spares_boilerplate_posters(world, result):
    log, rows = world
    posters = {r["actor"] for r in rows if r["text"].startswith(tuple(BOILERPLATE))}
    assert len(posters) > 50
    found = set(result.edges["actor"].to_pylist()) | set(result.edges["actor_y"].to_pylist())
    assert not posters & found


@pytest.mark.slow
def test_null_model_sees_a_text_cluster_popularity_like_any_object(world):
    log, rows = world
    layered = add_layers(log, [TextLayer()])
    findings = CoAction().detect(layered)
    model = NullModel.fit(layered, findings.objects)
    t = layered.table
    agree = t.filter(
        pc.and_(pc.starts_with(t["object"], "text:"), pc.starts_with(t["text"], "RT if you agree"))
    )
    objects = set(agree["object"].to_pylist())
    assert len(objects) == 1  # the boilerplate and its variants are one object
    index = model.index_objects(agree["object"].slice(0, 1))
    assert model.popularity[index[0]] == 100  # its 100 posts, as a link shared 100 times
    assert model.stratum[index[0]] == int(np.log2(100))


def test_evidence_shows_both_texts_side_by_side(world, result):
    _, rows = world
    text_of = {(r["actor"], r["time"]): r["text"] for r in rows}
    ev = result.evidence.to_pylist()
    assert ev and {e["layer"] for e in ev} == {"text"}
    for e in ev:
        assert e["text"] == text_of[(e["actor"], e["time"])]
        assert e["text_y"] == text_of[(e["actor_y"], e["time_y"])]
    first = ev[0]
    assert (first["actor"], first["actor_y"]) == ("camp0", "camp1")
    assert first["text"] == EDITS[0](MESSAGES[0])
    assert first["text_y"] == EDITS[1](MESSAGES[0])


def test_layers_name_both_when_a_pair_co_acts_on_links_and_texts():
    rows = []
    for k in range(3):  # the same message with edits, and the same link, within seconds
        for i, a in enumerate(("a1", "a2", "a3")):
            t = 1000.0 * k + i
            rows.append({"actor": a, "object": f"row:{k}{i}", "time": t,
                         "text": EDITS[i](MESSAGES[k])})  # fmt: skip
            if k < 2:
                rows.append({"actor": a, "object": f"url:{k}", "time": t, "text": None})
    rows.append({"actor": "a4", "object": "url:0", "time": 5000.0, "text": "late"})
    log = make_log(rows)
    res = detect(log, detector=CoAction(significance=False), layers=[TextLayer()])
    assert res.edges.select(["actor", "actor_y", "weight", "layers"]).to_pylist() == [
        {"actor": a, "actor_y": b, "weight": 5, "layers": "co-action+text"}
        for a, b in (("a1", "a2"), ("a1", "a3"), ("a2", "a3"))
    ]
    assert res.groups["layers"].to_pylist() == ["co-action+text"]
    layered = add_layers(log, [TextLayer()])
    pairs = res.edges.select(["actor", "actor_y"]).slice(0, 1)
    assert pair_layers(layered, pairs) == ["co-action+text"]


def test_retweets_of_one_post_make_no_text_object():
    rows = [
        {"actor": f"a{i}", "object": "tweet:1", "time": float(i), "text": "RT @x: the same words"}
        for i in range(4)
    ]
    layered = add_layers(make_log(rows), [TextLayer()])
    assert layered.table["object"].to_pylist() == ["tweet:1"] * 4


def test_without_text_files_keep_their_columns():
    assert "layers" not in file_columns("edges")
    assert "text_y" not in file_columns("evidence")
    assert "layers" in file_columns("groups", layered=True)


def test_text_layer_refuses_bad_threshold_and_logs_without_text():
    log = make_log([{"actor": "a", "object": "x", "time": 0.0}])
    with pytest.raises(ParameterError, match="--text-threshold must be a number from 0.05 to 1"):
        detect(log, layers=[TextLayer(threshold=2)])
    with pytest.raises(SchemaError, match="--text needs a text column"):
        detect(log, layers=[TextLayer()])


@pytest.mark.slow
def test_cli_detect_text_on_posts_without_objects(tmp_path, world):
    _, rows = world
    posts = tmp_path / "posts.csv"
    with posts.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "user", "created_at", "text"])
        for i, r in enumerate(rows, 1):
            w.writerow([i, r["actor"], r["time"], r["text"]])
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["detect", str(posts), "--text", "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    assert "layers text" in res.output
    with (out / "edges.csv").open() as f:
        edges = list(csv.DictReader(f))
    assert {e["layers"] for e in edges} == {"text"}
    assert sorted({e["actor"] for e in edges} | {e["actor_y"] for e in edges}) == CAMPAIGN
    res = CliRunner().invoke(main, ["detect", str(posts), "--out", str(out), "--quiet"])
    assert res.exit_code == 1 and "no 'object' column" in res.output
    res = CliRunner().invoke(
        main, ["detect", str(posts), "--text-threshold", "0.5", "--out", str(out)]
    )
    assert res.exit_code == 1 and "--text-threshold applies with --text only" in res.output


def test_report_shows_the_layers_and_both_texts(result):
    from concerted.report import render_report

    page = render_report(result)
    assert "Layers: <strong>text</strong>" in page
    first = result.evidence.to_pylist()[0]
    assert first["text"] in page
    assert "&mdash; " + first["text_y"].replace("'", "&#39;") in page
