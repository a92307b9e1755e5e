from pathlib import Path

from concerted import load_log

from .planted import assert_found, planted_events

DATA = Path(__file__).parent.parent / "data" / "importers"


def test_reads_an_information_operations_archive_row_by_row():
    # Written from the archive's documented columns: an original, a retweet of it, a reply to
    # it, a quote of it, and a retweet of a tweet the archive does not hold.
    log = load_log(DATA / "twitter_io.csv")
    columns = ["actor", "action", "object", "time", "source", "language"]
    rows = [tuple(r.values()) for r in log.table.select(columns).to_pylist()]
    at = 1551434400.0  # 2019-03-01 10:00 UTC
    assert rows == [
        ("u_a", "post", "1001", at, "u_a", "en"),
        ("u_b", "retweet", "1001", at, "u_a", "en"),
        ("u_c", "reply", "1001", at + 300, "u_a", "ru"),
        ("u_d", "quote", "1001", at + 420, None, "en"),
        ("u_e", "retweet", "9999", at + 540, "u_z", "en"),
    ]
    assert (
        log.table["text"][4].as_py() == "RT @zulu: a post the archive does not hold, with a comma"
    )
    assert log.notes[0].endswith(
        "was read as Twitter information operations archive (--format twitter-io)"
    )


def test_a_planted_retweet_network_is_found_with_defaults(tmp_path):
    lines = ["tweetid,userid,tweet_time,is_retweet,retweet_userid,retweet_tweetid,tweet_text"]
    for e in planted_events():
        if e.kind == "post":
            lines.append(f"{e.id},{e.actor},{e.time:.1f},False,,,{e.text}")
        else:
            lines.append(f"{e.id},{e.actor},{e.time:.1f},True,{e.target_author},{e.target},RT")
    path = tmp_path / "archive.csv"
    path.write_text("\n".join(lines) + "\n")
    assert_found(load_log(path))
