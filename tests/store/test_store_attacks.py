"""Issue 13, the store's surface: each test reproduces an attack and asserts the defence.

A pruned pack, a truncated or edited store, times that break every later step, a damaged
file, a failed first ingest."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.errors import ParameterError, SchemaError
from concerted.store import (
    detect_store,
    export_evidence,
    ingest,
    list_runs,
    verify_pack,
    verify_store,
)
from concerted.store import pack_check as check

from ..conftest import CLASSIC
from .test_store import S1, S2, rows, tamper, write_log


def run_script(pack, *args):
    return subprocess.run(
        [sys.executable, "-I", str(pack / "verify_pack.py"), str(pack), *args],
        capture_output=True,
        text=True,
    )


def read_pack(pack):
    actions = [json.loads(line) for line in (pack / "actions.jsonl").read_text().splitlines()]
    proofs = [json.loads(line) for line in (pack / "proofs.jsonl").read_text().splitlines()]
    return actions, proofs, json.loads((pack / "manifest.json").read_text())


def write_pack(pack, actions, proofs, manifest):
    """Write the pack back with every hash the attacker can recompute recomputed."""
    (pack / "actions.jsonl").write_text("".join(json.dumps(a) + "\n" for a in actions))
    (pack / "proofs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in proofs))
    manifest["action_hashes"] = [a["hash"] for a in actions]
    manifest["merkle_root"] = check.merkle_root(manifest["action_hashes"])
    manifest["actions"] = len(actions)
    for name in ("actions.jsonl", "proofs.jsonl"):
        manifest["files"][name] = check.file_sha256(pack / name)
    (pack / "manifest.json").write_text(json.dumps(manifest))


def prune(pack, actor):
    """Remove one member's actions from the pack and recompute its manifest (issue 13, item 4)."""
    actions, proofs, manifest = read_pack(pack)
    kept = [i for i, a in enumerate(actions) if a["actor"] != actor]
    write_pack(pack, [actions[i] for i in kept], [proofs[i] for i in kept], manifest)
    return manifest


# Item 4: a pack proves it is complete.


def test_a_pruned_pack_fails_offline_with_the_head_and_against_the_store(pack, store):
    head = verify_store(store).chain  # printed by detect --store, after the run
    assert verify_pack(pack, store_dir=store, published_head=head).ok
    prune(pack, "a3")
    for report in (
        verify_pack(pack),
        verify_pack(pack, published_head=head),
        verify_pack(pack, store_dir=store),
    ):
        assert not report.ok
        assert (
            "the pack is not complete: it holds 4 actions, run-1 committed to 6 for group 1 "
            "(Merkle root of their sorted hashes differs)"
        ) in report.problems
    script = run_script(pack, head)
    assert script.returncode == 1 and "the pack is not complete" in script.stdout


def test_evidence_verify_cli_says_whether_the_pack_is_complete(pack, store):
    runner = CliRunner()
    head = verify_store(store).chain
    ok = runner.invoke(main, ["evidence", "verify", str(pack), "--chain-head", head])
    assert ok.exit_code == 0, ok.output
    assert "OK: 6 actions, all of group 1 of run-1;" in ok.output
    prune(pack, "a3")
    bad = runner.invoke(main, ["evidence", "verify", str(pack), "--store", str(store)])
    assert bad.exit_code == 1 and "the pack is not complete" in bad.output, bad.output
    assert "Traceback" not in bad.output


def test_a_pruned_pack_with_a_forged_commitment_fails_against_the_head_and_store(pack, store):
    """The attacker also rewrites the commitment, the run's digest and the chain from the run
    on: the pack is consistent in itself (no published head: nothing to hold it to), but the
    published head and the store both refuse it."""
    head = verify_store(store).chain
    prune(pack, "a3")
    actions, proofs, manifest = read_pack(pack)
    hashes = sorted(a["hash"] for a in actions)
    root = check.merkle_root(hashes)
    members = ["a1", "a2"]
    digest = check.group_digest(1, members, len(hashes), root)
    manifest["members"] = members
    manifest["commitment"].update(
        actions=len(hashes), actions_root=root, digest=digest, index=0, siblings=[]
    )
    run = manifest["run"]
    run.update(groups=1, actors=2, groups_root=check.merkle_root([digest]))
    run["digest"] = check.run_digest(run)
    chain = manifest["store"]["chain"]
    previous = chain[run["link"] - 2]["chain"]
    for entry in chain[run["link"] - 1 :]:
        if entry["kind"] == "run" and entry["run"] == run["run"]:
            entry.update(run)
        entry["chain"] = previous = check.chain_of(previous, entry["digest"])
    run["chain"] = chain[run["link"] - 1]["chain"]
    manifest["store"]["chain_head"] = previous
    write_pack(pack, actions, proofs, manifest)
    assert verify_pack(pack).ok  # what an unanchored pack can prove: consistency, no more
    assert verify_pack(pack, published_head=head).problems == [
        f"the chain head {head} is not in the pack's chain"
    ]
    assert "the store does not hold run-1 as the pack records it" in (
        verify_pack(pack, store_dir=store).problems
    )
    assert run_script(pack, head).returncode == 1


