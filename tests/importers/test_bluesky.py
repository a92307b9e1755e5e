import json
from pathlib import Path

import pytest

from concerted import SchemaError, detect, load_log
from concerted.importers import find_importer, read_sample
from concerted.importers.bluesky import BLUESKY

from .planted import BOSS, BOTS, planted_events

DATA = Path(__file__).parent.parent / "data" / "importers"
COLUMNS = ["actor", "action", "object", "time", "source", "language"]
POST = "app.bsky.feed.post"


def rows(log):
    return [tuple(r.values()) for r in log.table.select(COLUMNS).to_pylist()]


def test_reads_jetstream_posts_reposts_likes_replies_and_quotes():
    # An identity event, a post with an external card and two link facets (one the card's
    # link), a repost and a like of it, a follow, a reply with a link, a quote with images
    # (backdated createdAt), a delete, a repost of a post the file does not hold, an account
    # event: the follow, the delete and both non-commit events give no row.
    log = load_log(DATA / "bluesky_jetstream.jsonl")
    t = 1725911162.0  # time_us 1725911162000000
    alice, post = "did:plc:alice111", f"at://did:plc:alice111/{POST}/3l3qo2vuowo2b"
    assert rows(log) == [
        (alice, "post", post, t, alice, "en"),
        (alice, "post", "url:example.org/report", t, None, "en"),
        (alice, "post", "url:news.example.com", t, None, "en"),
        ("did:plc:bob22222", "repost", post, t + 1.5, alice, None),
        ("did:plc:carol333", "like", post, t + 2, alice, None),
        ("did:plc:dan44444", "reply", post, t + 8, alice, "pt"),
        ("did:plc:dan44444", "reply", "url:example.net/x", t + 8, None, "pt"),
        ("did:plc:erin5555", "quote", post, t + 10, alice, "de"),
        ("did:plc:bob22222", "repost", f"at://did:web:zed.example/{POST}/3kzzzzzzzzz2a",
         t + 14, "did:web:zed.example", None),
    ]  # fmt: skip
    assert log.notes[0].endswith("was read as Bluesky Jetstream events (--format bluesky)")


def _did(name: str) -> str:
    return f"did:plc:{name}"


def _events(events) -> str:
    """The events as Jetstream writes them: posts, and reposts of the posts' at:// URIs."""
    lines = []
    for e in events:
        if e.kind == "post":
            collection = POST
            record = {"$type": POST, "text": e.text, "langs": ["en"], "createdAt": "x"}
        else:
            collection = "app.bsky.feed.repost"
            uri = f"at://{_did(e.target_author)}/{POST}/{e.target}"
            record = {"$type": collection, "subject": {"uri": uri, "cid": "bafy"}}
        commit = {"rev": e.id, "operation": "create", "collection": collection, "rkey": e.id,
                  "record": record, "cid": "bafy"}  # fmt: skip
        event = {"did": _did(e.actor), "time_us": round(e.time * 1e6), "kind": "commit",
                 "commit": commit}  # fmt: skip
        lines.append(json.dumps(event))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("with_originals", [True, False])
def test_a_planted_repost_network_is_found_with_defaults(tmp_path, with_originals):
    path = tmp_path / "jetstream.jsonl"
    path.write_text(_events(planted_events(with_originals=with_originals)))
    result = detect(load_log(path))
    assert sorted(result.actors["actor"].to_pylist()) == [_did(b) for b in BOTS]
    assert result.groups["top_source"].to_pylist() == [_did(BOSS)]


def test_a_broken_event_is_named_by_its_line(tmp_path):
    good = (DATA / "bluesky_jetstream.jsonl").read_text().splitlines()
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(good[:2]) + "\n" + good[2][:80] + "\n")
    with pytest.raises(SchemaError, match=r"cut\.jsonl: cannot read line [34] as JSON.*Bluesky"):
        load_log(path)
    no_did = json.loads(good[2])
    del no_did["did"]
    path.write_text("\n".join(good[:2]) + "\n" + json.dumps(no_did) + "\n")
    with pytest.raises(
        SchemaError, match=r"cut\.jsonl: 1 action\(s\) have no 'did' \(line or record 3\)"
    ):
        load_log(path, format="bluesky")


def test_only_jetstream_events_are_recognised():
    assert find_importer(read_sample(DATA / "bluesky_jetstream.jsonl")) is BLUESKY
    others = [p for p in DATA.iterdir() if p.name != "bluesky_jetstream.jsonl"]
    assert others
    assert [p.name for p in others if BLUESKY.recognise(read_sample(p))] == []
