"""Evidence packs: the actions behind a finding, with hashes anyone can check offline.

A pack is a folder:

``actions.jsonl``
    One action per line, exactly as stored (null and empty kept apart): ``hash, occurrence``
    (0, 1, ... among identical rows of a file), ``collection, actor, action, object, time``
    (Unix seconds), ``text``, ``first_seen, last_seen, deleted_after, deleted_before`` (snapshot
    times), ``file, file_sha256`` (the file that first held it).
``actions.csv``, ``actions.parquet``
    The same actions for spreadsheets and notebooks (times in ISO 8601 in the CSV).
``proofs.jsonl``
    For each action (same order), the proof that it was among the actions of the last snapshot
    that held it as of the run: that snapshot's number, the action's index in its sorted hashes,
    and the sibling hashes up to the snapshot's Merkle root (``set_root``).
``manifest.json``
    Every action's content hash in order, their Merkle root, the SHA-256 of every file, the
    store's hash chain up to its head at export time (each snapshot's and each run's facts,
    ``digest`` and ``chain``), the run and group the actions are behind, the group's
    commitment (members, count and Merkle root of the sorted hashes of its actions) with the
    proof that the run holds it, and the concerted version.
``verify_pack.py``
    A standard-library script that checks all of it: ``python3 verify_pack.py PACK``.
"""

from __future__ import annotations

import bisect
import json
import shutil
import time as _time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..errors import ParameterError
from ..outputs import write_csv, write_folder
from . import pack_check as _script
from .runs import group_actions_sql, group_commitments, run_rows
from .store import (
    TIME_RANGE,
    StoreError,
    content_hash_sql,
    head,
    open_store,
    out_of_range_times,
    snapshot_rows,
    sorted_hashes,
)

PACK_FORMAT = _script.PACK_FORMAT
_COLUMNS = (
    "hash",
    "occurrence",
    "collection",
    "actor",
    "action",
    "object",
    "time",
    "text",
    "first_seen",
    "last_seen",
    "deleted_after",
    "deleted_before",
    "file",
    "file_sha256",
)