def test_a_head_published_before_the_run_does_not_prove_a_pack_complete(pack, store):
    run = list_runs(store)[0]  # link 3, after snapshot 2
    _, _, manifest = read_pack(pack)
    before_run = manifest["store"]["chain"][run["link"] - 2]["chain"]  # printed by ingest 2
    report = verify_pack(pack, published_head=before_run)
    assert report.problems == [
        "the published head predates run-1, so it does not prove the pack complete: give a head "
        "printed after the run (by concerted detect --store or a later ingest), or check the pack "
        "against the store with --store"
    ]
    # A later ingest's head covers the run: the usual habit of publishing every ingest's head.
    S3 = [*S2, ("a1", "v", 250), ("a2", "v", 251), ("a3", "v", 252)]
    later = ingest(write_log(store.parent / "s3.csv", S3), store, snapshot_time=3000)
    assert verify_pack(pack, published_head=later.chain).problems == [
        f"the chain head {later.chain} is not in the pack's chain"  # exported before it
    ]
    repack = export_evidence(store, 1, store.parent / "pack-later", run="run-1")
    assert verify_pack(repack, store_dir=store, published_head=later.chain).ok


def test_a_pack_holds_the_groups_actions_as_of_its_run(pack, store, tmp_path):
    """Actions ingested after the run are not behind its groups: a later export of the run gives
    the same actions, proven in snapshots the run saw."""
    S3 = [*S2, ("a1", "v", 250), ("a2", "v", 251), ("a3", "v", 252)]
    ingest(write_log(tmp_path / "s3.csv", S3), store, snapshot_time=3000)
    later = export_evidence(store, 1, tmp_path / "later", run="run-1")
    first, later_actions = read_pack(pack)[0], read_pack(later)[0]
    assert [a["hash"] for a in later_actions] == [a["hash"] for a in first]
    assert {p["snapshot"] for p in read_pack(later)[1]} <= {1, 2}
    assert verify_pack(later, store_dir=store).ok
    assert verify_store(store).ok


def test_a_pack_with_an_action_of_another_actor_added_fails(pack, store):
    actions, proofs, manifest = read_pack(pack)
    write_pack(pack, actions + [actions[0]], proofs + [proofs[0]], manifest)
    problems = verify_pack(pack).problems
    assert any(p.startswith("the pack is not complete: it holds 7 actions") for p in problems)


def test_an_older_pack_is_named_not_misread(pack):
    manifest = json.loads((pack / "manifest.json").read_text())
    manifest["format"] = "concerted-evidence-pack-1"
    (pack / "manifest.json").write_text(json.dumps(manifest))
    assert verify_pack(pack).problems == [
        "manifest.json is not a concerted-evidence-pack-2 manifest (format "
        "'concerted-evidence-pack-1'); check an older pack with the verify_pack.py it holds"
    ]


def test_identical_actions_each_get_their_own_proof(tmp_path):
    """Two identical rows are two actions of the pack, proven at two places of the snapshot."""
    folder = tmp_path / "p"
    log = [("a1", "x", 100), ("a1", "x", 100), ("a2", "x", 101), ("a1", "y", 200), ("a2", "y", 201)]
    ingest(write_log(tmp_path / "d.csv", log), folder, snapshot_time=1000)
    detect_store(folder, detector=CLASSIC, min_group_size=2)
    pack = export_evidence(folder, 1, tmp_path / "pack")
    actions, proofs, manifest = read_pack(pack)
    assert [(a["actor"], a["object"], a["occurrence"]) for a in actions] == [
        ("a1", "x", 0), ("a1", "x", 1), ("a2", "x", 0), ("a1", "y", 0), ("a2", "y", 0),
    ]  # fmt: skip
    assert proofs[0]["index"] != proofs[1]["index"]
    assert verify_pack(pack, store_dir=folder, published_head=verify_store(folder).chain).ok
    prune_one = [0, 2, 3, 4]  # drop one of the two identical actions
    write_pack(pack, [actions[i] for i in prune_one], [proofs[i] for i in prune_one], manifest)
    assert any(p.startswith("the pack is not complete") for p in verify_pack(pack).problems)


