"""Check a concerted evidence pack, offline, with nothing but Python's standard library.

    python3 verify_pack.py PACK_FOLDER

This file is copied into every pack as verify_pack.py. It checks that every file listed in
manifest.json has the SHA-256 recorded there, that each action in actions.jsonl hashes to its
content hash, that those hashes are the manifest's list and give its Merkle root, and that the
store's snapshot chain listed in the manifest is intact up to the head it names. Exit code 0 and
"OK" when all hold.
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


def merkle_root(hashes):
    """Leaves sha256(0x00 + hash), nodes sha256(0x01 + left + right), an odd node moves up."""
    level = [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest() for h in hashes]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        level = [
            hashlib.sha256(b"\x01" + p[0] + p[1]).digest() if len(p) == 2 else p[0] for p in pairs
        ]
    return level[0].hex()


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(folder):
    """A list of problems (empty when the pack is intact)."""
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
    for snapshot in manifest["store"]["snapshots"]:
        chain = hashlib.sha256((chain + snapshot["digest"]).encode("ascii")).hexdigest()
        if chain != snapshot["chain"]:
            problems.append(f"the store's chain is broken at snapshot {snapshot['snapshot']}")
    if chain != manifest["store"]["chain_head"]:
        problems.append("the store's snapshots do not lead to the chain head in the manifest")
    return problems


def main(argv):
    if len(argv) != 2:
        print("usage: python3 verify_pack.py PACK_FOLDER")
        return 2
    problems = check(argv[1])
    for problem in problems:
        print("FAILED:", problem)
    if not problems:
        print("OK: every file, action hash, the Merkle root and the snapshot chain check out.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
