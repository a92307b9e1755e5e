import gzip
import json
from pathlib import Path

import pytest

from concerted import SchemaError, load_log

from .planted import assert_found, planted_events

DATA = Path(__file__).parent.parent / "data" / "importers"
COLUMNS = ["actor", "action", "object", "time", "source", "language"]


def rows(log):
    return [tuple(r.values()) for r in log.table.select(COLUMNS).to_pylist()]


def test_reads_a_saved_api_page():
    # A page of /2/tweets/search as the API documents it, pretty-printed: an original with a
    # link, a retweet of it, a reply, a quote (with a link of its own and the link to the
    # quoted tweet), and a retweet of a tweet the page's includes do not hold.
    log = load_log(DATA / "twitter_v2_page.json")
    t = 1637003285.0  # 2021-11-15T19:08:05Z
    original = "1460323737035677698"
    assert rows(log) == [
        ("2244994945", "post", original, t, "2244994945", "en"),
        ("2244994945", "post", "url:developer.twitter.com/en/blog", t, None, "en"),
        ("100", "retweet", original, t + 2, "2244994945", "en"),
        ("101", "reply", original, t + 115, "2244994945", "en"),
        ("102", "quote", original, t + 235, "2244994945", "fr"),
        ("102", "quote", "url:example.org/story", t + 235, None, "fr"),
        ("103", "retweet", "77", t + 295, None, "en"),
    ]
    assert log.notes[0].endswith("was read as X/Twitter API v2 JSON (--format twitter-v2)")


def test_reads_a_saved_page_larger_than_a_record_allowance(tmp_path):
    # Records are first read with DuckDB's 16 MB allowance (a buffer sized to the whole file
    # made a 1 GB file of pages run out of memory); a page saved as one 20 MB document is read
    # again with room for the file.
    page = json.loads((DATA / "twitter_v2_page.json").read_text())
    tweet = page["data"][0]
    page["data"] = [
        {**tweet, "id": str(i), "text": "x" * 200, "entities": {}} for i in range(60_000)
    ]
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page, indent=2))
    assert path.stat().st_size > 16 << 20
    # Its first record does not fit in the 1 MB sample, so the format is named.
    log = load_log(path, format="twitter-v2")
    assert sorted(log.table["object"].to_pylist()) == sorted(str(i) for i in range(60_000))


def test_reads_twarc2_flattened_tweets_one_per_line():
    log = load_log(DATA / "twitter_v2_twarc.jsonl")
    t = 1651392000.0  # 2022-05-01T08:00:00Z
    assert rows(log) == [
        ("200", "retweet", "1999", t, "300", "de"),
        ("201", "reply", "1999", t + 2, "300", "de"),
    ]


def _pages(events, per_page=100):
    """The events as API v2 pages, one per line, the retweeted tweets' authors in includes."""
    lines = []
    for i in range(0, len(events), per_page):
        page = events[i : i + per_page]
        data, included = [], {}
        for e in page:
            tweet = {"id": e.id, "author_id": e.actor, "text": e.text, "lang": "en",
                     "created_at": f"{_iso(e.time)}"}  # fmt: skip
            if e.kind == "repost":
                tweet["referenced_tweets"] = [{"type": "retweeted", "id": e.target}]
                included[e.target] = {"id": e.target, "author_id": e.target_author}
            data.append(tweet)
        includes = {"tweets": list(included.values()), "users": []}
        lines.append(json.dumps({"data": data, "includes": includes, "meta": {}}))
    return "\n".join(lines) + "\n"


def _iso(t: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"


@pytest.mark.parametrize("with_originals", [True, False])
def test_a_planted_retweet_network_is_found_with_defaults(tmp_path, with_originals):
    path = tmp_path / "search.jsonl.gz"  # twarc2 search writes pages, one per line
    path.write_bytes(gzip.compress(_pages(planted_events(with_originals=with_originals)).encode()))
    assert_found(load_log(path))


def test_a_broken_page_is_named_by_its_line(tmp_path):
    good = (DATA / "twitter_v2_twarc.jsonl").read_text().splitlines()
    path = tmp_path / "cut.jsonl"
    path.write_text(good[0] + "\n" + good[1][:60] + "\n")
    with pytest.raises(
        SchemaError, match=r"cut\.jsonl: cannot read line [23] as JSON.*X/Twitter API v2"
    ):
        load_log(path)
    no_author = json.loads(good[1])
    del no_author["author_id"]
    path.write_text(good[0] + "\n" + json.dumps(no_author) + "\n")
    with pytest.raises(
        SchemaError, match=r"cut\.jsonl: 1 action\(s\) have no 'author_id' \(line or record 2\)"
    ):
        load_log(path, format="twitter-v2")
