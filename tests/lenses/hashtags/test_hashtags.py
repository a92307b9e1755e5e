"""The hashtag lens on hand-made posts: a takeover found with its start and its flooders, an
organic spike spared, and `concerted hashtags` end to end (files, privacy, hostile strings)."""

from __future__ import annotations

import csv
import json
import time
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from concerted import ParameterError, make_log
from concerted.cli import main
from concerted.extract import extract_objects
from concerted.lenses.hashtags.lens import find_takeovers

DAY0 = datetime(2020, 6, 1, tzinfo=timezone.utc).timestamp()
FLOOD = DAY0 + 2 * 86400 + 14 * 3600 + 5 * 60  # 2020-06-03 14:05:00 UTC
TOPIC = (
    "tomato seedlings compost mulch roses pruning soil harvest watering beds beans lettuce".split()
)
COMMUNITY = [f"c{i:02d}" for i in range(30)]
FLOODERS = [f"f{i:02d}" for i in range(60)]
IDOLS = ("jisoo", "lisa", "wonyoung", "yeji")
HOSTILE = "<script>alert(1)</script> tomato compost roses #GardenClub"


def _community(until: float, *, hostile: bool = False) -> list[dict]:
    """The tag's community: 30 accounts, a post every 20 minutes from DAY0, on gardening."""
    posts, t, i = [], DAY0, 0
    while t < until:
        words = " ".join(TOPIC[(i + k) % len(TOPIC)] for k in range(3))
        posts.append(
            {"actor": COMMUNITY[i % 30], "time": t, "text": f"{words} in the garden #GardenClub"}
        )
        t, i = t + 1200, i + 1
    if hostile:  # the last post of the flood's baseline (to 13:00): an example before it
        posts.append({"actor": "c00", "time": FLOOD - 70 * 60, "text": HOSTILE})
    return posts


