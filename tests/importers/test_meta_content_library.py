from datetime import datetime, timezone
from pathlib import Path

import pytest

from concerted import SchemaError, load_log
from concerted.importers import find_importer, read_sample
from concerted.importers.meta_content_library import META_CONTENT_LIBRARY

from .planted import assert_found, planted_events

DATA = Path(__file__).parent.parent / "data" / "importers"
HEADER = (
    "id,creation_time,text,lang,post_owner.id,post_owner.name,post_owner.type,surface.id,"
    "surface.type,shared_post_id,link_attachment.link,statistics.reaction_count"
)


def test_reads_a_content_library_export_row_by_row():
    # Written from Meta's data dictionary: a link post, another account posting the same link
    # to a group 90 s later, a post without link, a reshare of it (its author read from its
    # row), and a reshare of a post the file does not hold (its link is the shared post's).
    log = load_log(DATA / "meta_content_library.csv")
    columns = ["actor", "action", "object", "time", "source", "language"]
    rows = [tuple(r.values()) for r in log.table.select(columns).to_pylist()]
    at = 1698916500.0  # 2023-11-02 09:15 UTC
    assert rows == [
        ("41", "post", "url:example.com/story-1", at, None, "en"),
        ("42", "post", "url:example.com/story-1", at + 90, None, "en"),
        ("43", "post", "7003", at + 300, "43", "fr"),
        ("44", "share", "7003", at + 600, "43", "en"),
        ("45", "share", "9999", at + 900, None, None),
    ]
    assert log.table["text"][0].as_py() == "Read this, then vote"
    assert log.notes[0].endswith(
        "was read as Meta Content Library CSV of Facebook posts (--format meta-content-library)"
    )


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def test_a_planted_link_sharing_network_is_found_with_defaults(tmp_path):
    # Each post of an author carries a link of its own; each repost is a post by the reposting
    # account carrying that same link.
    lines = [HEADER]
    for e in planted_events():
        link = f"https://news.example.com/{e.target if e.kind == 'repost' else e.id}"
        lines.append(
            f"{e.id},{_iso(e.time)},{e.text},en,{e.actor},{e.actor},page,{e.actor},page,,{link},1"
        )
    path = tmp_path / "posts.csv"
    path.write_text("\n".join(lines) + "\n")
    assert_found(load_log(path))


def test_a_planted_reshare_network_is_found_with_defaults(tmp_path):
    # The same campaign as reshares: each repost names the shared post, whose row is in the file.
    lines = [HEADER]
    for e in planted_events():
        shared = e.target if e.kind == "repost" else ""
        lines.append(
            f"{e.id},{_iso(e.time)},{e.text},en,{e.actor},{e.actor},page,{e.actor},page,{shared},,1"
        )
    path = tmp_path / "reshares.csv"
    path.write_text("\n".join(lines) + "\n")
    assert_found(load_log(path))


def test_a_post_without_its_owner_is_named_by_its_line(tmp_path):
    good = (DATA / "meta_content_library.csv").read_text().splitlines()
    broken = good[3].replace(",43,Charlie,", ",,Charlie,")
    path = tmp_path / "cut.csv"
    path.write_text("\n".join([good[0], good[1], broken]) + "\n")
    with pytest.raises(
        SchemaError, match=r"cut\.csv: 1 action\(s\) have no 'post_owner\.id' \(line or record 2\)"
    ):
        load_log(path)


def test_recognises_its_sample_and_no_other_file():
    assert find_importer(read_sample(DATA / "meta_content_library.csv")) is META_CONTENT_LIBRARY
    others = [p for p in sorted(DATA.iterdir()) if p.name != "meta_content_library.csv"]
    assert others
    assert [p.name for p in others if META_CONTENT_LIBRARY.recognise(read_sample(p))] == []
