"""Sources and audiences: an amplification network is a campaign, a fan base is not."""

import csv
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from concerted import detect, load_log, make_log, render_report
from concerted.cli import main
from concerted.simulate_audiences import simulate_audiences
from concerted.sources import missing_source_note, origin_action

HOUR = 3600.0
# The network's controller waits a different time after each post before it fires.
LAGS = (5, 200, 40, 600, 90, 15, 300, 120, 60, 450, 30, 240, 75, 20)
BOTS = ("bot1", "bot2", "bot3", "bot4")


def amplified_log(*, originals: bool, source_column: bool = True, fans: int = 30) -> list[dict]:
    """Account A posts 14 times, an hour apart. Four bots reshare every post within 3 s of each
    other, at a lag that changes from post to post. Thirty fans reshare two posts in three,
    each at its own pace (a typical delay from 40 s to 20 minutes, varying post by post), so
    that the fastest fans meet within a minute on post after post."""
    rows = []
    for i, lag in enumerate(LAGS):
        t0 = i * HOUR
        if originals:
            rows.append({"actor": "A", "action": "post", "object": f"p{i}", "time": t0})
        for k, bot in enumerate(BOTS):
            rows.append({"actor": bot, "object": f"p{i}", "time": t0 + lag + k, "source": "A"})
        for j in range(fans):
            if (i + j) % 3:
                pace = 40.0 * (1.13**j)  # 40 s ... about 20 minutes
                delay = pace * (0.6 + ((i * 7 + j * 3) % 5) / 5)
                rows.append({"actor": f"fan{j:02d}", "object": f"p{i}", "time": t0 + delay,
                             "source": "A"})  # fmt: skip
    for r in rows:
        r.setdefault("action", "repost")
        if not source_column:
            r.pop("source", None)
    return rows


@pytest.mark.parametrize("originals", [True, False])
def test_lockstep_amplifiers_are_found_and_fans_at_their_own_pace_are_spared(originals):
    result = detect(make_log(amplified_log(originals=originals)))
    assert sorted(result.actors["actor"].to_pylist()) == list(BOTS)
    assert result.groups.select(["size", "top_source", "top_source_share"]).to_pylist() == [
        {"size": 4, "top_source": "A", "top_source_share": 1.0}
    ]
    inside = result.edges.filter(pc.is_valid(result.edges["group"]))
    assert set(inside["test"].to_pylist()) == {"audience"}
    # With the posts in the log, bot1's delay after each is the controller's lag: median 82.5 s.
    # Without them, the first reaction stands for the post, and sometimes it is a fast fan's.
    delays = dict(zip(result.actors["actor"].to_pylist(),
                      result.actors["delay_after_source_seconds"].to_pylist(), strict=True))  # fmt: skip
    assert delays["bot1"] == 82.5 if originals else 0 < delays["bot1"] < 82.5
    assert result.summary["params"]["object_sources"] == "column"


def test_a_log_with_the_originals_needs_no_author_column():
    # The posts are in the log as 'post' actions that only ever start an object: their actor
    # is the author, and reactions are judged by A's audience as with the column.
    log = make_log(amplified_log(originals=True, source_column=False))
    assert origin_action(log) == "post"
    result = detect(log)
    assert sorted(result.actors["actor"].to_pylist()) == list(BOTS)
    assert result.summary["params"]["object_sources"] == "author of the 'post'"
    # A kind of action that recurs on its objects (a hashtag posted by many) starts nothing.
    tags = [{**r, "action": "post"} for r in amplified_log(originals=True, source_column=False)]
    assert origin_action(make_log(tags)) is None
    assert detect(make_log(tags)).summary["params"]["object_sources"] == "first actor"


def test_reshare_texts_name_the_author_when_no_column_does():
    # A collection of retweets without the posts and without the author column: the text of
    # each says "RT @A: ...", as Twitter writes it.
    rows = amplified_log(originals=False, source_column=False)
    rows = [{**r, "text": f"RT @A: post {r['object']}"} for r in rows]
    result = detect(make_log(rows))
    assert sorted(result.actors["actor"].to_pylist()) == list(BOTS)
    assert result.summary["params"]["object_sources"] == "'RT @author:' of texts"
    assert missing_source_note(make_log(rows)) == []
    # Without the texts, the first reshare stands for the post, and the note says so.
    bare = amplified_log(originals=False, source_column=False)
    assert detect(make_log(bare)).summary["params"]["object_sources"] == "first actor"


def test_fans_at_their_own_pace_alone_are_not_a_campaign():
    rows = [r for r in amplified_log(originals=True) if r["actor"] not in BOTS]
    result = detect(make_log(rows))
    assert result.actors.num_rows == 0
    assert result.edges.num_rows == 0


def test_a_source_counted_once_hid_the_network_before_audiences():
    """Without the audience test (sources counted once), every pair of bots shares one source,
    A: the pair test alone would see nothing. The audience test is what finds them."""
    result = detect(make_log(amplified_log(originals=True)))
    bots = result.edges.filter(pc.is_in(result.edges["actor"], pa.array(BOTS)))
    assert set(bots["sources"].to_pylist()) == {1}
    assert min(bots["observed"].to_pylist()) == len(LAGS)


