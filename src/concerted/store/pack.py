"""Evidence packs: the actions behind a finding, with hashes anyone can check offline.

A pack is a folder:

``actions.jsonl``
    One action per line, exactly as stored (null and empty kept apart): ``hash, collection,
    actor, action, object, time`` (Unix seconds), ``text``, ``first_seen, last_seen,
    deleted_after, deleted_before`` (snapshot times), ``file, file_sha256`` (the file that first
    held it).
``actions.csv``, ``actions.parquet``
    The same actions for spreadsheets and notebooks (times in ISO 8601 in the CSV).
``proofs.jsonl``
    For each action (same order), the proof that it was among the actions of the last snapshot
    that held it: that snapshot's number, the action's index in its sorted hashes, and the
    sibling hashes up to the snapshot's Merkle root (``set_root``).
``manifest.json``
    Every action's content hash in order, their Merkle root, the SHA-256 of every file, every
    snapshot of the store up to its head at export time (its facts, ``set_root``, ``digest`` and
    ``chain``), the run and group the actions are behind, and the concerted version.
``verify_pack.py``
    A standard-library script that checks all of it: ``python3 verify_pack.py PACK``.
"""

from __future__ import annotations

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
from .store import (
    SNAPSHOT_FACTS,
    StoreError,
    content_hash_sql,
    head,
    open_store,
    sorted_hashes,
)