def _flood(actors: list[str] = FLOODERS) -> list[dict]:
    """60 accounts new to the tag in 5 squads of 12, 3 fancam posts each from 14:05: a squad
    posts one media link within 22 seconds, a squad every 3 minutes, a round every 20."""
    return [
        {
            "actor": actor,
            "time": FLOOD + k * 1200 + (i // 12) * 180 + (i % 12) * 2,
            "text": f"omg look at {IDOLS[i % 4]} fancam https://media.example/fc{(i // 12 + k) % 5} "
            f"#GardenClub #{IDOLS[i % 4]}",
        }
        for k in range(3)
        for i, actor in enumerate(actors)
    ]


def _takeover_world(flooders: list[str] = FLOODERS, *, hostile: bool = False) -> list[dict]:
    on_topic_newcomers = [  # two real newcomers during the flood: not flooders
        {
            "actor": "o1",
            "time": FLOOD + 1500,
            "text": "first harvest of beans and lettuce #GardenClub",
        },
        {"actor": "o2", "time": FLOOD + 2700, "text": "mulch your tomato beds #GardenClub"},
    ]
    posts = _community(FLOOD + 7200, hostile=hostile) + _flood(flooders) + on_topic_newcomers
    return sorted(posts, key=lambda p: p["time"])


def _log(posts: list[dict]):
    rows = [
        {**p, "object": o}
        for p in posts
        for o in dict.fromkeys(extract_objects(p["text"], ("hashtags",)))
    ]
    for row, n in zip(rows, range(1, len(rows) + 1), strict=True):
        row["row"] = n
    return make_log(rows)


def test_find_takeovers_finds_the_flood_its_start_and_its_60_flooders():
    result = find_takeovers(_log(_takeover_world()))
    rows = {r["hashtag"]: r for r in result.hashtags.to_pylist()}
    tag = rows["#gardenclub"]
    assert tag["takeover"] is True
    assert tag["verdict"] == "takeover"
    assert tag["takeover_start"] == FLOOD  # the first flooder's first post, 14:05:00
    assert tag["takeover_end"] == FLOOD - 5 * 60 + 3600  # the end of the 14:50 bin
    # Judged, as every bin is, against the baseline an hour before: 61 hours of a post every
    # 20 minutes, to 13:00 (the flood's vanguard, were there one, is not the baseline).
    assert tag["baseline_posts"] == 183
    assert tag["baseline_actors"] == 30
    assert tag["flooders"] == 60
    assert tag["period_posts"] == 180 + 3 + 2  # the flood, the community, the two newcomers
    assert tag["share_flooded"] == round(180 / 185, 4)
    assert tag["newcomer_share"] == round(182 / 185, 4)
    assert tag["drift"] == round(180 / 185, 4)
    assert tag["community_lift"] == 1.0  # 3 posts in the hour, as on the day before
    # The core engine (co-action, significance on) groups 45 of them, as one group, on the
    # links and texts they share; its null model leaves out the 15 posting about jisoo.
    assert tag["coordinated_flooders"] == 45
    assert tag["groups"] == 1
    assert 0.9 <= tag["confidence"] <= 1.0
    flooders = result.flooders.filter(
        result.flooders["hashtag"].to_numpy(zero_copy_only=False) == "#gardenclub"
    )
    assert sorted(flooders["actor"].to_pylist()) == FLOODERS
    assert set(flooders["posts"].to_pylist()) == {3}
    assert set(flooders["off_topic_posts"].to_pylist()) == {3}
    # The idols' own tags were born in the flood: no baseline an hour before, not judged.
    assert rows["#jisoo"]["takeover"] is False
    assert rows["#jisoo"]["verdict"] == "no baseline"
    assert result.summary["takeovers"] == 1


def test_find_takeovers_starts_at_a_flood_that_swells_slowly():
    early = [  # 6 more flooders from 13:45, too few a bin for a takeover on their own
        {
            "actor": f"e{i}",
            "time": FLOOD - 20 * 60 + i * 100,
            "text": f"stan {IDOLS[i % 4]} fancam https://media.example/fc{i % 5} #GardenClub",
        }
        for i in range(6)
    ]
    posts = sorted(_takeover_world() + early, key=lambda p: p["time"])
    (tag, *_) = find_takeovers(_log(posts), coordination=False).hashtags.to_pylist()
    assert tag["hashtag"] == "#gardenclub"
    assert tag["takeover_start"] == FLOOD - 20 * 60  # 13:45, the first early flooder
    assert tag["flooders"] == 66


def test_find_takeovers_finds_a_flood_in_waves_an_hour_apart():
    # The same 60 accounts, but each round of fancams comes an hour after the last (quiet bins
    # between): one flood all the same, judged against the baseline before its first wave.
    waves = [
        {**post, "time": post["time"] + (post["time"] - FLOOD) // 1200 * 2400} for post in _flood()
    ]
    posts = sorted(_community(FLOOD + 4 * 3600) + waves, key=lambda p: p["time"])
    (tag, *_) = find_takeovers(_log(posts), coordination=False).hashtags.to_pylist()
    assert (tag["hashtag"], tag["takeover"], tag["takeover_start"]) == ("#gardenclub", True, FLOOD)
    assert tag["flooders"] == 60


def test_find_takeovers_spares_an_organic_spike():
    spike = []
    for i in range(100):  # an hour from 14:05: x20 the usual volume, on topic
        actor = COMMUNITY[i % 30] if i % 5 < 2 else f"n{i:02d}"  # 60 newcomers
        spike.append(
            {
                "actor": actor,
                "time": FLOOD + 36 * i,
                "text": f"frost warning cover your {TOPIC[i % 12]} and {TOPIC[(i + 5) % 12]} "
                "seedlings tonight #GardenClub",
            }
        )
    posts = sorted(_community(FLOOD + 7200) + spike, key=lambda p: p["time"])
    result = find_takeovers(_log(posts))
    (tag,) = result.hashtags.to_pylist()
    assert tag["hashtag"] == "#gardenclub"
    assert tag["takeover"] is False
    assert tag["verdict"] == "spike"
    assert tag["volume_ratio"] >= 20
    assert tag["period_posts"] == 104  # bins 14:00-15:10: the spike and 4 usual posts
    assert tag["newcomer_share"] == round(60 / 104, 4)  # mostly newcomers, yet on topic
    assert tag["drift"] == 0.0
    assert tag["confidence"] < 0.5
    assert result.flooders.num_rows == 0


def test_find_takeovers_spares_an_event_that_draws_the_community_too():
    # Hail at 14:05: 100 newcomers post words the tag never had, but the tag's own community
    # posts 15 times more in the hour too (18 posts where it usually posts 3): an event that
    # drew everyone who cares about the tag, not outsiders drowning it out.
    event = [
        {
            "actor": f"n{i:02d}",
            "time": FLOOD + 36 * i,
            "text": "hailstorm right now, stay inside #GardenClub",
        }
        for i in range(100)
    ]
    event += [
        {
            "actor": COMMUNITY[i],
            "time": FLOOD + 60 + 200 * i,
            "text": "hail hail hail stay safe #GardenClub",
        }
        for i in range(15)
    ]
    posts = sorted(_community(FLOOD + 7200) + event, key=lambda p: p["time"])
    result = find_takeovers(_log(posts))
    (tag,) = result.hashtags.to_pylist()
    assert (tag["hashtag"], tag["takeover"], tag["verdict"]) == ("#gardenclub", False, "spike")
    assert tag["community_lift"] == round((18 + 1) / (3 + 1), 2)
    assert tag["confidence"] < 0.5
    assert result.flooders.num_rows == 0
    # The same flood with the community posting as usual is a takeover.
    calm = [p for p in posts if not p["text"].startswith("hail hail")]
    (tag,) = find_takeovers(_log(calm), coordination=False).hashtags.to_pylist()
    assert (tag["takeover"], tag["flooders"], tag["community_lift"]) == (True, 100, 1.0)
    # A community that answers the flood at twice its rate (3 more posts) is not an event's.
    answer = calm + [
        {
            "actor": COMMUNITY[i],
            "time": FLOOD + 900 * i + 60,
            "text": "what is this spam #GardenClub",
        }
        for i in range(3)
    ]
    answer.sort(key=lambda p: p["time"])
    (tag,) = find_takeovers(_log(answer), coordination=False).hashtags.to_pylist()
    assert (tag["takeover"], tag["community_lift"]) == (True, round((6 + 1) / (3 + 1), 2))


def test_find_takeovers_finds_an_ad_that_borrows_the_tags_words():
    # 40 new accounts paste one ad twice each from 14:05; half its words are the tag's own, so
    # by its words it is on topic. But it is one message, new to the tag, that none of the
    # tag's community ever posted: a flood's copies.
    ad = [
        {
            "actor": f"ad{i:02d}",
            "time": FLOOD + k * 1800 + 45 * i,
            "text": f"tomato seedlings compost: SALE today https://shop.example/s?ref={i} #GardenClub",
        }
        for k in range(2)
        for i in range(40)
    ]
    posts = sorted(_community(FLOOD + 7200) + ad, key=lambda p: p["time"])
    result = find_takeovers(_log(posts), coordination=False)
    (tag,) = result.hashtags.to_pylist()
    assert (tag["takeover"], tag["takeover_start"], tag["flooders"]) == (True, FLOOD, 40)
    # Without the copies rule (a message must be pasted by 1,000 accounts), its words pass.
    (tag,) = find_takeovers(_log(posts), min_copy_accounts=1000).hashtags.to_pylist()
    assert tag["takeover"] is False


def test_find_takeovers_spares_a_viral_reshare_of_the_community():
    viral = [  # 80 newcomers reshare one community post with words the tag never had
        {
            "actor": f"n{i:02d}",
            "time": FLOOD + 30 * i,
            "text": "RT @c03: hailstorm shredded everything, insurance claims tomorrow #GardenClub",
        }
        for i in range(80)
    ]
    posts = sorted(_community(FLOOD + 7200) + viral, key=lambda p: p["time"])
    (tag,) = find_takeovers(_log(posts)).hashtags.to_pylist()
    assert tag["takeover"] is False
    assert tag["verdict"] == "spike"
    assert tag["drift"] == 0.0


def test_find_takeovers_refuses_bad_parameters():
    with pytest.raises(ParameterError, match="bin_seconds must be a number from 1.0"):
        find_takeovers(_log(_community(DAY0 + 86400)), bin_seconds=0)
    with pytest.raises(ParameterError, match="min_run_bins must be an integer"):
        find_takeovers(_log(_community(DAY0 + 86400)), min_run_bins=1.5)


def test_find_takeovers_does_not_modify_the_log():
    log = _log(_takeover_world())
    before = log.table.to_pylist()
    find_takeovers(log, coordination=False)
    assert log.table.to_pylist() == before


def _write_csv(path, posts):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["actor", "time", "text"])
        for p in posts:
            when = datetime.fromtimestamp(p["time"], tz=timezone.utc)
            w.writerow([p["actor"], when.strftime("%Y-%m-%dT%H:%M:%SZ"), p["text"]])


FORMULA_ACTOR = "=cmd|' /C calc'!A0"
EMAIL_ACTOR = "fan.account@example.com"


@pytest.fixture(scope="module")
def posts_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("posts") / "posts.csv"
    flooders = [EMAIL_ACTOR, FORMULA_ACTOR, *FLOODERS[2:]]
    _write_csv(path, _takeover_world(flooders, hostile=True))
    return path


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_cli_hashtags_writes_the_files_pseudonymised(posts_csv, tmp_path):
    out = tmp_path / "tags"
    result = CliRunner().invoke(main, ["hashtags", str(posts_csv), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "1 taken over" in result.output
    assert "#gardenclub: taken over from 2020-06-03 14:05:00 UTC, 60 flooders" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".concerted",
        "flooders.csv",
        "hashtags.csv",
        "report.html",
        "summary.json",
    ]
    tags = {r["hashtag"]: r for r in _read(out / "hashtags.csv")}
    assert tags["#gardenclub"]["takeover"] == "true"
    assert tags["#gardenclub"]["takeover_start"] == "2020-06-03T14:05:00Z"
    assert tags["#gardenclub"]["flooders"] == "60"
    flooders = _read(out / "flooders.csv")
    actors = [r["actor"] for r in flooders]
    assert len(actors) == 60
    assert EMAIL_ACTOR not in actors  # pseudonymised, as the core's outputs do
    assert sum(a.startswith("<email:") for a in actors) == 1
    assert "'" + FORMULA_ACTOR in actors  # a spreadsheet would run it: guarded
    assert set(FLOODERS[2:]) <= set(actors)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["takeovers"] == 1
    report = (out / "report.html").read_text("utf-8")
    assert "<script>alert(1)</script>" not in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert EMAIL_ACTOR not in report
    assert "taken over</span> from 2020-06-03 14:05:00 UTC" in report


def test_cli_hashtags_reveal_shows_the_accounts(posts_csv, tmp_path):
    out = tmp_path / "tags"
    result = CliRunner().invoke(
        main, ["hashtags", str(posts_csv), "--out", str(out), "-q", "--reveal"]
    )
    assert result.exit_code == 0, result.output
    actors = [r["actor"] for r in _read(out / "flooders.csv")]
    assert EMAIL_ACTOR in actors
    assert EMAIL_ACTOR in (out / "report.html").read_text("utf-8")


def test_cli_hashtags_refuses_a_bad_option(posts_csv, tmp_path):
    result = CliRunner().invoke(
        main, ["hashtags", str(posts_csv), "--out", str(tmp_path / "t"), "--flooded-share", "2"]
    )
    assert result.exit_code == 1
    assert "flooded_share must be a number from 0.0 to 1.0. Got 2.0." in result.output


@pytest.mark.slow
def test_web_runs_hashtags_like_detect(posts_csv, tmp_path):
    from fastapi.testclient import TestClient

    from concerted.web import create_app

    c = TestClient(create_app(tmp_path / "project"), base_url="http://127.0.0.1")
    write = {"X-Concerted": "1"}
    r = c.put("/api/uploads/posts.csv", content=posts_csv.read_bytes(), headers=write)
    assert r.status_code == 201, r.text
    r = c.post(
        "/api/runs",
        json={"command": "hashtags", "input": "posts.csv", "options": "--bin-seconds 600"},
        headers=write,
    )
    assert r.status_code == 201, r.text
    run = r.json()["id"]
    for _ in range(600):
        info = c.get(f"/api/runs/{run}").json()
        if info["status"] != "running":
            break
        time.sleep(0.2)
    assert info["status"] == "done", info
    assert info["summary"]["takeovers"] == 1
    assert c.get(f"/runs/{run}").status_code == 200
    flooders = c.get(f"/runs/{run}/files/flooders.csv")
    assert flooders.status_code == 200 and "'=cmd" in flooders.text
    report = c.get(f"/runs/{run}/files/report.html")
    assert report.status_code == 200 and "taken over" in report.text
    c.app.state.project.close()


def test_find_takeovers_reads_tokens_in_batches_with_the_same_answer(monkeypatch):
    # Tokens are read a batch of whole hashtags at a time (memory bounded on large logs): a
    # batch per hashtag must judge every hashtag as one batch for all does.
    from concerted.lenses.hashtags import lens

    log = _log(_takeover_world())
    whole = find_takeovers(log, coordination=False)
    batches = lens._batches
    monkeypatch.setattr(lens, "_batches", lambda tags: batches(tags, 1))
    apart = find_takeovers(log, coordination=False)
    assert whole.hashtags.num_rows == 5
    assert apart.hashtags.equals(whole.hashtags)
    assert apart.flooders.equals(whole.flooders)


def test_find_takeovers_says_when_a_flood_is_too_large_to_search_for_groups():
    result = find_takeovers(_log(_takeover_world()), max_coordination_posts=100)
    tag = result.hashtags.to_pylist()[0]
    assert (tag["takeover"], tag["flooders"], tag["coordinated_flooders"]) == (True, 60, 0)
    assert result.summary["notes"] == [
        "#gardenclub: coordination among its newcomers not searched: 182 posts, over the limit "
        "of 100 (run concerted detect on the flooders' posts)"
    ]
