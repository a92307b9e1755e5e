"""The evidence store: ingest, deletions, idempotence, verification, pseudonymisation."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import duckdb
import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.errors import ParameterError, SchemaError
from concerted.store import StoreError, StoreLocked, content_hash, ingest, verify_store
from concerted.store.store import content_hash_sql, open_store

# Snapshot 1 (collected at t=1000) covers times 50-206; snapshot 2 (t=2000) covers 100-300.
# a2's post on x (103) is missing from snapshot 2 and inside its span: deleted between 1000 and
# 2000. b1's post on z (50) is missing too but before snapshot 2's span: not judged, kept.
S1 = [("a1", "x", 100), ("a2", "x", 103), ("a3", "x", 106), ("a1", "y", 200), ("a2", "y", 204),
      ("b1", "z", 50), ("a3", "y", 206)]  # fmt: skip
S2 = [("a1", "x", 100), ("a3", "x", 106), ("a1", "y", 200), ("a2", "y", 204), ("a3", "y", 206),
      ("c1", "w", 300)]  # fmt: skip


def write_log(path, rows, text=True):
    lines = ["actor,object,time" + (",text" if text else "")]
    lines += [f"{a},{o},{t}" + (f",post {o}" if text else "") for a, o, t in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def snaps(tmp_path):
    return write_log(tmp_path / "s1.csv", S1), write_log(tmp_path / "s2.csv", S2)


@pytest.fixture
def store(tmp_path, snaps):
    folder = tmp_path / "project"
    ingest(snaps[0], folder, snapshot_time=1000)
    ingest(snaps[1], folder, snapshot_time=2000)
    return folder


def rows(folder, sql):
    with open_store(folder, read_only=True) as con:
        return con.execute(sql).fetchall()


def tamper(folder, sql):
    con = duckdb.connect(str(folder / "store.duckdb"))
    con.execute(sql)
    con.close()


def test_ingest_marks_deleted_only_within_the_new_snapshot_span(tmp_path, snaps):
    folder = tmp_path / "project"
    first = ingest(snaps[0], folder, snapshot_time=1000)
    second = ingest(snaps[1], folder, snapshot_time=2000)
    assert (first.snapshot, first.actions, first.new, first.deleted) == (1, 7, 7, 0)
    assert (second.snapshot, second.actions, second.new, second.deleted) == (2, 6, 1, 1)
    deleted = rows(
        folder,
        "SELECT actor, object, time, deleted_after, deleted_before FROM actions "
        "WHERE deleted_before IS NOT NULL",
    )
    assert deleted == [("a2", "x", 103.0, 1000.0, 2000.0)]
    kept = rows(folder, "SELECT first_snapshot, last_snapshot FROM actions WHERE actor = 'b1'")
    assert kept == [(1, 1)]
    assert rows(folder, "SELECT last_snapshot FROM actions WHERE actor = 'c1'") == [(2,)]


def test_list_snapshots(store):
    from concerted.store import list_snapshots

    snapshots = list_snapshots(store)
    assert [
        (s["snapshot"], s["file"], s["time"], s["actions"], s["new"], s["deleted"])
        for s in snapshots
    ] == [(1, "s1.csv", 1000.0, 7, 7, 0), (2, "s2.csv", 2000.0, 6, 1, 1)]
    assert (snapshots[0]["first_time"], snapshots[0]["last_time"]) == (50.0, 206.0)
    assert snapshots[-1]["chain"] == verify_store(store).chain


def test_ingest_keeps_the_source_file_and_its_hash(store, snaps):
    import hashlib

    expected = hashlib.sha256(snaps[1].read_bytes()).hexdigest()
    assert rows(store, "SELECT file, file_sha256 FROM snapshots WHERE snapshot = 2") == [
        ("s2.csv", expected)
    ]
    assert rows(
        store,
        "SELECT s.file FROM actions a JOIN snapshots s ON s.snapshot = a.first_snapshot "
        "WHERE a.actor = 'c1'",
    ) == [("s2.csv",)]


def test_ingest_same_file_again_changes_nothing(store, snaps):
    before = verify_store(store)
    again = ingest(snaps[1], store, snapshot_time=5000)
    assert again.already and again.snapshot == 2 and again.chain == before.chain
    assert again.time == 2000.0  # the snapshot's own time, not the one asked for
    after = verify_store(store)
    assert after.counts == before.counts and after.chain == before.chain


def test_ingest_reappearing_action_is_no_longer_deleted(store, tmp_path):
    ingest(write_log(tmp_path / "s3.csv", [*S1, ("d1", "v", 150)]), store, snapshot_time=3000)
    assert rows(store, "SELECT count(*) FROM actions WHERE deleted_before IS NOT NULL") == [(0,)]
    assert rows(store, "SELECT last_snapshot FROM actions WHERE actor='a2' AND object='x'") == [
        (3,)
    ]
    assert verify_store(store).ok


def test_ingest_identical_rows_are_as_many_actions(tmp_path):
    """Issue 13: identical rows of one file were stored as one action. Each is an action of its
    own (told apart by its occurrence); re-ingesting changes nothing; a later snapshot holding
    the row once marks the second occurrence deleted."""
    folder = tmp_path / "p"
    log = write_log(tmp_path / "d.csv", [("a", "x", 1), ("a", "x", 1), ("b", "x", 2)])
    r = ingest(log, folder, snapshot_time=10)
    assert (r.actions, r.new) == (3, 3)
    assert rows(folder, 'SELECT actor, "row", occurrence FROM actions ORDER BY id') == [
        ("a", 1, 0),
        ("a", 2, 1),
        ("b", 3, 0),
    ]
    assert ingest(log, folder, snapshot_time=20).already
    # Another file with the same two rows and one more: only the new row is new.
    more = write_log(
        tmp_path / "e.csv", [("a", "x", 1), ("b", "x", 2), ("a", "x", 1), ("c", "x", 2)]
    )
    r = ingest(more, folder, snapshot_time=30)
    assert (r.actions, r.new, r.deleted) == (4, 1, 0)
    once = write_log(tmp_path / "f.csv", [("a", "x", 1), ("b", "x", 2), ("c", "x", 2)])
    r = ingest(once, folder, snapshot_time=40)
    assert (r.actions, r.new, r.deleted) == (3, 0, 1)
    assert rows(
        folder,
        "SELECT actor, occurrence, deleted_after, deleted_before FROM actions "
        "WHERE deleted_before IS NOT NULL",
    ) == [("a", 1, 30.0, 40.0)]
    report = verify_store(folder)
    assert report.ok, report.problems
    assert report.counts["actions"] == 4
    from concerted.store import load_store_log

    assert load_store_log(folder).table["actor"].to_pylist() == ["a", "a", "b", "c"]


def test_ingest_collections_are_judged_apart(tmp_path, snaps):
    folder = tmp_path / "p"
    ingest(snaps[0], folder, snapshot_time=1000, collection="tiktok")
    r = ingest(snaps[1], folder, snapshot_time=2000, collection="twitter")
    assert (r.new, r.deleted) == (6, 0)
    assert verify_store(folder).counts["collections"] == 2


def test_ingest_refuses_a_snapshot_not_after_the_previous(store, tmp_path):
    later = write_log(tmp_path / "s3.csv", S1[:2])
    with pytest.raises(ParameterError, match="not after the previous snapshot"):
        ingest(later, store, snapshot_time=2000)


def test_ingest_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SchemaError, match="no such file"):
        ingest(tmp_path / "nope.csv", tmp_path / "p", snapshot_time=1)
    assert not (tmp_path / "p").exists()


def test_ingest_of_an_unreadable_first_file_creates_no_store(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\nx,y\n")
    with pytest.raises(SchemaError, match="no 'actor' column"):
        ingest(bad, tmp_path / "p", snapshot_time=1)
    assert not (tmp_path / "p").exists()


def test_ingest_judges_an_action_at_the_edge_of_the_span(tmp_path):
    folder = tmp_path / "p"
    ingest(write_log(tmp_path / "a.csv", [("a", "x", 10), ("b", "x", 20)]), folder, snapshot_time=1)
    r = ingest(
        write_log(tmp_path / "b.csv", [("c", "x", 10), ("d", "x", 30)]), folder, snapshot_time=2
    )
    # a (10) sits exactly on the new span's first time: judged, deleted; b (20) inside: deleted.
    assert r.deleted == 2
    r = ingest(
        write_log(tmp_path / "c.csv", [("d", "x", 30), ("e", "x", 40)]), folder, snapshot_time=3
    )
    assert r.deleted == 0  # c (10) lies before the new span (30-40): not judged
    assert verify_store(folder).ok


def test_ingest_does_not_modify_its_input(snaps, tmp_path):
    before = snaps[0].read_bytes()
    ingest(snaps[0], tmp_path / "p", snapshot_time=1)
    assert snaps[0].read_bytes() == before


@pytest.mark.parametrize(
    "fields",
    [
        ("c", "a1", None, "x", 1.5, None),
        ("c", "a:1", "share", "x", 0.0, ""),
        ("défaut", "ünï\x1f", "-", "3:abc", 1_600_000_000.123456, 'line\nbreak, "quoted" 😀'),
        ("c", "a", None, "x", -12.0000005, "="),
    ],
)
def test_content_hash_sql_equals_python(fields):
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (collection VARCHAR, actor VARCHAR, action VARCHAR, object VARCHAR, "
        "time DOUBLE, text VARCHAR)"
    )
    con.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", list(fields))
    assert con.execute(f"SELECT {content_hash_sql()} FROM t").fetchone()[0] == content_hash(*fields)


def test_content_hash_tells_empty_from_missing():
    assert content_hash("c", "a", None, "x", 0.0, None) != content_hash(
        "c", "a", "", "x", 0.0, None
    )
    assert content_hash("c", "ab", None, "x", 0.0, None) != content_hash(
        "c", "a", "b", "x", 0.0, None
    )


def test_verify_counts_of_a_sound_store(store):
    report = verify_store(store)
    assert report.ok, report.problems
    assert report.counts == {
        "actions": 8,
        "deleted": 1,
        "snapshots": 2,
        "collections": 1,
        "sightings": 13,
        "runs": 0,
    }
    assert report.chain == rows(store, "SELECT chain FROM snapshots WHERE snapshot = 2")[0][0]


@pytest.mark.parametrize(
    "sql, problem",
    [
        ("UPDATE actions SET actor = 'z9' WHERE actor = 'c1'", "no longer match their content hash"),
        ("UPDATE actions SET text = 'edited' WHERE id = 1", "no longer match their content hash (ids 1)"),
        ("DELETE FROM actions WHERE actor = 'c1'", "missing from the actions table"),
        ("DELETE FROM sightings WHERE snapshot = 2 AND id = 2", "disagrees with the sightings (ids 2)"),
        ("UPDATE actions SET deleted_before = NULL, deleted_after = NULL", "deletion window"),
        ("UPDATE actions SET deleted_before = 1500 WHERE deleted_before IS NOT NULL", "deletion window"),
        ("UPDATE snapshots SET time = 2500 WHERE snapshot = 2", "snapshot 2: its recorded facts"),
        ("UPDATE snapshots SET chain = repeat('0', 64) WHERE snapshot = 1", "snapshot 2: the hash chain is broken"),
        ("DELETE FROM snapshots WHERE snapshot = 1", "expected snapshot 1, found 2"),
        ("INSERT INTO actions SELECT * FROM actions WHERE id = 2", "more than once"),
    ],
)  # fmt: skip
def test_verify_names_what_was_tampered_with(store, sql, problem):
    tamper(store, sql)
    report = verify_store(store)
    assert not report.ok
    assert any(problem in p for p in report.problems), report.problems


def test_verify_cli_exit_codes_and_json(store):
    runner = CliRunner()
    ok = runner.invoke(main, ["verify", "--store", str(store), "--json"])
    assert ok.exit_code == 0, ok.output
    counts = json.loads(ok.output)
    assert (counts["ok"], counts["actions"], counts["deleted"], counts["snapshots"]) == (
        True,
        8,
        1,
        2,
    )
    tamper(store, "UPDATE actions SET object = 'y' WHERE id = 1")
    bad = runner.invoke(main, ["verify", "--store", str(store)])
    assert bad.exit_code == 1, bad.output
    assert "no longer match their content hash (ids 1)" in bad.output
    assert "Traceback" not in bad.output


def test_ingest_cli(tmp_path, snaps):
    runner = CliRunner()
    args = ["ingest", str(snaps[0]), "--store", str(tmp_path / "p"), "-q"]
    first = runner.invoke(main, [*args, "--snapshot-time", "2026-11-01T00:00:00Z"])
    assert first.exit_code == 0, first.output
    assert "snapshot 1 of 'default' at 2026-11-01T00:00:00Z: 7 actions, 7 new" in first.output
    again = runner.invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "already in the store (snapshot 1" in again.output
    missing = runner.invoke(main, ["ingest", str(tmp_path / "no.csv"), "--store", str(tmp_path)])
    assert missing.exit_code == 1 and "no such file" in missing.output
    assert "Traceback" not in missing.output


def test_ingest_cli_maps_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("account_id,url,timestamp_share\nu1,http://a,5\nu2,http://a,6\n")
    runner = CliRunner()
    r = runner.invoke(
        main,
        ["ingest", str(path), "--store", str(tmp_path / "p"), "--map", "object=url", "-q"],
    )
    assert r.exit_code == 0, r.output
    assert rows(tmp_path / "p", "SELECT actor, object, time FROM actions ORDER BY id") == [
        ("u1", "http://a", 5.0),
        ("u2", "http://a", 6.0),
    ]


def test_verify_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="holds no store"):
        verify_store(tmp_path / "empty")
    r = CliRunner().invoke(main, ["verify", "--store", str(tmp_path / "empty")])
    assert r.exit_code == 1 and "concerted ingest FILE --store" in r.output


def test_store_of_the_previous_format_is_refused_with_the_way_out(store, snaps):
    """A store written before identical rows were kept apart and runs chained (format 1) cannot
    be read as it is: the message says why and how to rebuild it."""
    tamper(store, "UPDATE store_meta SET value = 'concerted-store-1' WHERE key = 'format'")
    with pytest.raises(StoreError, match="earlier version of concerted.*kept identical rows"):
        verify_store(store)
    r = CliRunner().invoke(main, ["ingest", str(snaps[0]), "--store", str(store)])
    assert r.exit_code == 1 and "Ingest the original files again" in r.output, r.output
    assert "Traceback" not in r.output


def test_store_of_another_format_is_refused(store, snaps):
    tamper(store, "UPDATE store_meta SET value = 'concerted-store-99' WHERE key = 'format'")
    with pytest.raises(StoreError, match="store format 'concerted-store-99'"):
        ingest(snaps[0], store, snapshot_time=9000)


def test_an_empty_store_file_left_by_a_killed_first_ingest_is_reused(tmp_path, snaps):
    (tmp_path / "p").mkdir()
    duckdb.connect(str(tmp_path / "p" / "store.duckdb")).close()
    with pytest.raises(StoreError, match="holds no store yet"):
        verify_store(tmp_path / "p")
    assert ingest(snaps[0], tmp_path / "p", snapshot_time=1).new == 7
    assert verify_store(tmp_path / "p").ok


def test_a_duckdb_file_that_is_no_store_is_refused(tmp_path, snaps):
    (tmp_path / "p").mkdir()
    con = duckdb.connect(str(tmp_path / "p" / "store.duckdb"))
    con.execute("CREATE TABLE other (x INT)")
    con.close()
    with pytest.raises(StoreError, match="not a concerted store"):
        ingest(snaps[0], tmp_path / "p", snapshot_time=1)


def test_locked_store_is_a_clear_error(store, snaps):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(store / "store.duckdb")!r})
                print("ready", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLocked, match="in use by another process"):
            ingest(snaps[0], store, snapshot_time=9000)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert verify_store(store).ok


def test_pseudonymise_same_salt_same_pseudonyms(tmp_path, snaps):
    folder, salt = tmp_path / "p", tmp_path / "secret" / "salt"
    ingest(snaps[0], folder, snapshot_time=1000, pseudonymise=True, salt_file=salt)
    r = ingest(snaps[1], folder, snapshot_time=2000, pseudonymise=True, salt_file=salt)
    assert (r.new, r.deleted) == (1, 1)  # the same actors matched across snapshots
    actors = {a for (a,) in rows(folder, "SELECT DISTINCT actor FROM actions")}
    assert len(actors) == 5 and all(a.startswith("p:") and len(a) == 22 for a in actors)
    assert not {"a1", "a2", "a3", "b1", "c1"} & actors
    assert oct(salt.stat().st_mode & 0o777) == "0o600"
    assert verify_store(folder).pseudonymised


def test_pseudonymise_refuses_a_salt_inside_the_store(tmp_path, snaps):
    with pytest.raises(ParameterError, match="inside the store folder"):
        ingest(snaps[0], tmp_path / "p", pseudonymise=True, salt_file=tmp_path / "p" / "salt")


def test_pseudonymise_refuses_another_salt_or_none(tmp_path, snaps):
    folder = tmp_path / "p"
    ingest(snaps[0], folder, snapshot_time=1000, pseudonymise=True, salt_file=tmp_path / "s1")
    with pytest.raises(StoreError, match="does not hold the salt"):
        ingest(snaps[1], folder, snapshot_time=2000, pseudonymise=True, salt_file=tmp_path / "s2")
    with pytest.raises(StoreError, match="pseudonymises actors"):
        ingest(snaps[1], folder, snapshot_time=2000)
    assert verify_store(folder).counts["snapshots"] == 1