PACK_FORMAT = "concerted-evidence-pack-1"
_COLUMNS = (
    "hash",
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


def export_evidence(
    store_dir: str | Path,
    group: int,
    out_dir: str | Path,
    *,
    run: str | None = None,
) -> Path:
    """Write the evidence pack of one group of a detection run on the store.

    The actions behind group ``group`` are its members' actions on the objects at least two
    members acted on (the same actions as the group's timeline and ``group_actions``), deleted
    ones included, taken verbatim from the store.

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

    Example
    -------
    ::

        export_evidence("project/", 1, "pack/")
        assert verify_pack("pack/").ok
    """
    with open_store(store_dir, read_only=True) as con:
        run_row = _find_run(con, run, store_dir)
        run_id = run_row[0]
        members = con.execute(
            'SELECT actor FROM run_members WHERE run = ? AND "group" = ? ORDER BY actor',
            [run_id, group],
        ).fetchall()
        if not members:
            groups = con.execute(
                'SELECT DISTINCT "group" FROM run_members WHERE run = ? ORDER BY 1', [run_id]
            ).fetchall()
            shown = ", ".join(str(g[0]) for g in groups[:20]) or "none"
            raise ParameterError(
                f"{run_id} has no group {group} (its groups: {shown}). "
                "Choose one with --group, or another run with --run."
            )
        actions = _group_actions(con, run_id, group)
        names = (*SNAPSHOT_FACTS, "set_root", "digest", "chain")
        cols = ", ".join(f'"{c}"' for c in names)
        snapshots = [
            dict(zip(names, r, strict=True))
            for r in con.execute(f"SELECT {cols} FROM snapshots ORDER BY snapshot").fetchall()
        ]
        proofs = _proofs(con, actions)
        number, chain = head(con)
    hashes = actions["hash"].to_pylist()
    manifest = {
        "format": PACK_FORMAT,
        "concerted_version": __version__,
        "created_at": round(_time.time(), 3),
        "group": group,
        "members": [m[0] for m in members],
        "run": {
            "run": run_id,
            "time": run_row[1],
            "snapshot": run_row[2],
            "chain": run_row[3],
            "params": json.loads(run_row[4]),
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
        "store": {"snapshot": number, "chain_head": chain, "snapshots": snapshots},
    }
    out = Path(out_dir)
    pack_actions = actions.drop(["last_snapshot"])
    write_folder(out, lambda folder: _write_pack(folder, pack_actions, proofs, manifest))
    return out


def _find_run(con, run: str | None, store_dir) -> tuple:
    sql = "SELECT run, time, snapshot, chain, params FROM runs"
    if run is None:
        row = con.execute(
            f"{sql} ORDER BY CAST(split_part(run, '-', 2) AS INTEGER) DESC LIMIT 1"
        ).fetchone()
        if row is None:
            raise StoreError(
                f"The store in {store_dir} has no detection run yet. Run one first: "
                f"concerted detect --store {store_dir}"
            )
        return row
    row = con.execute(f"{sql} WHERE run = ?", [run]).fetchone()
    if row is None:
        known = [r[0] for r in con.execute("SELECT run FROM runs ORDER BY time").fetchall()]
        raise ParameterError(
            f"The store in {store_dir} has no run {run!r} (its runs: {', '.join(known) or 'none'})."
        )
    return row


def _group_actions(con, run_id: str, group: int) -> pa.Table:
    return con.sql(
        """WITH m AS (SELECT actor FROM run_members WHERE run = ? AND "group" = ?),
        acts AS (SELECT a.* FROM actions a JOIN m USING (actor)),
        shared AS (SELECT object FROM acts GROUP BY object HAVING count(DISTINCT actor) >= 2)
        SELECT a.hash, a.collection, a.actor, a.action, a.object, a.time, a.text,
               f.time AS first_seen, l.time AS last_seen, a.deleted_after, a.deleted_before,
               f.file, f.file_sha256, a.last_snapshot
        FROM acts a JOIN shared USING (object)
        JOIN snapshots f ON f.snapshot = a.first_snapshot
        JOIN snapshots l ON l.snapshot = a.last_snapshot
        ORDER BY a.time, a.hash""",
        params=[run_id, group],
    ).to_arrow_table()


def _proofs(con, actions: pa.Table) -> list[dict]:
    """For each action, the proof that it is among the actions of the last snapshot that held
    it: its index in that snapshot's sorted hashes and the sibling hashes up to its Merkle root."""
    wanted: dict[int, list[int]] = {}
    for i, k in enumerate(actions["last_snapshot"].to_pylist()):
        wanted.setdefault(k, []).append(i)
    hashes = actions["hash"].to_pylist()
    proofs: list[dict] = [{} for _ in hashes]
    for k, rows in wanted.items():
        leaves = sorted_hashes(con, k)
        position = {h: i for i, h in enumerate(leaves)}
        levels = _levels(leaves)
        for i in rows:
            index = position[hashes[i]]
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
    """Check an evidence pack: its files' hashes, every action's content hash, the Merkle root
    and the snapshot chain in its manifest (what ``verify_pack.py`` in the pack does, offline).

    Each action's proof must lead to the Merkle root of a snapshot in the manifest's chain. With
    ``published_head`` (a chain head received earlier by another channel), the chain must pass
    through it and every action be proven in a snapshot it covers: then even a pack rebuilt whole
    by someone who recomputed every hash fails. With ``store_dir``, also check it against the
    store: the store's chain holds the pack's chain head, and every action of the pack is in the
    store with the same content.

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
    if store_dir is not None:
        problems += _against_store(folder, store_dir, manifest)
    return PackReport(not problems, problems, len(hashes), root, chain, store_dir is not None)


def _against_store(folder: Path, store_dir, manifest: dict) -> list[str]:
    problems = []
    with open_store(store_dir, read_only=True) as con:
        chain = manifest["store"]["chain_head"]
        if not con.execute("SELECT count(*) FROM snapshots WHERE chain = ?", [chain]).fetchall()[0][
            0
        ]:
            problems.append(f"the store's chain never had the pack's head {chain[:16]}...")
        con.register("pack", pa.table({"hash": pa.array(manifest["action_hashes"], pa.string())}))
        missing = con.execute(
            f"""SELECT count(*) FROM pack p WHERE NOT EXISTS (
                SELECT 1 FROM actions a WHERE a.hash = p.hash AND {content_hash_sql("a.")} = p.hash)"""
        ).fetchone()[0]
        if missing:
            problems.append(f"{missing} action(s) of the pack are not in the store as they are")
    return problems
