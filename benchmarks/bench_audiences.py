"""Amplification networks found, fan bases spared: the default mode on worlds of reshares.

Two generators, written apart:

* ``concerted simulate audiences`` (:func:`concerted.simulate_audiences.simulate_audiences`):
  the simulator's organic world (viral cascades, live events, celebrity fans, communities) with
  four fan bases of 150-500 fans, each fan at its own pace and hours, and one network of 20-50
  accounts resharing most posts of an account that has fans of its own;
* ``benchmarks/audiences_other_world.py``, written by another hand without reading concerted's
  code: 20,000 accounts in 40 interest communities, 5-8 fan bases of 150-800 fans (some of them
  notification-driven, reacting in 10-40 s), and 1-3 networks of three shapes (triggered 2-15 s
  after each post, scheduled minutes later then within seconds of each other, partial).

Each world is written as a collection would hold it: with the original posts or without them
(reshares only), with or without a column naming each reshared post's author. For each, the
script prints the share of network members found (by shape on the second generator), how many
organic accounts were flagged (fans apart), and the run time of ``detect()``.

    .venv/bin/python benchmarks/bench_audiences.py              # 3 seeds of each generator
    .venv/bin/python benchmarks/bench_audiences.py --seeds 1
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa

import concerted
from concerted.simulate_audiences import simulate_audiences

sys.path.insert(0, str(Path(__file__).parent))
from audiences_other_world import generate  # noqa: E402


def judge(log, truth: dict[str, str], roles: dict[str, str]) -> tuple[dict, float, list[str]]:
    started = time.perf_counter()
    result = concerted.detect(log)
    seconds = time.perf_counter() - started
    flagged = set(result.actors["actor"].to_pylist())
    found = Counter(kind for a, kind in truth.items() if a in flagged)
    kinds = Counter(truth.values())
    organic = [a for a in roles if a not in truth]
    innocent = [a for a in organic if a in flagged]
    figures = {
        "found": {k: f"{found[k]}/{kinds[k]}" for k in sorted(kinds)},
        "recall": sum(found.values()) / max(1, len(truth)),
        "innocent": len(innocent),
        "organic": len(organic),
        "fans": sum(roles[a] == "fan" for a in innocent),
        "all_fans": sum(r == "fan" for a, r in roles.items() if a not in truth),
    }
    return figures, seconds, result.summary["notes"]


def show(name: str, figures: dict, seconds: float, notes: list[str]) -> None:
    per_mille = 1000 * figures["innocent"] / max(1, figures["organic"])
    print(
        f"  {name:<44} recall {figures['recall']:.3f} {figures['found']}  "
        f"organic flagged {figures['innocent']:>5}/{figures['organic']} ({per_mille:.2f} per 1,000; "
        f"fans {figures['fans']}/{figures['all_fans']})  {seconds:5.1f} s"
    )
    for note in notes:
        if "look like reshares" in note:
            print("      note: " + note[:110] + "...")


VARIANTS = ((True, True), (False, True), (True, False), (False, False))
ONLY = {"all": VARIANTS, "authors": VARIANTS[:2], "no-authors": VARIANTS[2:]}


def label(originals: bool, authors: bool) -> str:
    return f"{'with' if originals else 'no'} originals, {'with' if authors else 'no'} author column"


def own(seeds: list[int], variants=VARIANTS) -> None:
    print("== concerted simulate audiences (5,000 actors, 7 days) ==")
    for seed in seeds:
        for originals, authors in variants:
            world = simulate_audiences(
                seed=seed, n_actors=5000, days=7, originals=originals, source_column=authors
            )
            truth = {a: "network" for a in world.truth["actor"].to_pylist()}
            roles = dict.fromkeys(world.log.table["actor"].unique().to_pylist(), "background")
            roles |= dict(
                zip(world.roles["actor"].to_pylist(), world.roles["role"].to_pylist(), strict=True)
            )
            show(f"seed {seed}, {label(originals, authors)}", *judge(world.log, truth, roles))


def other(seeds: list[int], actors: int, variants=VARIANTS) -> None:
    print(f"== audiences_other_world.py ({actors:,} actors, 5 days) ==")
    for seed in seeds:
        for originals, authors in variants:
            w = generate(seed, n_actors=actors, originals=originals, author_column=authors)
            columns = {
                "actor": pa.array(w["actor"], pa.string()),
                "object": pa.array([str(o) for o in w["object"]], pa.string()),
                "time": pa.array(w["time"], pa.float64()),
                "action": pa.array(w["action"], pa.string()),
                "text": pa.array(w["text"], pa.string()),
            }
            if authors:
                columns["source"] = pa.array(w["source"], pa.string())
            log = concerted.make_log(pa.table(columns), f"audiences_other_world(seed={seed})")
            truth = dict(zip(w["truth"]["actor"], w["truth"]["kind"], strict=True))
            roles = dict(zip(w["accounts"]["actor"], w["accounts"]["role"], strict=True))
            show(f"seed {seed}, {label(originals, authors)}", *judge(log, truth, roles))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--other-actors", type=int, default=20_000)
    parser.add_argument("--skip-own", action="store_true")
    parser.add_argument("--skip-other", action="store_true")
    parser.add_argument(
        "--only", choices=sorted(ONLY), default="all", help="the variants with or without authors"
    )
    args = parser.parse_args()
    if not args.skip_own:
        own([11 + i for i in range(args.seeds)], ONLY[args.only])
    if not args.skip_other:
        other([21 + i for i in range(args.seeds)], args.other_actors, ONLY[args.only])


if __name__ == "__main__":
    main()
