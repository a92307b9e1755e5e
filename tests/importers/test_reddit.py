import json
from pathlib import Path

import pytest

from concerted import SchemaError, load_log
from concerted.importers import find_importer, read_sample
from concerted.importers.reddit import REDDIT

from .planted import assert_found, planted_events

DATA = Path(__file__).parent.parent / "data" / "importers"
COLUMNS = ["actor", "action", "object", "time", "source", "language"]


def rows(log):
    return [tuple(r.values()) for r in log.table.select(COLUMNS).to_pylist()]


def test_reads_submissions_and_comments_from_a_dump():
    # Written from the API's fields as the dumps keep them: a link submission, a crosspost of
    # it (whose link is the parent's: no url row), a self post; comments on the submission and on a comment, a comment by a [deleted]
    # author (skipped), a comment whose parent the dump does not hold, and one answering the
    # deleted comment. created_utc comes as a number, a string and a float; older comments
    # have no ``name``.
    log = load_log(DATA / "reddit.ndjson")
    t = 1551434400.0  # 2019-03-01 10:00 UTC
    assert rows(log) == [
        ("alice", "post", "t3_b0001", t, "alice", None),
        ("alice", "post", "url:example.org/council", t, None, None),
        ("bob", "crosspost", "t3_b0001", t + 60, "alice", None),
        ("carol", "post", "t3_b0003", t + 120, "carol", None),
        ("dave", "comment", "t3_b0001", t + 300, "alice", None),
        ("erin", "comment", "t1_c0001", t + 360, "dave", None),
        ("dave", "comment", "t1_zz998", t + 480, None, None),
        ("frank", "comment", "t1_c0003", t + 540, None, None),
    ]
    texts = log.table["text"].to_pylist()
    assert texts[3] == "Ask: who is standing?\nAsking for the ward list."
    assert texts[4] == "Finally."
    assert log.notes[0].endswith("was read as Reddit submissions and comments (--format reddit)")


def test_reads_an_api_listing(tmp_path):
    submission = {"id": "p1", "name": "t3_p1", "author": "alice", "created_utc": 1551434400.0,
                  "subreddit": "news", "title": "Hello", "selftext": "", "is_self": True,
                  "url": "https://www.reddit.com/r/news/comments/p1/hello/"}  # fmt: skip
    comment = {"id": "k1", "name": "t1_k1", "author": "bob", "created_utc": 1551434460.0,
               "subreddit": "news", "body": "Hi", "link_id": "t3_p1", "parent_id": "t3_p1",
               "replies": ""}  # fmt: skip
    page = {"kind": "Listing", "data": {"after": None, "dist": 2, "children": [
        {"kind": "t3", "data": submission}, {"kind": "t1", "data": comment}]}}  # fmt: skip
    path = tmp_path / "listing.json"
    path.write_text(json.dumps(page))
    assert rows(load_log(path)) == [
        ("alice", "post", "t3_p1", 1551434400.0, "alice", None),
        ("bob", "comment", "t3_p1", 1551434460.0, "alice", None),
    ]


def _dump(events):
    """The events as a Reddit dump: originals as self posts, reshares as top-level comments on
    the submission, created_utc in whole seconds as Reddit gives it."""
    lines = []
    for e in events:
        thing = {"id": e.id, "author": e.actor, "created_utc": int(e.time), "subreddit": "news",
                 "subreddit_id": "t5_2qh3l", "score": 1}  # fmt: skip
        if e.kind == "post":
            thing |= {"name": f"t3_{e.id}", "title": e.text, "selftext": "", "is_self": True,
                      "url": f"https://www.reddit.com/r/news/comments/{e.id}/"}  # fmt: skip
        else:
            thing |= {"name": f"t1_{e.id}", "body": "so true", "link_id": f"t3_{e.target}",
                      "parent_id": f"t3_{e.target}"}  # fmt: skip
        lines.append(json.dumps(thing))
    return "\n".join(lines) + "\n"


def test_a_planted_comment_network_is_found_with_defaults(tmp_path):
    # The six bots comment on each of the boss's submissions within seconds; the fans comment
    # at their own pace. The submissions' authors come from the dump itself.
    path = tmp_path / "RC_2019-03.ndjson"
    path.write_text(_dump(planted_events()))
    assert_found(load_log(path))


def test_a_broken_dump_is_named_by_its_line(tmp_path):
    good = (DATA / "reddit.ndjson").read_text().splitlines()
    path = tmp_path / "cut.ndjson"
    path.write_text(good[0] + "\n" + good[3][:60] + "\n")
    with pytest.raises(SchemaError, match=r"cut\.ndjson: cannot read line [23] as JSON.*Reddit"):
        load_log(path)
    no_author = json.loads(good[3])
    del no_author["author"]
    path.write_text(good[0] + "\n" + json.dumps(no_author) + "\n")
    with pytest.raises(
        SchemaError, match=r"cut\.ndjson: 1 action\(s\) have no 'author' \(line or record 2\)"
    ):
        load_log(path, format="reddit")


def test_only_reddit_files_are_recognised_as_reddit():
    assert find_importer(read_sample(DATA / "reddit.ndjson")) is REDDIT
    others = [p for p in sorted(DATA.iterdir()) if p.name != "reddit.ndjson"]
    assert others
    assert [p.name for p in others if REDDIT.recognise(read_sample(p))] == []
