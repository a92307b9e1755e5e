"""Check a concerted evidence pack, offline, with nothing but Python's standard library.

    python3 verify_pack.py PACK_FOLDER [PUBLISHED_CHAIN_HEAD]

This file is copied into every pack as verify_pack.py. It checks that every file listed in
manifest.json has the SHA-256 recorded there, that each action in actions.jsonl hashes to its
content hash, that those hashes are the manifest's list and give its Merkle root, that the
store's hash chain listed in the manifest (its snapshots and detection runs) matches its digests
up to the head it names, that each action's proof in proofs.jsonl leads to the Merkle root of
the snapshot that held it, and that the pack is complete: its actions are exactly the ones the
detection run committed to for the group (their count and the Merkle root of their sorted
hashes, the members), a commitment proven to be in the run's digest, which is a link of the
chain. Given a chain head published earlier, it also checks that the pack's chain passes
through it and that the head covers the run and every snapshot an action is proven in. Exit
code 0 and "OK" when all hold.
"""

import hashlib
import json
import math
import sys
from pathlib import Path

FIELDS = ("collection", "actor", "action", "object", "time", "text")


def content_hash(row):
    """<UTF-8 length>:<value> (or - when empty) for each field, time as whole microseconds."""
    parts = []
    for name in FIELDS:
        value = row[name]
        if name == "time":
            value = str(math.floor(value * 1e6 + 0.5))
        parts.append("-" if value is None else f"{len(value.encode('utf-8'))}:{value}")
    return hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()