# Item 8: verify covers every table, and a published head.


def test_verify_with_the_chain_head_catches_a_truncated_store(store, tmp_path):
    """Deleting the last snapshot with everything it wrote leaves a store consistent in itself;
    the head ingest printed shows it was cut."""
    head = verify_store(store).chain
    first = rows(store, "SELECT chain FROM snapshots WHERE snapshot = 1")[0][0]
    for sql in (
        "DELETE FROM sightings WHERE snapshot = 2",
        "DELETE FROM actions WHERE first_snapshot = 2",
        "UPDATE actions SET last_snapshot = 1, deleted_after = NULL, deleted_before = NULL",
        "DELETE FROM snapshots WHERE snapshot = 2",
    ):
        tamper(store, sql)
    assert verify_store(store).ok  # nothing inside the store can tell
    assert verify_store(store, published_head=first).anchored
    report = verify_store(store, published_head=head)
    assert not report.ok and report.anchored is False
    assert report.problems == [
        f"the chain head {head} is not in the store's chain: the store was truncated (its last "
        "snapshots or runs removed) or rebuilt since that head was printed"
    ]
    r = CliRunner().invoke(main, ["verify", "--store", str(store), "--chain-head", head])
    assert r.exit_code == 1 and "is not in the store's chain" in r.output, r.output
    ok = CliRunner().invoke(main, ["verify", "--store", str(store), "--chain-head", first])
    assert ok.exit_code == 0 and "holds the chain head given" in ok.output, ok.output


def test_deleting_the_last_snapshot_before_a_run_breaks_the_chain(store, tmp_path):
    detect_store(store, detector=CLASSIC)
    for sql in (
        "DELETE FROM sightings WHERE snapshot = 2",
        "DELETE FROM actions WHERE first_snapshot = 2",
        "UPDATE actions SET last_snapshot = 1, deleted_after = NULL, deleted_before = NULL",
        "DELETE FROM snapshots WHERE snapshot = 2",
    ):
        tamper(store, sql)
    problems = verify_store(store).problems
    assert (
        "run-1: expected link 2 of the chain, found 3 (a snapshot or run is missing or repeated)"
        in problems
    )
    assert "run-1: it names snapshot 2 but follows snapshot 1 in the chain" in problems
    r = CliRunner().invoke(
        main,
        ["evidence", "export", "--store", str(store), "--group", "1", "--out", str(tmp_path / "k")],
    )
    assert r.exit_code == 1, r.output
    assert "is inconsistent (the hash chain at run-1 does not check out)" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "k").exists()


@pytest.mark.parametrize(
    "sql, problem",
    [
        ("UPDATE runs SET params = replace(params, '10', '11')", "run-1: its recorded facts do not match its digest"),
        ("UPDATE runs SET snapshot = 1", "run-1: it names snapshot 1 but follows snapshot 2"),
        ("UPDATE run_members SET actor = 'b1' WHERE actor = 'a3'", "run-1: the commitments of group(s) [1] do not match"),
        ("DELETE FROM run_members WHERE actor = 'a3'", "run-1: the commitments of group(s) [1] do not match"),
        ("UPDATE run_groups SET actions = 5", "run-1: the commitments of group(s) [1] do not match"),
        ("UPDATE run_groups SET digest = repeat('0', 64)", "run-1: its groups' digests do not match its groups root"),
        ("DELETE FROM runs", "run_members: 1 run(s) that do not exist (run-1)"),
        ("INSERT INTO runs SELECT * FROM runs", "runs: 1 run id(s) used more than once (run-1)"),
        ("UPDATE actions SET text = 'edited' WHERE actor = 'a2' AND object = 'x'", "no longer match their content hash"),
    ],
)  # fmt: skip
def test_verify_covers_runs_their_groups_and_members(store, sql, problem, tmp_path):
    detect_store(store, detector=CLASSIC)
    tamper(store, sql)
    report = verify_store(store)
    assert not report.ok
    assert any(problem in p for p in report.problems), report.problems
    r = CliRunner().invoke(
        main,
        ["evidence", "export", "--store", str(store), "--group", "1", "--out", str(tmp_path / "k")],
    )
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output


