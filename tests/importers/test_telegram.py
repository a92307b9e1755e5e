import json
from pathlib import Path

import pytest

from concerted import SchemaError, load_log
from concerted.importers import find_importer, read_sample
from concerted.importers.telegram import TELEGRAM

from .planted import assert_found, planted_events

DATA = Path(__file__).parent.parent / "data" / "importers"
COLUMNS = ["actor", "action", "object", "time", "source", "language"]
T = 1592229900.0  # 2020-06-15T14:05:00Z


def rows(log):
    return [tuple(r.values()) for r in log.table.select(COLUMNS).to_pylist()]


def test_reads_a_group_export():
    # A supergroup's result.json: a service message (skipped), a post with a link, a text link
    # and a hashtag, a reply to it, two forwards of one channel post (one text a string, one a
    # list of parts), a reply with a photo and no date_unixtime, a reply to a message the export
    # does not hold.
    log = load_log(DATA / "telegram_result.json")
    forward = "forward:Daily Greens:4028611d6a073d5f"
    assert rows(log) == [
        ("user111", "post", "1234567890/2", T, "user111", None),
        ("user111", "post", "url:example.org/tomatoes", T, None, None),
        ("user111", "post", "url:example.com/guide", T, None, None),
        ("user222", "reply", "1234567890/2", T + 70, "user111", None),
        ("user333", "forward", forward, T + 120, "channel1500000001", None),
        ("user222", "forward", forward, T + 123, "channel1500000001", None),
        ("user333", "reply", "1234567890/3", T + 240, "user222", None),
        ("user111", "reply", "1234567890/999", T + 300, None, None),
    ]
    assert log.table["text"].to_pylist()[0] == (
        "Tomatoes this year: https://www.Example.org/tomatoes/ and the guide #garden"
    )
    assert log.notes[0].endswith(
        "was read as Telegram Desktop chat export JSON (--format telegram)"
    )


def _message(i, e, text):
    message = {"id": i, "type": "message", "date": "2019-03-01T10:00:00",
               "date_unixtime": str(int(e.time)), "from": e.actor.title(), "from_id": e.actor,
               "text": text, "text_entities": [{"type": "plain", "text": text}]}  # fmt: skip
    if e.kind == "repost":
        message["forwarded_from"] = e.target_author
    return message


def _export(events):
    """A group where members forward channel posts: each repost a forward of the original's
    text from the original's channel (named as its author); the originals are not in it."""
    texts = {e.id: e.text for e in events if e.kind == "post"}
    reposts = [e for e in events if e.kind == "repost"]
    messages = [_message(i, e, texts[e.target]) for i, e in enumerate(reposts, start=2)]
    service = {"id": 1, "type": "service", "date": "2019-03-01T09:00:00", "actor": "Owner",
               "actor_id": "user1", "action": "create_group", "title": "Forwards", "text": ""}  # fmt: skip
    export = {"name": "Forwards", "type": "private_group", "id": 4242,
              "messages": [service, *messages]}  # fmt: skip
    return json.dumps(export, indent=1, ensure_ascii=False)


def test_a_planted_forwarding_network_is_found_with_defaults(tmp_path):
    # Six members forward each post of the channel "boss" within seconds of each other.
    path = tmp_path / "result.json"
    path.write_text(_export(planted_events()))
    assert_found(load_log(path))


def test_a_broken_export_is_named_by_its_message_and_field(tmp_path):
    text = (DATA / "telegram_result.json").read_text()
    path = tmp_path / "result.json"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(SchemaError, match=r"result\.json: .*JSON.*Telegram Desktop"):
        load_log(path, format="telegram")
    export = json.loads(text)
    del export["messages"][2]["from_id"], export["messages"][2]["from"]
    path.write_text(json.dumps(export))
    with pytest.raises(
        SchemaError, match=r"result\.json: 1 action\(s\) have no 'from_id' \(line or record 3\)"
    ):
        load_log(path)


def test_recognised_and_no_other_sample_is():
    assert find_importer(read_sample(DATA / "telegram_result.json")) is TELEGRAM
    others = [p for p in sorted(DATA.iterdir()) if p.name != "telegram_result.json"]
    assert others
    assert [p.name for p in others if TELEGRAM.recognise(read_sample(p))] == []


def test_forwards_without_text_meet_on_their_media_else_act_on_themselves(tmp_path):
    photo = {"photo": "(File not included.)", "width": 1280, "height": 960, "text": ""}
    base = {"type": "message", "date": "2020-06-15T14:05:00", "from_id": "user1",
            "forwarded_from": "Daily Greens"}  # fmt: skip
    messages = [
        {**base, "id": 1, **photo},
        {**base, "id": 2, **photo, "from_id": "user2"},
        {**base, "id": 3, "text": [], "from_id": "user3"},
    ]
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "G", "type": "private_group", "id": 7,
                                "messages": messages}))  # fmt: skip
    objects = load_log(path).table["object"].to_pylist()
    assert objects[0] == objects[1] and objects[0].startswith("forward:Daily Greens:")
    assert objects[2] == "7/3"
