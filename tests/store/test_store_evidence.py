"""Detection on the store (deleted evidence said in every output, runs recorded) and evidence
packs (export, offline verification, tampering)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from concerted import CoAction
from concerted.cli import main
from concerted.errors import ParameterError
from concerted.store import (
    StoreError,
    detect_store,
    export_evidence,
    ingest,
    list_runs,
    load_store_log,
    verify_pack,
    verify_store,
)

from ..conftest import CLASSIC, RUSSIAN, needs_real_data
from .test_store import S1, S2, write_log


def test_load_store_log_holds_every_action_ever_seen(store):
    log = load_store_log(store)
    pairs = zip(log.table["actor"].to_pylist(), log.table["object"].to_pylist(), strict=True)
    assert sorted(pairs) == sorted({(a, o) for a, o, _ in S1 + S2})
    fast = load_store_log(store, deleted_within_hours=1)  # a2's post on x: 103 -> gone by 2000
    assert fast.table.select(["actor", "object", "time"]).to_pylist() == [
        {"actor": "a2", "object": "x", "time": 103.0}
    ]
    with pytest.raises(StoreError, match="no action deleted that fast"):
        load_store_log(store, deleted_within_hours=0.5)
    with pytest.raises(ParameterError, match="hours > 0"):
        load_store_log(store, deleted_within_hours=0)


def test_detect_store_says_which_evidence_was_deleted(store):
    result, run = detect_store(store, detector=CLASSIC)
    assert run == "run-1"
    assert result.actors.select(["actor", "group", "deleted_actions"]).to_pylist() == [
        {"actor": "a1", "group": 1, "deleted_actions": 0},
        {"actor": "a2", "group": 1, "deleted_actions": 1},
        {"actor": "a3", "group": 1, "deleted_actions": 0},
    ]
    assert result.groups["deleted_actions"].to_pylist() == [1]
    assert result.summary["notes"][-1] == (
        "group 1: 1 of its 6 shared actions were deleted upstream (evidence.csv: deleted, deleted_y)"
    )
    flagged = [
        (r["actor"], r["actor_y"], r["object"])
        for r in result.evidence.to_pylist()
        if r["deleted"] or r["deleted_y"]
    ]
    assert flagged == [("a1", "a2", "x"), ("a2", "a3", "x")]
    gone = [r for r in result.group_actions.to_pylist() if r["deleted_before"] is not None]
    assert [(r["actor"], r["object"], r["deleted_after"], r["deleted_before"]) for r in gone] == [
        ("a2", "x", 1000.0, 2000.0)
    ]


def test_detect_store_records_runs(store):
    detect_store(store, detector=CLASSIC)
    detect_store(store, detector=CLASSIC, deleted_within_hours=48)
    default, _ = detect_store(store, deleted_within_hours=48, record=False)
    assert "try --no-significance" in default.summary["notes"][-1]
    runs = list_runs(store)
    assert [(r["run"], r["snapshot"], r["groups"], r["actors"]) for r in runs] == [
        ("run-1", 2, 1, 3),
        ("run-2", 2, 0, 0),
    ]
    assert runs[1]["params"]["deleted_within_hours"] == 48
    assert runs[0]["params"]["params"]["window_seconds"] == 10
    # Each run is a link of the chain, after the snapshots it saw: the head moves on.
    assert [r["link"] for r in runs] == [3, 4]
    assert runs[-1]["chain"] == verify_store(store).chain != runs[0]["chain"]
    assert verify_store(store).ok
    assert verify_store(store).counts["runs"] == 2


def test_detect_cli_on_a_store(store, tmp_path):
    out = tmp_path / "results"
    r = CliRunner().invoke(
        main,
        ["detect", "--store", str(store), "--out", str(out), "--window-seconds", "10",
         "--no-significance", "-q"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Recorded as run-1; 1 of the groups' actions were deleted upstream" in r.output
    with open(out / "evidence.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(e["actor"], e["actor_y"], e["object"], e["deleted"], e["deleted_y"]) for e in rows][
        :1
    ] == [("a1", "a2", "x", "false", "true")]
    assert (
        "group 1: 1 of its 6 shared actions were deleted upstream"
        in (out / "report.html").read_text()
    )
    with open(out / "actors.csv") as f:
        assert [(a["actor"], a["deleted_actions"]) for a in csv.DictReader(f)] == [
            ("a1", "0"),
            ("a2", "1"),
            ("a3", "0"),
        ]


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "Give either FILE or --store DIR"),
        (["x.csv", "--store", "p"], "Give either FILE or --store DIR"),
        (["x.csv", "--deleted-within-hours", "4"], "--deleted-within-hours needs --store"),
        (["--store", "STORE", "--map", "actor=a"], "give them to concerted ingest"),
    ],
)
def test_detect_cli_store_options_misused(store, args, message):
    args = [str(store) if a == "STORE" else a for a in args]
    r = CliRunner().invoke(main, ["detect", *args])
    assert r.exit_code == 1 and message in r.output, r.output


def test_pack_holds_the_groups_actions_verbatim(pack, store):
    manifest = json.loads((pack / "manifest.json").read_text())
    rows = [json.loads(line) for line in (pack / "actions.jsonl").read_text().splitlines()]
    assert [(r["actor"], r["object"], r["time"]) for r in rows] == [
        ("a1", "x", 100.0), ("a2", "x", 103.0), ("a3", "x", 106.0),
        ("a1", "y", 200.0), ("a2", "y", 204.0), ("a3", "y", 206.0),
    ]  # fmt: skip
    deleted = [
        (r["actor"], r["deleted_after"], r["deleted_before"]) for r in rows if r["deleted_before"]
    ]
    assert deleted == [("a2", 1000.0, 2000.0)]
    assert rows[0]["file"] == "s1.csv" and rows[0]["text"] == "post x" and rows[0]["action"] is None
    assert (manifest["group"], manifest["members"], manifest["actions"], manifest["deleted"]) == (
        1,
        ["a1", "a2", "a3"],
        6,
        1,
    )
    assert manifest["action_hashes"] == [r["hash"] for r in rows]
    assert manifest["store"]["chain_head"] == verify_store(store).chain
    assert manifest["run"]["run"] == "run-1"
    assert sorted(manifest["files"]) == [
        "actions.csv",
        "actions.jsonl",
        "actions.parquet",
        "proofs.jsonl",
        "verify_pack.py",
    ]
    proofs = [json.loads(line) for line in (pack / "proofs.jsonl").read_text().splitlines()]
    # Each action is proven in the last snapshot that held it: a2's deleted post in snapshot 1.
    assert [p["snapshot"] for p in proofs] == [2, 1, 2, 2, 2, 2]
    assert [len(p["siblings"]) for p in proofs][1] == 3  # 7 leaves in snapshot 1: 3 levels


def test_pack_verifies_offline_and_against_the_store(pack, store):
    assert verify_pack(pack).ok
    report = verify_pack(pack, store_dir=store)
    assert report.ok and report.against_store and report.actions == 6
    # The shipped script needs nothing but Python: run it outside the project.
    script = subprocess.run(
        [sys.executable, "-I", str(pack / "verify_pack.py"), str(pack)],
        capture_output=True,
        text=True,
        cwd=pack.parent,
    )
    assert script.returncode == 0, script.stdout + script.stderr
    assert script.stdout.startswith("OK")


def test_pack_with_one_byte_of_one_action_altered_fails(pack):
    path = pack / "actions.jsonl"
    data = path.read_bytes()
    i = data.index(b'"object":"y"')
    path.write_bytes(data[: i + 10] + b"z" + data[i + 11 :])
    report = verify_pack(pack)
    assert not report.ok
    assert "actions.jsonl was altered (its SHA-256 differs from the manifest's)" in report.problems
    assert "actions.jsonl line 4: the action does not match its hash" in report.problems
    script = subprocess.run(
        [sys.executable, "-I", str(pack / "verify_pack.py"), str(pack)],
        capture_output=True,
        text=True,
    )
    assert script.returncode == 1 and "line 4" in script.stdout


def test_pack_with_recomputed_hashes_still_fails_its_proofs(pack, store):
    """Alter an action and recompute every hash of the pack: the proof that the action was in
    its snapshot fails, offline."""
    from concerted.store.pack_check import content_hash, file_sha256, merkle_root

    rows = [json.loads(line) for line in (pack / "actions.jsonl").read_text().splitlines()]
    rows[0]["actor"] = "someone-else"
    rows[0]["hash"] = content_hash(rows[0])
    (pack / "actions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    manifest = json.loads((pack / "manifest.json").read_text())
    manifest["action_hashes"] = [r["hash"] for r in rows]
    manifest["merkle_root"] = merkle_root(manifest["action_hashes"])
    manifest["files"]["actions.jsonl"] = file_sha256(pack / "actions.jsonl")
    (pack / "manifest.json").write_text(json.dumps(manifest))
    problems = verify_pack(pack).problems
    assert "proofs.jsonl line 1: the action is not proven to be in snapshot 2" in problems
    assert "actions.jsonl holds actions of 1 actor(s) not in the group" in problems
    assert any(p.startswith("the pack is not complete") for p in problems), problems
    assert "1 action(s) of the pack are not in the store as they are" in (
        verify_pack(pack, store_dir=store).problems
    )


def test_pack_from_a_forged_store_fails_against_the_published_head(pack, store, tmp_path):
    """Someone who rebuilds a whole store from doctored data gets a consistent pack, but not the
    chain head the analyst published when collecting."""
    published = verify_store(store).chain
    assert verify_pack(pack, published_head=published).ok
    forged_store = tmp_path / "forged"
    doctored = [(a if a != "a2" else "a9", o, t) for a, o, t in S1]
    ingest(write_log(tmp_path / "f1.csv", doctored), forged_store, snapshot_time=1000)
    ingest(write_log(tmp_path / "f2.csv", S2), forged_store, snapshot_time=2000)
    detect_store(forged_store, detector=CLASSIC)
    forged = export_evidence(forged_store, 1, tmp_path / "forged-pack")
    assert verify_pack(forged).ok  # consistent in itself
    report = verify_pack(forged, published_head=published)
    assert report.problems == [f"the chain head {published} is not in the pack's chain"]
    script = subprocess.run(
        [sys.executable, "-I", str(forged / "verify_pack.py"), str(forged), published],
        capture_output=True,
        text=True,
    )
    assert script.returncode == 1 and "is not in the pack's chain" in script.stdout


def test_a_head_published_before_the_last_snapshot_covers_only_earlier_ones(pack, store):
    first_head = json.loads((pack / "manifest.json").read_text())["store"]["chain"][0]["chain"]
    assert verify_pack(pack, published_head=first_head).problems == [
        "the published head covers snapshots 1-1; actions proven in snapshots [2] need a later head",
        "the published head predates run-1, so it does not prove the pack complete: give a head "
        "printed after the run (by concerted detect --store or a later ingest), or check the pack "
        "against the store with --store",
    ]


def test_pack_proof_tampering_fails(pack):
    lines = (pack / "proofs.jsonl").read_text().splitlines()
    proof = json.loads(lines[2])
    proof["siblings"][0] = "0" * 64
    lines[2] = json.dumps(proof)
    (pack / "proofs.jsonl").write_text("\n".join(lines) + "\n")
    assert "proofs.jsonl line 3: the action is not proven to be in snapshot 2" in (
        verify_pack(pack).problems
    )


def test_pack_chain_tampering_fails(pack):
    manifest = json.loads((pack / "manifest.json").read_text())
    manifest["store"]["chain"][0]["digest"] = "0" * 64
    (pack / "manifest.json").write_text(json.dumps(manifest))
    assert "the store's chain is broken at snapshot 1" in verify_pack(pack).problems


def test_merkle_root_of_known_leaves():
    import hashlib

    from concerted.store.pack_check import merkle_root

    a, b, c = (hashlib.sha256(x).hexdigest() for x in (b"a", b"b", b"c"))

    def leaf(h):
        return hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest()

    ab = hashlib.sha256(b"\x01" + leaf(a) + leaf(b)).digest()
    assert merkle_root([a]) == leaf(a).hex()
    assert merkle_root([a, b]) == ab.hex()
    assert merkle_root([a, b, c]) == hashlib.sha256(b"\x01" + ab + leaf(c)).hexdigest()


def test_export_errors_name_the_fix(store, tmp_path):
    with pytest.raises(StoreError, match="no detection run yet"):
        export_evidence(store, 1, tmp_path / "p1")
    detect_store(store, detector=CLASSIC)
    with pytest.raises(ParameterError, match=r"run-1 has no group 7 \(its groups: 1\)"):
        export_evidence(store, 7, tmp_path / "p1")
    with pytest.raises(ParameterError, match=r"no run 'run-9' \(its runs: run-1\)"):
        export_evidence(store, 1, tmp_path / "p1", run="run-9")
    assert not (tmp_path / "p1").exists()


def test_evidence_cli(store, tmp_path):
    runner = CliRunner()
    detect_store(store, detector=CLASSIC)
    out = tmp_path / "pack"
    r = runner.invoke(
        main, ["evidence", "export", "--store", str(store), "--group", "1", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "6 actions of group 1" in r.output
    ok = runner.invoke(main, ["evidence", "verify", str(out), "--store", str(store)])
    assert ok.exit_code == 0 and "; it matches the store." in ok.output, ok.output
    (out / "actions.csv").write_text("tampered\n")
    bad = runner.invoke(main, ["evidence", "verify", str(out)])
    assert bad.exit_code == 1 and "actions.csv was altered" in bad.output, bad.output
    missing = runner.invoke(main, ["evidence", "export", "--store", str(store), "--group", "3"])
    assert missing.exit_code == 1 and "has no group 3" in missing.output
    assert "Traceback" not in missing.output


def test_deleted_within_hours_finds_the_campaign_that_deleted_its_calls(tmp_path):
    """A simulated world collected every 6 hours: the Tulsa-style campaign's calls to register are
    deleted 6-36 hours after they are posted, and shares of a deleted post vanish with it. On the
    actions posted then deleted within 48 hours, the campaign's 40 members are found, and no one
    else."""
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    from concerted.simulate import simulate_world

    world = simulate_world(seed=1, n_actors=1000, days=2)
    log = world.log.table
    deletes = log.filter(pc.equal(log["action"], "delete"))
    posted = log.filter(pc.not_equal(log["action"], "delete")).drop(["row"])
    end = pc.max(log["time"]).as_py()
    start = pc.min(log["time"]).as_py()
    snapshot, k = start + 6 * 3600, 0
    while snapshot < end + 6 * 3600:
        gone = deletes.filter(pc.less_equal(deletes["time"], snapshot))["object"]
        seen = posted.filter(
            pc.and_(
                pc.less_equal(posted["time"], snapshot),
                pc.invert(pc.is_in(posted["object"], value_set=gone.combine_chunks())),
            )
        )
        k += 1
        pcsv.write_csv(seen, tmp_path / f"snapshot-{k}.csv")
        ingest(tmp_path / f"snapshot-{k}.csv", tmp_path / "p", snapshot_time=snapshot)
        snapshot += 6 * 3600
    assert verify_store(tmp_path / "p").counts["deleted"] > 100
    result, _ = detect_store(
        tmp_path / "p",
        detector=CoAction(window_seconds=120, significance=False),
        deleted_within_hours=48,
    )
    members = set(
        pc.filter(world.truth["actor"], pc.equal(world.truth["campaign"], "c1-signup")).to_pylist()
    )
    assert len(members) == 40
    assert set(result.actors["actor"].to_pylist()) == members


@needs_real_data()
def test_real_data_through_the_store(tmp_path):
    """russian_coord_tweets: a store gives the peers' 1,092 pairs (classic, 10 s, min 1), and a
    second collection without the accounts whose id starts with 0 marks exactly their actions
    deleted."""
    import gzip

    ingest(RUSSIAN, tmp_path / "p", snapshot_time=1_700_000_000)
    result, _ = detect_store(
        tmp_path / "p", detector=CoAction(window_seconds=10, min_repeat=1, significance=False)
    )
    assert result.edges.num_rows == 1092
    with gzip.open(RUSSIAN, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    kept = [r for r in rows if not r["account_id"].startswith("0")]
    times = [float(r["timestamp_share"]) for r in kept]
    removed = {
        (r["account_id"], r["object_id"], r["content_id"], r["timestamp_share"])
        for r in rows
        if r["account_id"].startswith("0")
        and min(times) <= float(r["timestamp_share"]) <= max(times)
    }
    second = tmp_path / "second.csv"
    with open(second, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    r = ingest(second, tmp_path / "p", snapshot_time=1_700_086_400)
    assert r.deleted == len(removed) > 1000
    assert verify_store(tmp_path / "p").ok


def test_deleted_within_hours_boundary_is_inclusive(tmp_path):
    folder = tmp_path / "p"
    first = [("a", "x", 400), ("b", "x", 401), ("c", "y", 500)]
    ingest(write_log(tmp_path / "s1.csv", first), folder, snapshot_time=1000)
    second = [("d", "z", 300), ("c", "y", 500)]  # spans 300-500: a and b are judged
    ingest(write_log(tmp_path / "s2.csv", second), folder, snapshot_time=4000)
    # a: deleted_before 4000 - 400 = 3600 s, exactly 1 hour: kept; b: 3599 s: kept.
    assert load_store_log(folder, deleted_within_hours=1).table["actor"].to_pylist() == ["a", "b"]
    # With 3599.5 s, a (3600 s) is out and b (3599 s) is in.
    kept = load_store_log(folder, deleted_within_hours=3599.5 / 3600).table["actor"].to_pylist()
    assert kept == ["b"]


def test_ingest_cli_pseudonymises_with_a_salt_file(tmp_path):
    runner = CliRunner()
    log = write_log(tmp_path / "s1.csv", S1)
    args = ["ingest", str(log), "--store", str(tmp_path / "p"), "--pseudonymise", "-q"]
    refused = runner.invoke(main, [*args, "--salt-file", str(tmp_path / "p" / "salt")])
    assert refused.exit_code == 1 and "inside the store folder" in refused.output
    ok = runner.invoke(main, [*args, "--salt-file", str(tmp_path / "salt")])
    assert ok.exit_code == 0, ok.output
    actors = set(load_store_log(tmp_path / "p").table["actor"].to_pylist())
    assert len(actors) == 4 and all(a.startswith("p:") for a in actors)  # a1, a2, a3, b1
    no_salt = runner.invoke(main, args)
    assert no_salt.exit_code == 1 and "--pseudonymise needs --salt-file" in no_salt.output


def test_hostile_strings_survive_the_store_and_the_pack(tmp_path):
    """Actors, objects and texts with quotes, newlines, formulas, markup, separators and
    right-to-left overrides: stored, hashed, exported and verified as they are."""
    from concerted.simulate import HOSTILE_TEXTS

    actors = ['=cmd|"x"', "a,b", "née\u202e", "x\x1fy"]
    rows = [
        {
            "actor": a,
            "object": f"obj {k}; DROP",
            "time": 100.0 * k + i,
            "text": HOSTILE_TEXTS[(i + k) % 8],
        }
        for k in range(3)
        for i, a in enumerate(actors)
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ingest(path, tmp_path / "p", snapshot_time=10_000)
    assert verify_store(tmp_path / "p").ok
    result, _ = detect_store(tmp_path / "p", detector=CLASSIC)
    assert sorted(result.actors["actor"].to_pylist()) == sorted(actors)
    pack = export_evidence(tmp_path / "p", 1, tmp_path / "pack")
    assert verify_pack(pack, store_dir=tmp_path / "p").ok
    stored = [json.loads(line) for line in (pack / "actions.jsonl").read_text().splitlines()]
    assert sorted((r["actor"], r["object"], r["text"]) for r in stored) == sorted(
        (r["actor"], r["object"], r["text"]) for r in rows
    )
    script = subprocess.run(
        [sys.executable, "-I", str(pack / "verify_pack.py"), str(pack)],
        capture_output=True,
        text=True,
    )
    assert script.returncode == 0, script.stdout