def leaf(hash_hex):
    return hashlib.sha256(b"\x00" + bytes.fromhex(hash_hex)).digest()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(hashes):
    """Leaves sha256(0x00 + hash), nodes sha256(0x01 + left + right), an odd node moves up."""
    level = [leaf(h) for h in hashes]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        up = [node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = up + level[-1:] if len(level) % 2 else up
    return level[0].hex()


def proof_root(hash_hex, index, leaves, siblings):
    """The root that leaf number ``index`` (0-based, of ``leaves``) and its ``siblings`` (hex,
    bottom up) lead to."""
    current, siblings = leaf(hash_hex), list(siblings)
    while leaves > 1:
        if index % 2:
            current = node(bytes.fromhex(siblings.pop(0)), current)
        elif index + 1 < leaves:
            current = node(current, bytes.fromhex(siblings.pop(0)))
        index, leaves = index // 2, (leaves + 1) // 2
    return current.hex() if not siblings else None


SNAPSHOT_FACTS = (
    "snapshot",
    "collection",
    "time",
    "ingested_at",
    "file",
    "file_sha256",
    "actions",
    "new",
    "deleted",
    "first_time",
    "last_time",
)


def snapshot_digest(snapshot):
    """sha256 of "concerted-snapshot-1", each of SNAPSHOT_FACTS (text as is, numbers as Python's
    repr) and the Merkle root of the sorted hashes of the actions it held, one per line."""
    facts = ["concerted-snapshot-1"]
    for name in SNAPSHOT_FACTS:
        value = snapshot[name]
        facts.append(value if isinstance(value, str) else repr(value))
    facts.append(snapshot["set_root"])
    return hashlib.sha256("\n".join(facts).encode("utf-8")).hexdigest()


RUN_FACTS = ("run", "time", "snapshot", "params", "groups", "actors")


def run_digest(run):
    """sha256 of "concerted-run-1", each of RUN_FACTS (text as is, numbers as Python's repr;
    params is the run's settings as the JSON text the store keeps) and groups_root, the Merkle
    root of its groups' digests in group order, one per line."""
    facts = ["concerted-run-1"]
    for name in RUN_FACTS:
        value = run[name]
        facts.append(value if isinstance(value, str) else repr(value))
    facts.append(run["groups_root"])
    return hashlib.sha256("\n".join(facts).encode("utf-8")).hexdigest()


def group_digest(group, members, actions, actions_root):
    """sha256 of "concerted-group-1", the group's number, its number of members, the members
    sorted, each as <UTF-8 length>:<value> with no separator, its number of actions and the
    Merkle root of their sorted content hashes, one per line: what a run commits to for one
    group, so that a pack missing any of the group's actions no longer matches."""
    names = "".join(f"{len(m.encode('utf-8'))}:{m}" for m in sorted(members))
    facts = ["concerted-group-1", repr(group), repr(len(members)), names, repr(actions)]
    facts.append(actions_root)
    return hashlib.sha256("\n".join(facts).encode("utf-8")).hexdigest()


def link_digest(entry):
    """The digest of one link of the chain: a snapshot's or a run's."""
    return run_digest(entry) if entry.get("kind") == "run" else snapshot_digest(entry)


def chain_of(previous, digest):
    """sha256(previous chain + snapshot digest), both as hex text; the first previous is 64 zeros."""
    return hashlib.sha256((previous + digest).encode("ascii")).hexdigest()


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


PACK_FORMAT = "concerted-evidence-pack-2"


def check(folder, published_head=None):
    """A list of problems (empty when the pack is intact). With ``published_head``, a chain head
    obtained earlier by another channel, also check that the pack's chain passes through it and
    that it covers the run and every snapshot an action is proven in."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return [f"manifest.json cannot be read: {exc}"]
    if not isinstance(manifest, dict) or manifest.get("format") != PACK_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        return [
            f"manifest.json is not a {PACK_FORMAT} manifest (format {found!r}); check an older "
            "pack with the verify_pack.py it holds"
        ]
    try:
        return _check(folder, manifest, published_head)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return [f"manifest.json lacks what a pack manifest holds ({type(exc).__name__}: {exc})"]


def _check(folder, manifest, published_head):
    problems = []
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif file_sha256(path) != expected:
            problems.append(f"{name} was altered (its SHA-256 differs from the manifest's)")
    if not (folder / "actions.jsonl").is_file():
        return problems + ["actions.jsonl is missing"]
    hashes, rows = [], []
    with open(folder / "actions.jsonl", encoding="utf-8") as f:
        for line_number, line in enumerate(f, start=1):
            try:
                row = json.loads(line)
                same = content_hash(row) == row["hash"]
            except (ValueError, KeyError, TypeError, AttributeError):
                row, same = {"hash": None}, False
            if not same:
                problems.append(
                    f"actions.jsonl line {line_number}: the action does not match its hash"
                )
            hashes.append(row["hash"])
            rows.append(row)
    if hashes != manifest["action_hashes"]:
        problems.append("actions.jsonl does not hold the actions listed in the manifest")
    if merkle_root(manifest["action_hashes"]) != manifest["merkle_root"]:
        problems.append("the manifest's Merkle root does not match its action hashes")
    chain, links, roots = "0" * 64, manifest["store"]["chain"], {}
    for number, entry in enumerate(links, start=1):
        name = (
            f"run {entry.get('run')}"
            if entry.get("kind") == "run"
            else (f"snapshot {entry.get('snapshot')}")
        )
        if entry["link"] != number:
            problems.append(f"the store's chain: {name} is link {entry['link']}, expected {number}")
        if link_digest(entry) != entry["digest"]:
            problems.append(f"{name}: its facts do not match its digest")
        chain = chain_of(chain, entry["digest"])
        if chain != entry["chain"]:
            problems.append(f"the store's chain is broken at {name}")
        if entry.get("kind") != "run":
            roots[entry["snapshot"]] = (entry["set_root"], entry["actions"], entry["link"])
    if chain != manifest["store"]["chain_head"]:
        problems.append("the store's chain does not lead to the chain head in the manifest")
    proven = _proof_snapshots(folder)
    problems += _check_complete(manifest, rows, links, proven)
    if published_head:
        chains = [entry["chain"] for entry in links]
        if published_head not in chains:
            problems.append(f"the chain head {published_head} is not in the pack's chain")
        else:
            # What the published head commits to: the links up to it, no later one.
            covered = chains.index(published_head) + 1
            snapshots = sum(1 for e in links[:covered] if e.get("kind") != "run")
            later = sorted({p for p in proven if roots.get(p, (0, 0, covered + 1))[2] > covered})
            if later:
                problems.append(
                    f"the published head covers snapshots 1-{snapshots}; actions proven in "
                    f"snapshots {later} need a later head"
                )
            run = manifest["run"]
            if run["link"] > covered:
                problems.append(
                    f"the published head predates {run['run']}, so it does not prove the pack "
                    "complete: give a head printed after the run (by concerted detect --store or "
                    "a later ingest), or check the pack against the store with --store"
                )
    problems += _check_proofs(folder, hashes, roots)
    return problems


def _check_complete(manifest, rows, links, proven):
    """The pack holds exactly the actions its run committed to for the group: the commitment
    (members, count, Merkle root of the sorted hashes) is recomputed from the pack's actions, and
    its proof leads to the groups root of the run's digest, a link of the chain."""
    problems = []
    run, commitment = manifest["run"], manifest["commitment"]
    if {**run, "kind": "run"} not in links:
        return [f"{run['run']} is not a link of the store's chain in the manifest"]
    snapshots_before = sum(1 for e in links if e.get("kind") != "run" and e["link"] < run["link"])
    if run["snapshot"] != snapshots_before:
        problems.append(
            f"{run['run']} names snapshot {run['snapshot']} but follows snapshot {snapshots_before}"
        )
    members = manifest["members"]
    if sorted(members) != members or len(set(members)) != len(members):
        problems.append("the manifest's members are not sorted and distinct")
    hashes = sorted(r.get("hash") or "" for r in rows)
    root = merkle_root(hashes)
    if (len(hashes), root) != (commitment["actions"], commitment["actions_root"]):
        problems.append(
            f"the pack is not complete: it holds {len(hashes)} actions, {run['run']} committed to "
            f"{commitment['actions']} for group {manifest['group']} (Merkle root of their sorted "
            "hashes differs)"
        )
    digest = group_digest(manifest["group"], members, len(hashes), root)
    if digest != commitment["digest"]:
        problems.append("the group's members or actions do not match its commitment's digest")
    index, siblings = commitment["index"], commitment["siblings"]
    if proof_root(commitment["digest"], index, run["groups"], siblings) != run["groups_root"]:
        problems.append(
            f"group {manifest['group']}'s commitment is not proven to be in {run['run']}"
        )
    strangers = sorted({r.get("actor") for r in rows} - set(members), key=str)
    if strangers:
        problems.append(
            f"actions.jsonl holds actions of {len(strangers)} actor(s) not in the group"
        )
    actors_per_object = {}
    for r in rows:
        actors_per_object.setdefault(r.get("object"), set()).add(r.get("actor"))
    lone = sum(1 for actors in actors_per_object.values() if len(actors) < 2)
    if lone:
        problems.append(f"actions.jsonl holds {lone} object(s) only one member acted on")
    after = sorted({p for p in proven if p > run["snapshot"]})
    if after:
        problems.append(f"actions are proven in snapshots {after}, after {run['run']}")
    return problems


def _proof_snapshots(folder):
    try:
        with open(folder / "proofs.jsonl", encoding="utf-8") as f:
            return [json.loads(line)["snapshot"] for line in f]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _check_proofs(folder, hashes, roots):
    """Each action's proof leads from its hash to the Merkle root of the snapshot it names."""
    if not (folder / "proofs.jsonl").is_file():
        return ["proofs.jsonl is missing"]
    problems = []
    with open(folder / "proofs.jsonl", encoding="utf-8") as f:
        proofs = [json.loads(line) for line in f]
    if len(proofs) != len(hashes):
        return [f"proofs.jsonl holds {len(proofs)} proofs for {len(hashes)} actions"]
    for line_number, (hash_hex, proof) in enumerate(zip(hashes, proofs, strict=True), start=1):
        root, leaves, _link = roots.get(proof["snapshot"], (None, 0, 0))
        if root is None or proof_root(hash_hex, proof["index"], leaves, proof["siblings"]) != root:
            problems.append(
                f"proofs.jsonl line {line_number}: the action is not proven to be in snapshot "
                f"{proof['snapshot']}"
            )
    return problems


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: python3 verify_pack.py PACK_FOLDER [PUBLISHED_CHAIN_HEAD]")
        return 2
    problems = check(argv[1], argv[2] if len(argv) == 3 else None)
    for problem in problems:
        print("FAILED:", problem)
    if not problems:
        print(
            "OK: every file, action hash, Merkle root, proof and the chain check out, and the "
            "pack holds every action its run committed to for the group."
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