# Item 7: times outside 1970-2099.


@pytest.mark.parametrize("bad", ["-1e15", "1e300", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_ingest_refuses_a_time_outside_the_years_1970_2099(tmp_path, store, bad):
    path = tmp_path / "bad.csv"
    path.write_text(f"actor,object,time\na,x,100\nb,x,{bad}\nc,x,101\n")
    with pytest.raises(SchemaError, match=r"outside the years 1970-2099 \(row 2"):
        ingest(path, tmp_path / "new", snapshot_time=1000)
    assert not (tmp_path / "new").exists()
    before = verify_store(store)
    r = CliRunner().invoke(main, ["ingest", str(path), "--store", str(store), "-q"])
    assert r.exit_code == 1 and "outside the years 1970-2099" in r.output, r.output
    assert "Traceback" not in r.output
    after = verify_store(store)
    assert (after.counts, after.chain) == (before.counts, before.chain)


def test_ingest_refuses_a_snapshot_time_outside_the_years_1970_2099(tmp_path, store):
    with pytest.raises(ParameterError, match=r"years 1970-2099\. Got -1000000000000000\.0"):
        ingest(write_log(tmp_path / "s.csv", S1), store, snapshot_time=-1e15)


@pytest.mark.parametrize("bad", [-1e12, 1e300])
def test_a_store_holding_a_bad_time_is_flagged_and_refused_cleanly(store, tmp_path, bad):
    """A store written by an older version that let a bad time in (-1e15 in a file was stored
    as -1e12 s, read as milliseconds): verify names it, detect and export say so in one line."""
    detect_store(store, detector=CLASSIC)
    tamper(store, f"UPDATE actions SET time = {bad!r} WHERE actor = 'b1'")
    report = verify_store(store)
    assert (
        "actions: 1 action(s) with a time outside the years 1970-2099 (ids 1); detection cannot "
        "run on them: ingest the original files into a new store"
    ) in report.problems
    runner = CliRunner()
    r = runner.invoke(main, ["detect", "--store", str(store), "--out", str(tmp_path / "r"), "-q"])
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    assert "1 action(s) with a time outside the years 1970-2099 (ids 1)" in r.output
    r = runner.invoke(
        main,
        ["evidence", "export", "--store", str(store), "--group", "1", "--out", str(tmp_path / "k")],
    )
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    assert "time outside the years 1970-2099" in r.output


# Item 9: one-line errors, no store left by a failed first ingest.


def test_verify_of_a_damaged_store_file_is_a_one_line_error(tmp_path):
    folder = tmp_path / "p"
    many = [(f"u{i % 500}", f"o{i % 2000}", 1_600_000_000 + i) for i in range(30_000)]
    ingest(write_log(tmp_path / "big.csv", many), folder, snapshot_time=1_700_000_000)
    path = folder / "store.duckdb"
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = bytes(b ^ 0x55 for b in data[middle : middle + 4096])
    path.write_bytes(bytes(data))
    r = CliRunner().invoke(main, ["verify", "--store", str(folder)])
    assert r.exit_code == 1, r.output
    assert "is damaged and cannot be read" in r.output and "Traceback" not in r.output


def test_a_failed_first_ingest_leaves_no_store(tmp_path, monkeypatch):
    """Any error while writing a first snapshot (here a failure computing its Merkle root)
    leaves no store and no folder behind, so the next ingest starts clean."""
    ingest_module = importlib.import_module("concerted.store.ingest")

    def fail(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    log = write_log(tmp_path / "s1.csv", S1)
    monkeypatch.setattr(ingest_module, "set_root", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest(log, tmp_path / "p", snapshot_time=1000)
    assert not (tmp_path / "p").exists()
    (tmp_path / "kept").mkdir()
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest(log, tmp_path / "kept", snapshot_time=1000)
    assert list((tmp_path / "kept").iterdir()) == []  # a folder that was there stays, empty
    monkeypatch.undo()
    assert ingest(log, tmp_path / "p", snapshot_time=1000).snapshot == 1


def test_a_failed_later_ingest_leaves_the_store_as_it_was(store, tmp_path, monkeypatch):
    ingest_module = importlib.import_module("concerted.store.ingest")
    before = verify_store(store)
    monkeypatch.setattr(ingest_module, "set_root", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        ingest(write_log(tmp_path / "s3.csv", S1[:3]), store, snapshot_time=3000)
    after = verify_store(store)
    assert after.ok and (after.counts, after.chain) == (before.counts, before.chain)