def test_reshares_without_authors_get_a_note_naming_the_column_to_map():
    rows = amplified_log(originals=False, source_column=False)
    note = missing_source_note(make_log(rows))
    assert len(note) == 1 and "--map source=COLUMN" in note[0]
    assert note[0].startswith(f"{len(rows):,} of {len(rows):,} actions (100 %) look like reshares")
    with_posts = amplified_log(originals=True, source_column=False)  # the first actor is A
    assert missing_source_note(make_log(with_posts)) == []
    assert missing_source_note(make_log(amplified_log(originals=False))) == []
    ordinary = [{**r, "action": "like"} for r in rows]
    assert missing_source_note(make_log(ordinary)) == []


def _write(tmp_path, rows, columns, rename=None):
    rename = rename or {}
    lines = [",".join(rename.get(c, c) for c in columns)]
    lines += [",".join(str(r.get(c, "")) for c in columns) for r in rows]
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_load_log_recognises_the_author_column_of_exports(tmp_path):
    rows = amplified_log(originals=False)[:6]
    path = _write(tmp_path, rows, ["actor", "object", "time", "source"],
                  {"actor": "user_screen_name", "object": "retweeted_status_id",
                   "time": "created_at", "source": "retweeted_user_screen_name"})  # fmt: skip
    log = load_log(path, mapping={"object": "retweeted_status_id"})
    assert log.table["source"].to_pylist() == ["A"] * 6


def test_load_log_maps_a_source_column_by_hand(tmp_path):
    rows = amplified_log(originals=False)[:6]
    path = _write(tmp_path, rows, ["actor", "object", "time", "source"], {"source": "poster"})
    assert load_log(path).table["source"].null_count == 6
    log = load_log(path, mapping={"source": "poster"})
    assert log.table["source"].to_pylist() == ["A"] * 6


def test_load_log_does_not_take_a_client_app_for_an_author(tmp_path):
    path = tmp_path / "tweets.csv"
    path.write_text(
        "actor,object,time,source\n"
        'u1,p1,10,"<a href=""http://twitter.com/download/iphone"">Twitter for iPhone</a>"\n'
        "u2,p1,12,\n"
    )
    assert load_log(path).table["source"].null_count == 2
    named = tmp_path / "named.csv"
    named.write_text("actor,object,time,source\nu1,p1,10,A\nu2,p1,12,A\n")
    assert load_log(named).table["source"].to_pylist() == ["A", "A"]


@pytest.mark.slow
@pytest.mark.parametrize("originals", [True, False])
def test_simulated_audiences_network_found_fans_spared(originals):
    world = simulate_audiences(seed=3, n_actors=2000, days=3, originals=originals)
    flagged = set(detect(world.log).actors["actor"].to_pylist())
    network = set(world.truth["actor"].to_pylist())
    assert flagged <= network  # no fan, no one else
    assert len(flagged) >= 0.9 * len(network)
    roles = dict(
        zip(world.roles["actor"].to_pylist(), world.roles["role"].to_pylist(), strict=True)
    )
    assert {roles[a] for a in flagged} == {"network"}


def test_the_report_names_the_amplified_account_escaped():
    hostile = '<img src=x onerror="alert(1)">'
    rows = [
        {**r, "source": hostile} if "source" in r else r for r in amplified_log(originals=False)
    ]
    html = render_report(detect(make_log(rows)))
    assert (
        "react to the posts of <strong>&lt;img src=x onerror=&#34;alert(1)&#34;&gt;</strong>"
        in html
    )
    assert hostile not in html


def test_cli_detect_maps_the_author_column_and_finds_the_network(tmp_path):
    rows = amplified_log(originals=False)
    path = _write(tmp_path, rows, ["actor", "object", "time", "source"], {"source": "poster"})
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["detect", str(path), "--map", "source=poster", "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["params"]["object_sources"] == "column"
    groups = list(csv.DictReader((out / "groups.csv").open()))
    assert [(g["top_source"], float(g["top_source_share"])) for g in groups] == [("A", 1.0)]
    assert summary["coordinated_actors"] == len(BOTS)


def test_shared_links_alone_draw_no_note_about_authors():
    rows = [{**r, "action": "share"} for r in amplified_log(originals=True, source_column=False)]
    assert missing_source_note(make_log(rows)) == []


@pytest.mark.slow
def test_other_generator_with_originals_and_no_author_column_spares_communities():
    # The independent generator of benchmarks/ (interest communities, fan bases, three
    # shapes of network), with the posts in the log and no author column. Taking the first
    # actor for a random account flagged 969 of its 2,000 organic accounts: communities meet on
    # the posts of many of their authors. Knowing the authors from the posts, none.
    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    from audiences_other_world import generate

    w = generate(21, n_actors=2000, days=3, originals=True, author_column=False)
    log = make_log(
        pa.table(
            {
                "actor": pa.array(w["actor"], pa.string()),
                "object": pa.array([str(o) for o in w["object"]], pa.string()),
                "time": pa.array(w["time"], pa.float64()),
                "action": pa.array(w["action"], pa.string()),
                "text": pa.array(w["text"], pa.string()),
            }
        )
    )
    result = detect(log)
    flagged = set(result.actors["actor"].to_pylist())
    network = set(w["truth"]["actor"])
    assert result.summary["params"]["object_sources"] == (
        "author of the 'post', else 'RT @author:' of texts"
    )
    assert flagged == network and len(network) == 121
