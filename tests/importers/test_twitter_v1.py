import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from concerted import SchemaError, load_log
from concerted.importers import find_importer, read_sample
from concerted.importers.twitter_v1 import TWITTER_V1
from concerted.importers.twitter_v2 import TWITTER_V2

from .planted import assert_found, planted_events

DATA = Path(__file__).parent.parent / "data" / "importers"
COLUMNS = ["actor", "action", "object", "time", "source", "language"]


def rows(log):
    return [tuple(r.values()) for r in log.table.select(COLUMNS).to_pylist()]


def test_reads_classic_tweets_one_per_line():
    # Written from the v1.1 tweet object: an original with a link, a retweet of it (its links
    # are the original's), a reply in extended mode (full_text), a truncated quote whose links
    # are in extended_tweet (one of them the quoted tweet's), a retweet of a tweet the file
    # does not hold, and a quote of a tweet since deleted (no quoted_status).
    log = load_log(DATA / "twitter_v1.jsonl")
    t = 1539202764.0  # Wed Oct 10 20:19:24 +0000 2018
    original = "1050118621198921728"
    assert rows(log) == [
        ("783214", "post", original, t, "783214", "en"),
        ("783214", "post", "url:cards.twitter.com/cards/18ce53wgo4h/3xo1c", t, None, "en"),
        ("100", "retweet", original, t + 2, "783214", "en"),
        ("101", "reply", original, t + 115, "783214", "en"),
        ("102", "quote", original, t + 235, "783214", "fr"),
        ("102", "quote", "url:example.org/story", t + 235, None, "fr"),
        ("103", "retweet", "88", t + 295, "9", "en"),
        ("104", "quote", "77", t + 355, None, "und"),
    ]
    texts = log.table["text"].to_pylist()
    assert texts[3] == "@Twitter finally"
    assert texts[4].endswith("un avis sur la question https://t.co/st https://t.co/q1")
    assert log.notes[0].endswith("was read as X/Twitter API v1.1 JSON (--format twitter-v1)")


def _created_at(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%a %b %d %H:%M:%S +0000 %Y")


def _lines(events):
    """The events as v1.1 tweets, one per line, each retweet embedding the original."""
    lines = []
    for e in events:
        tweet = {"created_at": _created_at(e.time), "id": int(e.id), "id_str": e.id,
                 "text": e.text, "truncated": False, "lang": "en",
                 "user": {"id": 1, "id_str": e.actor, "screen_name": e.actor},
                 "entities": {"hashtags": [], "urls": [], "user_mentions": []}}  # fmt: skip
        if e.kind == "repost":
            tweet["retweeted_status"] = {"id_str": e.target, "text": "post",
                "user": {"id_str": e.target_author, "screen_name": e.target_author}}  # fmt: skip
        lines.append(json.dumps(tweet))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("with_originals", [True, False])
def test_a_planted_retweet_network_is_found_with_defaults(tmp_path, with_originals):
    path = tmp_path / "tweets.jsonl.gz"
    path.write_bytes(gzip.compress(_lines(planted_events(with_originals=with_originals)).encode()))
    assert_found(load_log(path))


def test_a_broken_tweet_is_named_by_its_line(tmp_path):
    good = (DATA / "twitter_v1.jsonl").read_text().splitlines()
    path = tmp_path / "cut.jsonl"
    path.write_text(good[0] + "\n" + good[2][:60] + "\n")
    with pytest.raises(
        SchemaError, match=r"cut\.jsonl: cannot read line [23] as JSON.*X/Twitter API v1\.1"
    ):
        load_log(path)
    no_user = json.loads(good[2])
    del no_user["user"]
    path.write_text(good[0] + "\n" + json.dumps(no_user) + "\n")
    with pytest.raises(
        SchemaError, match=r"cut\.jsonl: 1 action\(s\) have no 'user\.id_str' \(line or record 2\)"
    ):
        load_log(path, format="twitter-v1")


def test_v1_and_v2_files_are_told_apart():
    assert find_importer(read_sample(DATA / "twitter_v1.jsonl")) is TWITTER_V1
    assert not TWITTER_V2.recognise(read_sample(DATA / "twitter_v1.jsonl"))
    others = [p for p in sorted(DATA.iterdir()) if p.name != "twitter_v1.jsonl"]
    assert [p.name for p in others if TWITTER_V1.recognise(read_sample(p))] == []
    for v2 in ("twitter_v2_page.json", "twitter_v2_twarc.jsonl"):
        assert find_importer(read_sample(DATA / v2)) is TWITTER_V2
