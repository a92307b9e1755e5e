import json
from pathlib import Path

import pytest

from concerted import SchemaError, load_log
from concerted.importers import find_importer, read_sample
from concerted.importers.tiktok import TIKTOK

from .planted import assert_found, planted_events

DATA = Path(__file__).parent.parent / "data" / "importers"
COLUMNS = ["actor", "action", "object", "time", "source", "language"]
T = 1686830700.0  # 2023-06-15T12:05:00Z


def rows(log):
    return [tuple(r.values()) for r in log.table.select(COLUMNS).to_pylist()]


def test_reads_a_saved_query_response():
    # A response of /v2/research/video/query/ as documented, pretty-printed: two accounts post
    # videos with one sound (whose source is the first to use it), a third video has none.
    log = load_log(DATA / "tiktok.json")
    sound = "music:7000000000000000001"
    assert rows(log) == [
        ("garden_tips", "post", "7213456789012345678", T, "garden_tips", None),
        ("garden_tips", "post", sound, T, "garden_tips", None),
        ("veg_daily", "post", "7213456789012345999", T + 12, "veg_daily", None),
        ("veg_daily", "post", sound, T + 12, "garden_tips", None),  # its first user
        ("veg_daily", "post", "7213456789012346111", T + 3600, "veg_daily", None),
    ]
    assert log.table["text"].to_pylist()[:2] == ["Tomatoes in June #gardening #tomato"] * 2
    assert log.notes[0].endswith(
        "was read as TikTok Research API video query JSON (--format tiktok)"
    )


def _videos():
    return json.loads((DATA / "tiktok.json").read_text())["data"]["videos"]


@pytest.mark.parametrize("layout", ["lines", "array", "pages"])
def test_reads_videos_one_per_line_in_an_array_or_one_response_per_line(tmp_path, layout):
    videos = _videos()[:2]
    path = tmp_path / "videos.json"
    if layout == "lines":
        path.write_text("".join(json.dumps(v) + "\n" for v in videos))
    elif layout == "array":
        path.write_text(json.dumps(videos, indent=1))
    else:
        pages = [{"data": {"videos": [v], "cursor": i, "has_more": i == 0}} for i, v in
                 enumerate(videos)]  # fmt: skip
        path.write_text("".join(json.dumps(p) + "\n" for p in pages))
    assert [r[:3] for r in rows(load_log(path))] == [
        ("garden_tips", "post", "7213456789012345678"),
        ("garden_tips", "post", "music:7000000000000000001"),
        ("veg_daily", "post", "7213456789012345999"),
        ("veg_daily", "post", "music:7000000000000000001"),
    ]


def _responses(events, per_page=100):
    """The events as query responses, one per line: each post a video with a sound of its own,
    each repost a video of the reposter's that uses the original's sound."""
    videos = [
        {"id": int(e.id), "username": e.actor, "create_time": int(e.time), "region_code": "US",
         "video_description": e.text, "music_id": int(e.id if e.kind == "post" else e.target),
         "hashtag_names": [], "like_count": 0}
        for e in events
    ]  # fmt: skip
    pages = [
        {"data": {"videos": videos[i : i + per_page], "cursor": i + per_page,
                  "has_more": i + per_page < len(videos), "search_id": "1"},
         "error": {"code": "ok", "message": "", "log_id": "1"}}
        for i in range(0, len(videos), per_page)
    ]  # fmt: skip
    return "".join(json.dumps(p) + "\n" for p in pages)


def test_a_planted_sound_campaign_is_found_with_defaults(tmp_path):
    # TikTok has no reshare: the six accounts post videos with the boss's sound within seconds.
    path = tmp_path / "videos.jsonl"
    path.write_text(_responses(planted_events()))
    assert_found(load_log(path))


def test_a_broken_file_is_named_by_its_line_and_field(tmp_path):
    videos = _videos()
    path = tmp_path / "cut.jsonl"
    path.write_text(json.dumps(videos[0]) + "\n" + json.dumps(videos[1])[:50] + "\n")
    with pytest.raises(SchemaError, match=r"cut\.jsonl: cannot read line [23] as JSON.*TikTok"):
        load_log(path)
    del videos[1]["username"]
    path.write_text(json.dumps(videos[0]) + "\n" + json.dumps(videos[1]) + "\n")
    with pytest.raises(
        SchemaError, match=r"cut\.jsonl: 2 action\(s\) have no 'username' \(line or record 2\)"
    ):
        load_log(path, format="tiktok")


def test_recognised_and_no_other_sample_is():
    assert find_importer(read_sample(DATA / "tiktok.json")) is TIKTOK
    others = [p for p in sorted(DATA.iterdir()) if p.name != "tiktok.json"]
    assert others
    assert [p.name for p in others if TIKTOK.recognise(read_sample(p))] == []