@dataclass
class PackReport:
    """The outcome of :func:`verify_pack`: ``ok``, one line per problem, and what was checked."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    actions: int = 0
    merkle_root: str = ""
    chain_head: str = ""
    against_store: bool = False
    group: int | None = None
    run: str | None = None


def export_evidence(
    store_dir: str | Path,
    group: int,
    out_dir: str | Path,
    *,
    run: str | None = None,
) -> Path:
    """Write the evidence pack of one group of a detection run on the store.

    The actions behind group ``group`` are its members' actions, in the store as of the run, on
    the objects at least two members acted on (the same actions as the group's timeline and
    ``group_actions``), deleted ones included, taken verbatim from the store: exactly the
    actions the run committed to, so the pack proves it is complete.

    Parameters
    ----------
    store_dir
        The project folder holding ``store.duckdb``.
    group
        The group's number in the run (1 = the group with the strongest evidence).
    out_dir
        The pack's folder (created, or replaced whole if it holds only a previous pack).
    run
        The run (``run-3``); the latest run when omitted (see :func:`list_runs`).

    Returns
    -------
    Path
        The pack's folder.

    Raises
    ------
    StoreError
        The store has no run, or is inconsistent where the pack needs it (its chain, the run's
        commitment, a snapshot's Merkle root): ``concerted verify --store`` says more.

    Example
    -------
    ::

        export_evidence("project/", 1, "pack/")
        assert verify_pack("pack/").ok
    """
    with open_store(store_dir, read_only=True) as con:
        bad, shown = out_of_range_times(con)
        if bad:
            raise StoreError(
                f"The store in {store_dir} holds {bad:,} action(s) with a time outside the years "
                f"{TIME_RANGE} (ids {shown}); it cannot make evidence packs. Run concerted verify "
                f"--store {store_dir}, and ingest the original files into a new store."
            )
        chain = _chain(con, store_dir)
        run_row = _find_run(con, run, chain, store_dir)
        run_id, snapshot = run_row["run"], run_row["snapshot"]
        commitments = con.execute(
            'SELECT "group", digest FROM run_groups WHERE run = ? ORDER BY "group"', [run_id]
        ).fetchall()
        groups = [g for g, _ in commitments]
        if group not in groups:
            shown = ", ".join(str(g) for g in groups[:20]) or "none"
            raise ParameterError(
                f"{run_id} has no group {group} (its groups: {shown}). "
                "Choose one with --group, or another run with --run."
            )
        members = 'SELECT "group", actor FROM run_members WHERE run = $run AND "group" = $group'
        bound = {"run": run_id, "group": group}
        (commitment,) = group_commitments(con, members, snapshot, bound)
        digests = [d for _, d in commitments]
        index = groups.index(group)
        stored = con.execute(
            'SELECT members, actions, actions_root FROM run_groups WHERE run = ? AND "group" = ?',
            [run_id, group],
        ).fetchall()
        recomputed = (len(commitment["members"]), commitment["actions"], commitment["actions_root"])
        if (
            commitment["digest"] != digests[index]
            or stored != [recomputed]
            or _script.merkle_root(digests) != run_row["groups_root"]
        ):
            raise _inconsistent(store_dir, f"{run_id}'s commitment to group {group}")
        actions = _group_actions(con, members, {**bound, "snapshot": snapshot})
        if not all(actions["intact"].to_pylist()):
            raise _inconsistent(store_dir, "the content hash of an action of the group")
        proofs = _proofs(con, actions, store_dir)
        number = head(con)[0]
    hashes = actions["hash"].to_pylist()
    manifest = {
        "format": PACK_FORMAT,
        "concerted_version": __version__,
        "created_at": round(_time.time(), 3),
        "group": group,
        "members": commitment["members"],
        "run": run_row,
        "commitment": {
            "actions": commitment["actions"],
            "actions_root": commitment["actions_root"],
            "digest": commitment["digest"],
            "index": index,
            "siblings": _siblings(_levels(digests), index),
        },
        "actions": len(hashes),
        "deleted": sum(v is not None for v in actions["deleted_before"].to_pylist()),
        "hash_rule": (
            "sha256 of collection, actor, action, object, time, text, each as "
            "<UTF-8 byte length>:<value> or - when null, no separator; time as whole "
            "microseconds floor(time * 1e6 + 0.5)"
        ),
        "merkle_rule": (
            "leaves sha256(0x00 || hash bytes), nodes sha256(0x01 || left || right), "
            "an odd node moves up unchanged"
        ),
        "merkle_root": _script.merkle_root(hashes),
        "action_hashes": hashes,
        "store": {"snapshot": number, "chain_head": chain[-1]["chain"], "chain": chain},
    }
    out = Path(out_dir)
    pack_actions = actions.drop(["proof_snapshot", "intact"])
    write_folder(out, lambda folder: _write_pack(folder, pack_actions, proofs, manifest))
    return out


def _inconsistent(store_dir, what: str) -> StoreError:
    return StoreError(
        f"The store in {store_dir} is inconsistent ({what} does not check out); no pack was "
        f"written. Run concerted verify --store {store_dir} to see what is wrong."
    )


def _chain(con, store_dir) -> list[dict]:
    """The store's hash chain, snapshots and runs in link order, each link checked against its
    digest and the one before it (the snapshots' Merkle roots are checked by the proofs)."""
    links = [{"kind": "snapshot", **r} for r in snapshot_rows(con)]
    links += [{"kind": "run", **r} for r in run_rows(con)]
    links.sort(key=lambda r: r["link"] if isinstance(r["link"], int) else -1)
    previous = "0" * 64
    for number, entry in enumerate(links, start=1):
        name = f"snapshot {entry['snapshot']}" if entry["kind"] == "snapshot" else entry["run"]
        if (
            entry["link"] != number
            or _script.link_digest(entry) != entry["digest"]
            or _script.chain_of(previous, entry["digest"] or "") != entry["chain"]
        ):
            raise _inconsistent(store_dir, f"the hash chain at {name}")
        previous = entry["chain"]
    return links


def _find_run(con, run: str | None, chain: list[dict], store_dir) -> dict:
    runs = [{k: v for k, v in e.items() if k != "kind"} for e in chain if e["kind"] == "run"]
    if not runs:
        raise StoreError(
            f"The store in {store_dir} has no detection run yet. Run one first: "
            f"concerted detect --store {store_dir}"
        )
    if run is None:
        return runs[-1]
    for row in runs:
        if row["run"] == run:
            return row
    known = ", ".join(r["run"] for r in runs)
    raise ParameterError(f"The store in {store_dir} has no run {run!r} (its runs: {known}).")


def _group_actions(con, members: str, params: dict) -> pa.Table:
    """The actions behind the group, as the pack shows them, with the snapshot each is proven
    in: the last that held it up to the run's snapshot."""
    return con.sql(
        f"""SELECT a.hash, a.occurrence, a.collection, a.actor, a.action, a.object, a.time,
               a.text, f.time AS first_seen, l.time AS last_seen, a.deleted_after,
               a.deleted_before, f.file, f.file_sha256,
               (SELECT max(s.snapshot) FROM sightings s
                WHERE s.id = a.id AND s.snapshot <= $snapshot) AS proof_snapshot,
               a.hash IS NOT DISTINCT FROM {content_hash_sql("a.")} AS intact
        FROM ({group_actions_sql(members)}) a
        LEFT JOIN snapshots f ON f.snapshot = a.first_snapshot
        LEFT JOIN snapshots l ON l.snapshot = a.last_snapshot
        ORDER BY a.time, a.hash, a.occurrence""",
        params=params,
    ).to_arrow_table()


def _proofs(con, actions: pa.Table, store_dir) -> list[dict]:
    """For each action, the proof that it is among the actions of the last snapshot that held
    it as of the run: its index in that snapshot's sorted hashes (identical actions sit side by
    side, in occurrence order) and the sibling hashes up to its Merkle root."""
    wanted: dict[int, list[int]] = {}
    for i, k in enumerate(actions["proof_snapshot"].to_pylist()):
        if k is None:
            raise _inconsistent(store_dir, "the sightings of an action of the group")
        wanted.setdefault(k, []).append(i)
    hashes = actions["hash"].to_pylist()
    occurrences = actions["occurrence"].to_pylist()
    roots = dict(con.execute("SELECT snapshot, set_root FROM snapshots").fetchall())
    proofs: list[dict] = [{} for _ in hashes]
    for k, rows in wanted.items():
        leaves = sorted_hashes(con, k)
        levels = _levels(leaves)
        if (levels[-1][0].hex() if leaves else _script.merkle_root([])) != roots.get(k):
            raise _inconsistent(store_dir, f"snapshot {k}'s Merkle root")
        for i in rows:
            index = bisect.bisect_left(leaves, hashes[i]) + occurrences[i]
            if index >= len(leaves) or leaves[index] != hashes[i]:
                raise _inconsistent(store_dir, f"the sightings of snapshot {k}")
            proofs[i] = {"snapshot": k, "index": index, "siblings": _siblings(levels, index)}
    return proofs


def _levels(hashes: list[str]) -> list[list[bytes]]:
    """Every level of the Merkle tree of :func:`~concerted.store.pack_check.merkle_root`."""
    level = [_script.leaf(h) for h in hashes]
    levels = [level]
    while len(level) > 1:
        up = [_script.node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = up + level[-1:] if len(level) % 2 else up
        levels.append(level)
    return levels


def _siblings(levels: list[list[bytes]], index: int) -> list[str]:
    siblings = []
    for level in levels[:-1]:
        partner = index ^ 1
        if partner < len(level):
            siblings.append(level[partner].hex())
        index //= 2
    return siblings


def _write_pack(folder: Path, actions: pa.Table, proofs: list[dict], manifest: dict) -> None:
    with open(folder / "actions.jsonl", "w", encoding="utf-8") as f:
        for row in actions.to_pylist():
            f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(folder / "proofs.jsonl", "w", encoding="utf-8") as f:
        for proof in proofs:
            f.write(json.dumps(proof, separators=(",", ":")) + "\n")
    write_csv(actions, folder / "actions.csv")
    pq.write_table(actions, folder / "actions.parquet")
    shutil.copyfile(_script.__file__, folder / "verify_pack.py")
    names = ("actions.jsonl", "proofs.jsonl", "actions.csv", "actions.parquet", "verify_pack.py")
    manifest["files"] = {name: _script.file_sha256(folder / name) for name in names}
    (folder / "manifest.json").write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8"
    )


def verify_pack(
    pack_dir: str | Path,
    *,
    store_dir: str | Path | None = None,
    published_head: str | None = None,
) -> PackReport:
    """Check an evidence pack: its files' hashes, every action's content hash, the Merkle root,
    the store's hash chain in its manifest, and that it is complete (what ``verify_pack.py`` in
    the pack does, offline).

    Each action's proof must lead to the Merkle root of a snapshot in the manifest's chain, and
    the pack's actions must be exactly those the run committed to for the group (their count
    and the Merkle root of their sorted hashes, under a digest proven to be in the run's, a link
    of the chain). With ``published_head`` (a chain head received earlier by another channel),
    the chain must pass through it, and it must cover the run and every snapshot an action is
    proven in: then neither a pack rebuilt whole by someone who recomputed every hash nor a pack
    with actions removed passes. With ``store_dir``, also check it against the store: the
    store's chain holds the pack's chain head and the run as the pack records it, every action
    of the pack is in the store with the same content, and the group's commitment recomputed
    from the store is the pack's.

    Returns
    -------
    PackReport
        ``ok`` false with one line per problem when anything does not match.

    Example
    -------
    ::

        report = verify_pack("pack/", store_dir="project/")
        assert report.ok, report.problems
    """
    folder = Path(pack_dir)
    if not (folder / "manifest.json").is_file():
        raise ParameterError(
            f"{folder} is not an evidence pack (no manifest.json). Give the pack's folder."
        )
    problems = _script.check(folder, published_head)
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        hashes, root = manifest["action_hashes"], manifest["merkle_root"]
        chain = manifest["store"]["chain_head"]
    except (ValueError, KeyError, TypeError):
        return PackReport(False, problems or ["manifest.json is not a pack manifest"])
    if store_dir is not None and manifest.get("format") == PACK_FORMAT:
        try:
            problems += _against_store(store_dir, manifest)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"manifest.json lacks what a pack manifest holds ({exc})")
    run = manifest.get("run")
    return PackReport(
        not problems,
        problems,
        len(hashes),
        root,
        chain,
        store_dir is not None,
        manifest.get("group"),
        run.get("run") if isinstance(run, dict) else None,
    )


def _against_store(store_dir, manifest: dict) -> list[str]:
    problems = []
    run, group = manifest["run"], manifest["group"]
    with open_store(store_dir, read_only=True) as con:
        chain = manifest["store"]["chain_head"]
        held = con.execute(
            "SELECT count(*) FROM (SELECT chain FROM snapshots UNION ALL SELECT chain FROM runs) "
            "WHERE chain = ?",
            [chain],
        ).fetchall()[0][0]
        if not held:
            problems.append(f"the store's chain never had the pack's head {chain[:16]}...")
        con.register("pack", pa.table({"hash": pa.array(manifest["action_hashes"], pa.string())}))
        missing = con.execute(
            f"""SELECT count(*) FROM pack p WHERE NOT EXISTS (
                SELECT 1 FROM actions a WHERE a.hash = p.hash AND {content_hash_sql("a.")} = p.hash)"""
        ).fetchall()[0][0]
        if missing:
            problems.append(f"{missing} action(s) of the pack are not in the store as they are")
        stored = [r for r in run_rows(con) if r["run"] == run.get("run")]
        if not stored or stored[0] != {k: v for k, v in run.items() if k != "kind"}:
            problems.append(f"the store does not hold {run.get('run')} as the pack records it")
            return problems
        members = 'SELECT "group", actor FROM run_members WHERE run = $run AND "group" = $group'
        found = group_commitments(
            con, members, stored[0]["snapshot"], {"run": run["run"], "group": group}
        )
    expected = manifest["commitment"]
    if not found or (found[0]["members"], found[0]["actions"], found[0]["digest"]) != (
        manifest["members"],
        expected["actions"],
        expected["digest"],
    ):
        problems.append(
            f"the store's actions behind group {group} of {run['run']} are not the pack's "
            f"(the store: {found[0]['actions'] if found else 0} actions)"
        )
    return problems
