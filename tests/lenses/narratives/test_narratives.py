"""The narratives lens on hand-made posts with a known answer (see conftest.py)."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.errors import ParameterError, SchemaError
from concerted.lenses.narratives.lens import find_narratives, load_posts
from concerted.lenses.narratives.outputs import write_narratives
from concerted.lenses.narratives.stories import STORIES
from concerted.schema import make_log

from .conftest import START, as_log, partition, story_posts

FIVE = ["arrests", "empty_seats", "fares", "counter_rally", "fine"]


def test_find_narratives_joins_a_story_in_three_scripts_and_keeps_stories_apart(embedder):
    # Five stories of one rally, each a short post in English, French, Hebrew and Russian.
    rows, truth = story_posts(FIVE, ["en", "fr", "he", "ru"])
    result = find_narratives(as_log(rows), embedder=embedder)
    posts = result.posts.to_pylist()
    assert partition([p["narrative"] for p in posts]) == partition(truth)
    arrests = {p["id"]: p["narrative"] for p in posts if p["id"].startswith("arrests")}
    assert len(set(arrests.values())) == 1 and None not in arrests.values()
    # Two stories of the same rally in the same language stay apart.
    by_id = {p["id"]: p["narrative"] for p in posts}
    assert by_id["arrests-en"] != by_id["empty_seats-en"]
    assert by_id["arrests-fr"] != by_id["fares-fr"]
    assert [p["language"] for p in posts] == ["en", "fr", "he", "ru"] * 5
    assert [p["id"] for p in posts] == [r["id"] for r in rows]
    assert result.summary["narratives"] == 5
    assert result.summary["multilingual_narratives"] == 5
    assert result.narratives["n_languages"].to_pylist() == [4] * 5


@pytest.mark.slow
def test_find_narratives_on_articles_across_latin_hebrew_and_arabic(embedder):
    # Whole articles (three paragraphs): the language bias is strongest there.
    rows, truth = story_posts(FIVE, ["en", "he", "ar"], article=True)
    result = find_narratives(as_log(rows), embedder=embedder)
    posts = result.posts.to_pylist()
    assert partition([p["narrative"] for p in posts]) == partition(truth)
    assert [p["segments"] for p in posts] == [3] * 15
    assert [p["language"] for p in posts] == ["en", "he", "ar"] * 5
    # Linked articles share an anchor (the story's figures).
    arrests = [p for p in posts if p["id"].startswith("arrests")]
    assert all("#12" in p["anchors"].split() for p in arrests)


def test_find_narratives_collapses_copies_and_keeps_each_post(embedder):
    rows, _ = story_posts(FIVE, ["en", "fr", "he", "ru"])
    copy = {**rows[0], "id": "copy", "actor": "other", "text": rows[0]["text"] + " 🔥 #Lindmark"}
    result = find_narratives(as_log([*rows, copy]), embedder=embedder)
    posts = {p["id"]: p for p in result.posts.to_pylist()}
    assert posts["copy"]["text_group"] == posts["arrests-en"]["text_group"]
    assert posts["copy"]["narrative"] == posts["arrests-he"]["narrative"]
    assert result.summary["posts"] == 21 and result.summary["distinct_texts"] == 20


def test_find_narratives_refuses_bad_input(embedder):
    with pytest.raises(SchemaError, match="has no text column"):
        find_narratives(make_log([{"actor": "a", "object": "1", "time": 0.0}]), embedder=embedder)
    rows, _ = story_posts(["arrests"], ["en"])
    with pytest.raises(ParameterError, match="z_min must be a number from 0.0 or more"):
        find_narratives(as_log(rows), embedder=embedder, z_min=-1)
    with pytest.raises(ParameterError, match="embedder must have a name and an embed"):
        find_narratives(as_log(rows), embedder=object())
    with pytest.raises(ParameterError, match="max_texts is 1"):
        find_narratives(as_log(rows * 2 + story_posts(["fine"], ["en"])[0]), embedder=embedder,
                        max_texts=1)  # fmt: skip


def _write(path, rows, columns=("id", "actor", "time", "text")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def test_load_posts_gives_the_id_column_or_the_row_number(tmp_path):
    rows = [{"id": "x9", "actor": "a", "time": START, "text": "hello"}]
    log = load_posts(_write(tmp_path / "with.csv", rows))
    assert log.table["object"].to_pylist() == ["x9"]
    log = load_posts(_write(tmp_path / "without.csv", rows, ("actor", "time", "text")))
    assert log.table["object"].to_pylist() == ["row:1"]
    with pytest.raises(SchemaError, match="has no column 'post_id'"):
        load_posts(tmp_path / "with.csv", mapping={"id": "post_id"})
    with pytest.raises(ParameterError, match="--map id=COLUMN"):
        load_posts(tmp_path / "with.csv", mapping={"object": "id"})


def test_report_and_csv_escape_a_hostile_text(embedder, tmp_path):
    rows, _ = story_posts(FIVE, ["en", "fr", "he", "ru"])
    hostile = '=HYPERLINK("x") <script>alert(1)</script> mail me: ann@example.org'
    rows += [
        {"id": f"h{i}", "actor": f"ann{i}@example.org", "time": START + i, "text": hostile}
        for i in range(2)
    ]
    result = find_narratives(as_log(rows), embedder=embedder)
    write_narratives(result, tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "ann@example.org" not in html and "ann0@example.org" not in html
    with open(tmp_path / "out" / "narratives.csv", encoding="utf-8") as f:
        written = {r["id"]: r for r in csv.DictReader(f)}
    assert written["h0"]["text"].startswith("'=HYPERLINK")
    assert "ann@example.org" not in written["h0"]["text"]
    assert written["h0"]["actor"].startswith("<email:")
    assert written["h0"]["narrative"] == written["h1"]["narrative"] != ""
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert summary["posts"] == 22


def test_cli_narratives_writes_the_files(embedder, tmp_path):
    # The CLI runs the default model itself (the session's memo does not reach it).
    rows, truth = story_posts(FIVE, ["en", "fr", "he", "ru"])
    path = _write(tmp_path / "posts.csv", rows)
    out = tmp_path / "res"
    result = CliRunner().invoke(main, ["narratives", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "5 narratives, 5 told in two languages or more" in result.output
    with open(out / "narratives.csv", encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    assert [r["id"] for r in written] == [r["id"] for r in rows]
    assert partition([r["narrative"] for r in written]) == partition(truth)
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert files == ["narratives.csv", "report.html", "summary.json"]


def test_cli_narratives_refuses_bad_input(tmp_path):
    path = _write(tmp_path / "notext.csv", [{"id": "1", "actor": "a", "time": START}],
                  ("id", "actor", "time"))  # fmt: skip
    result = CliRunner().invoke(main, ["narratives", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "has no text column" in result.output and "--map text=" in result.output
    result = CliRunner().invoke(
        main, ["narratives", str(path), "--z-min", "-2", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1 and "z_min must be a number" in result.output


def test_story_bank_has_every_language_for_every_story():
    assert all(sorted(v) == sorted(STORIES["arrests"]) for v in STORIES.values())
    assert all(len(p) == 3 for v in STORIES.values() for p in v.values())


def test_anchors_cross_scripts_and_separators():
    from concerted.lenses.narratives.text import anchors, identify_languages, split_segments

    assert anchors("Только 6 000 из 19 000 мест") == {"#6000", "#19000"}
    assert anchors("لم يشغل سوى نحو ٦٠٠٠ مقعد") == {"#6000"}
    assert anchors("Rival Tom Alvarez held it") == {"@tom", "@alvarez"}
    assert identify_languages([STORIES["fine"][x][0] for x in ("he", "ru", "ar", "de")]) == [
        "he", "ru", "ar", "de",
    ]  # fmt: skip
    long = " ".join(["A sentence that goes on for a while, saying little."] * 10)
    assert len(split_segments(long)) == 10
    assert split_segments("Dateline.\n\nThe first paragraph is here, long enough.") == [
        "Dateline. The first paragraph is here, long enough."
    ]
