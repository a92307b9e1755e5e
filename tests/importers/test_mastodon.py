import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from concerted import SchemaError, detect, load_log
from concerted.importers import find_importer, read_sample
from concerted.importers.mastodon import MASTODON

from .planted import BOSS, BOTS, planted_events

DATA = Path(__file__).parent.parent / "data" / "importers"
COLUMNS = ["actor", "action", "object", "time", "source", "language"]


def rows(log):
    return [tuple(r.values()) for r in log.table.select(COLUMNS).to_pylist()]


def _t(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_reads_an_api_page_of_statuses():
    # /api/v1/timelines/public of mastodon.social: a local post with a link card, a remote
    # account's boost of it, a remote reply to it, a local reply to a status not in the file
    # (its author known from the mentions), a boost of a remote status, and a reply to an
    # account the file does not show, and a remote quote of the post (Mastodon 4.5).
    log = load_log(DATA / "mastodon_statuses.json")
    gargron = "Gargron@mastodon.social"
    post = "https://mastodon.social/users/Gargron/statuses/103270115826048975"
    t = _t("2019-12-08T03:48:33.901Z")
    assert rows(log) == [
        (gargron, "post", post, t, gargron, "en"),
        (gargron, "post", "url:blog.joinmastodon.org/2019/12", t, None, "en"),
        ("alice@example.com", "reblog", post, _t("2019-12-08T03:48:35.901Z"), gargron, "en"),
        ("bob@fosstodon.org", "reply", post, _t("2019-12-08T03:50:00Z"), gargron, "en"),
        ("carol@mastodon.social", "reply", "https://mastodon.social/api/v1/statuses/109999",
         _t("2019-12-08T03:52:00Z"), "dave@mas.to", "fr"),
        ("carol@mastodon.social", "reblog", "https://social.example/users/erin/statuses/42",
         _t("2019-12-08T03:53:00Z"), "erin@social.example", "de"),
        ("bob@fosstodon.org", "reply", "https://mastodon.social/api/v1/statuses/110000",
         _t("2019-12-08T03:54:00Z"), None, None),
        ("frank@mstdn.jp", "quote", post, _t("2019-12-08T03:55:00Z"), gargron, "ja"),
    ]  # fmt: skip
    assert log.table["text"][0].as_py() == (
        'Tom & Jerry\'s "new" <release>\nread https://blog.joinmastodon.org/2019/12/'
    )
    assert log.notes[0].endswith("was read as Mastodon API statuses (--format mastodon)")


def _account(name: str) -> dict:
    # The boss and the fans are local to the instance answering; the bots remote.
    if name.startswith("bot"):
        return {"id": name, "acct": f"{name}@bots.example", "url": f"https://bots.example/@{name}"}
    return {"id": name, "acct": name, "url": f"https://mastodon.social/@{name}"}


def _uri(name: str, status: str) -> str:
    host = _account(name)["url"].split("/")[2]
    return f"https://{host}/users/{name}/statuses/{status}"


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"


def _statuses(events) -> str:
    """The events as Status entities, one per line: posts, and boosts of them."""
    lines = []
    for e in events:
        status = {"id": e.id, "created_at": _iso(e.time), "visibility": "public",
                  "language": "en", "uri": _uri(e.actor, e.id), "content": f"<p>{e.text}</p>",
                  "account": _account(e.actor), "in_reply_to_id": None, "reblog": None,
                  "mentions": [], "card": None}  # fmt: skip
        if e.kind == "repost":
            status["content"] = ""
            status["reblog"] = {"id": e.target, "uri": _uri(e.target_author, e.target),
                                "content": "<p>post</p>", "account": _account(e.target_author)}  # fmt: skip
        lines.append(json.dumps(status))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("with_originals", [True, False])
def test_a_planted_boost_network_is_found_with_defaults(tmp_path, with_originals):
    path = tmp_path / "public.jsonl"
    path.write_text(_statuses(planted_events(with_originals=with_originals)))
    result = detect(load_log(path))
    assert sorted(result.actors["actor"].to_pylist()) == [f"{b}@bots.example" for b in BOTS]
    assert result.groups["top_source"].to_pylist() == [f"{BOSS}@mastodon.social"]


def test_a_broken_status_is_named(tmp_path):
    good = json.loads((DATA / "mastodon_statuses.json").read_text())
    path = tmp_path / "cut.jsonl"
    path.write_text(json.dumps(good[0]) + "\n" + json.dumps(good[1])[:200] + "\n")
    with pytest.raises(SchemaError, match=r"cut\.jsonl: cannot read line [23] as JSON.*Mastodon"):
        load_log(path)
    del good[2]["account"]
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(good[:3]))
    with pytest.raises(
        SchemaError, match=r"cut\.json: 1 action\(s\) have no 'account\.acct' \(line or record 3\)"
    ):
        load_log(path, format="mastodon")


def test_only_mastodon_statuses_are_recognised():
    assert find_importer(read_sample(DATA / "mastodon_statuses.json")) is MASTODON
    others = [p for p in DATA.iterdir() if p.name != "mastodon_statuses.json"]
    assert others
    assert [p.name for p in others if MASTODON.recognise(read_sample(p))] == []
