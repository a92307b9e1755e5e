from pathlib import Path

import pytest

from concerted import SchemaError, load_log
from concerted.importers import find_importer, read_sample
from concerted.importers.crowdtangle import CROWDTANGLE

from .planted import assert_found, planted_events

DATA = Path(__file__).parent.parent / "data" / "importers"
HEADER = (
    "Page Name,User Name,Facebook Id,Page Category,Post Created,Post Created Date,"
    "Post Created Time,Type,Total Interactions,Likes,Comments,Shares,URL,Message,Link,"
    "Final Link,Link Text"
)


def test_reads_a_crowdtangle_export_row_by_row():
    # Written from CrowdTangle's columns: a link post (shortened link, expanded in Final Link),
    # another page posting the same link 90 s later, a status without link (its time in CEST),
    # a re-share of the first post, and a re-share of a post the export does not hold.
    log = load_log(DATA / "crowdtangle.csv")
    columns = ["actor", "action", "object", "time", "source", "language"]
    rows = [tuple(r.values()) for r in log.table.select(columns).to_pylist()]
    at = 1592244300.0  # 2020-06-15 14:05 EDT = 18:05 UTC
    assert rows == [
        ("100001", "post", "url:example.com/story-1", at, None, None),
        ("100002", "post", "url:example.com/story-1", at + 90, None, None),
        ("100003", "post", "url:facebook.com/charliepage/posts/555003", at + 300, "100003", None),
        ("100004", "share", "url:facebook.com/dailyalpha/posts/555001", at + 900, None, None),
        ("100005", "share", "url:facebook.com/zulupage/posts/999999", at + 1500, None, None),
    ]
    assert log.table["text"][2].as_py() == 'Nothing to link, just "words"'
    assert log.notes[0].endswith(
        "was read as CrowdTangle CSV of Facebook posts (--format crowdtangle)"
    )


def _row(e, link: str) -> str:
    from datetime import datetime, timedelta, timezone

    edt = datetime.fromtimestamp(e.time, timezone(timedelta(hours=-4)))
    created = f"{edt:%Y-%m-%d %H:%M:%S} EDT"
    page = f"https://www.facebook.com/{e.actor}/posts/{e.id}"
    return (
        f"{e.actor} page,{e.actor},{e.actor},NEWS_SITE,{created},{edt:%Y-%m-%d},{edt:%H:%M:%S},"
        f"Link,1,1,0,0,{page},{e.text},{link},{link},Story {e.target or e.id}"
    )


def test_a_planted_link_sharing_network_is_found_with_defaults(tmp_path):
    # Each post of an author is a link post with a link of its own; each repost is a post by
    # the reposting page sharing that same link (CooRnet's co-link sharing).
    lines = [HEADER]
    for e in planted_events():
        link = f"https://news.example.com/{e.target if e.kind == 'repost' else e.id}"
        lines.append(_row(e, link))
    path = tmp_path / "posts.csv"
    path.write_text("\n".join(lines) + "\n")
    assert_found(load_log(path))


def test_a_post_without_its_account_is_named_by_its_line(tmp_path):
    good = (DATA / "crowdtangle.csv").read_text().splitlines()
    broken = good[2].replace(",100002,", ",,")
    path = tmp_path / "cut.csv"
    path.write_text("\n".join([good[0], good[1], broken]) + "\n")
    with pytest.raises(
        SchemaError, match=r"cut\.csv: 1 action\(s\) have no 'Facebook Id' \(line or record 2\)"
    ):
        load_log(path)


def test_a_time_in_an_unknown_zone_is_named_by_its_row(tmp_path):
    good = (DATA / "crowdtangle.csv").read_text().splitlines()
    path = tmp_path / "zone.csv"
    path.write_text("\n".join([good[0], good[1].replace(" EDT,", " XYZ,")]) + "\n")
    with pytest.raises(SchemaError, match=r"row 1: '2020-06-15 14:05:00 XYZ'"):
        load_log(path)


def test_recognises_its_sample_and_no_other_file():
    assert find_importer(read_sample(DATA / "crowdtangle.csv")) is CROWDTANGLE
    others = [p for p in sorted(DATA.iterdir()) if p.name != "crowdtangle.csv"]
    assert others
    assert [p.name for p in others if CROWDTANGLE.recognise(read_sample(p))] == []
