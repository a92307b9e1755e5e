"""Check a concerted evidence pack, offline, with nothing but Python's standard library.

    python3 verify_pack.py PACK_FOLDER [PUBLISHED_CHAIN_HEAD]

This file is copied into every pack as verify_pack.py. It checks that every file listed in
manifest.json has the SHA-256 recorded there, that each action in actions.jsonl hashes to its
content hash, that those hashes are the manifest's list and give its Merkle root, that the
store's snapshots listed in the manifest match their digests and chain up to the head it names,
and that each action's proof in proofs.jsonl leads to the Merkle root of the snapshot that held
it. Given a chain head published earlier, it also checks that the pack's chain passes through it
and that every action is proven in a snapshot that head covers. Exit code 0 and "OK" when all
hold.
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


def chain_of(previous, digest):
    """sha256(previous chain + snapshot digest), both as hex text; the first previous is 64 zeros."""
    return hashlib.sha256((previous + digest).encode("ascii")).hexdigest()


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(folder, published_head=None):
    """A list of problems (empty when the pack is intact). With ``published_head``, a chain head
    obtained earlier by another channel, also check that the pack's chain passes through it."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return [f"manifest.json cannot be read: {exc}"]
    problems = []
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif file_sha256(path) != expected:
            problems.append(f"{name} was altered (its SHA-256 differs from the manifest's)")
    hashes = []
    if not (folder / "actions.jsonl").is_file():
        return problems + ["actions.jsonl is missing"]
    with open(folder / "actions.jsonl", encoding="utf-8") as f:
        for line_number, line in enumerate(f, start=1):
            try:
                row = json.loads(line)
                same = content_hash(row) == row["hash"]
            except (ValueError, KeyError, TypeError):
                row, same = {"hash": None}, False
            if not same:
                problems.append(
                    f"actions.jsonl line {line_number}: the action does not match its hash"
                )
            hashes.append(row["hash"])
    if hashes != manifest["action_hashes"]:
        problems.append("actions.jsonl does not hold the actions listed in the manifest")
    if merkle_root(manifest["action_hashes"]) != manifest["merkle_root"]:
        problems.append("the manifest's Merkle root does not match its action hashes")
    chain = "0" * 64
    roots = {}
    for snapshot in manifest["store"]["snapshots"]:
        if snapshot_digest(snapshot) != snapshot["digest"]:
            problems.append(f"snapshot {snapshot['snapshot']}: its facts do not match its digest")
        chain = chain_of(chain, snapshot["digest"])
        if chain != snapshot["chain"]:
            problems.append(f"the store's chain is broken at snapshot {snapshot['snapshot']}")
        roots[snapshot["snapshot"]] = (snapshot["set_root"], snapshot["actions"])
    if chain != manifest["store"]["chain_head"]:
        problems.append("the store's snapshots do not lead to the chain head in the manifest")
    if published_head:
        chains = [s["chain"] for s in manifest["store"]["snapshots"]]
        if published_head not in chains:
            problems.append(f"the chain head {published_head} is not in the pack's chain")
        else:
            # Proofs are anchored to the published head only for the snapshots it covers.
            covered = chains.index(published_head) + 1
            later = sorted({p for p in _proof_snapshots(folder) if p > covered})
            if later:
                problems.append(
                    f"the published head covers snapshots 1-{covered}; actions proven in "
                    f"snapshots {later} need a later head"
                )
    problems += _check_proofs(folder, hashes, roots)
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
        root, leaves = roots.get(proof["snapshot"], (None, 0))
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
        print("OK: every file, action hash, Merkle root, proof and the snapshot chain check out.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
