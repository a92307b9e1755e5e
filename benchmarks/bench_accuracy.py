"""Accuracy of concerted's default mode against classic co-action, on worlds with a known answer.

Prints, for each world, precision / recall / F1 of the flagged actors and the run time:

* ``concerted simulate`` worlds (organic traps + planted campaigns) over several seeds, and worlds
  with no campaign at all (every flagged actor is a false positive);
* worlds from a different generator, written by another hand: the synthetic co-retweet log of
  ``bench_coaction.py`` (heavy-tailed activity and popularity, its own planted groups), so the
  default is not only judged on the simulator it was developed with;
* classic co-action (fixed window, fixed minimum repeat, no significance) at every setting of a
  grid, and the single setting with the best mean F1 on the simulated worlds (an oracle choice
  that no user could make without the answer key);
* coordination-network-toolkit (co-retweet, every action a repost of its object) on the same
  worlds at a grid of windows and minimum edge weights, its best setting chosen the same way;
* worlds of the simulator's campaign *family* the size of the Significance issue's reference
  world (20,000 actors, 9 campaigns of random kind, tempo, size and participation), each also
  without its campaigns, with classic co-action's best grid setting beside the default.

Run with ``.venv/bin/python benchmarks/bench_accuracy.py [--seeds 5]``. Time is wall clock of the
in-process ``detect()`` call, data already loaded.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv

from concerted import CoAction, detect, load_log, make_log, write_results
from concerted.evaluate import evaluate
from concerted.simulate import simulate_world, write_world

GRID = [(w, k) for w in (10, 60, 600) for k in (2, 3, 5, 8)]
BEST_CLASSIC: list[tuple[int, int]] = []  # the grid's best setting, once simulated() has run


def _score(log, truth_path: Path, detector, work: Path) -> tuple[dict, float]:
    started = time.perf_counter()
    result = detect(log, detector=detector)
    seconds = time.perf_counter() - started
    out = work / "results"
    write_results(result, out)
    return evaluate(out, truth_path), seconds


def _line(label: str, r: dict, seconds: float) -> str:
    return (
        f"  {label:<34} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}  "
        f"flagged {r['actors_flagged']:>5}  innocent {r['false_positives']:>5}  "
        f"campaigns {r['campaigns_found']}/{r['campaigns']}  group F1 {r['group_f1']:.2f}  "
        f"{seconds:6.1f} s"
    )


def _spread(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0]:.3f}" if values else "-"
    return f"{statistics.mean(values):.3f} (min {min(values):.3f}, max {max(values):.3f})"


def simulated(seeds: list[int], work: Path) -> None:
    print(f"\n== concerted simulate worlds, seeds {seeds} (5,000 actors, 7 days) ==")
    default = {"precision": [], "recall": [], "f1": [], "seconds": []}
    classic: dict[tuple, list[float]] = {setting: [] for setting in GRID}
    classic_seconds = []
    for seed in seeds:
        world = simulate_world(seed=seed)
        paths = write_world(world, work / f"world{seed}")
        log = load_log(paths["actions"])
        r, s = _score(log, paths["truth"], CoAction(), work)
        print(_line(f"seed {seed} default", r, s))
        for key in ("precision", "recall", "f1"):
            default[key].append(r[key])
        default["seconds"].append(s)
        for w, k in GRID:
            r, s = _score(
                log,
                paths["truth"],
                CoAction(window_seconds=w, min_repeat=k, significance=False),
                work,
            )
            classic[(w, k)].append(r["f1"])
            if (w, k) == (60, 2):
                classic_seconds.append(s)
    best = max(GRID, key=lambda setting: statistics.mean(classic[setting]))
    BEST_CLASSIC[:] = [best]
    print("  classic co-action, mean F1 by setting (window s, min repeat):")
    print("   " + "  ".join(f"{w}/{k}: {statistics.mean(classic[(w, k)]):.2f}" for w, k in GRID))
    print(f"  default   precision {_spread(default['precision'])}")
    print(f"            recall    {_spread(default['recall'])}")
    print(f"            F1        {_spread(default['f1'])}")
    print(f"  classic best fixed setting {best[0]} s / {best[1]}: F1 {_spread(classic[best])}")
    ratio = statistics.mean(default["seconds"]) / statistics.mean(classic_seconds)
    print(
        f"  run time: default {statistics.mean(default['seconds']):.1f} s, classic 60 s / 2 "
        f"{statistics.mean(classic_seconds):.1f} s (x{ratio:.1f})"
    )


def family(seeds: list[int], work: Path, n_actors: int, n_campaigns: int) -> None:
    """Worlds of the simulator's campaign family (random kinds, tempos, sizes 10-200,
    participation 0.4-0.9, hijacked hashtags, stealth), the size of the issue's reference world,
    and the same organic worlds with no campaign."""
    print(
        f"\n== campaign-family worlds, seeds {seeds} ({n_actors:,} actors, {n_campaigns} "
        "campaigns, 7 days) =="
    )
    totals: dict[str, list[float]] = {"precision": [], "recall": [], "f1": [], "group_f1": []}
    ratios = []
    for seed in seeds:
        world = simulate_world(seed=seed, n_actors=n_actors, n_campaigns=n_campaigns)
        paths = write_world(world, work / f"family{seed}")
        log = load_log(paths["actions"])
        r, s = _score(log, paths["truth"], CoAction(), work)
        print(_line(f"seed {seed} default ({len(log):,} actions)", r, s))
        for key in totals:
            totals[key].append(r[key])
        missed = [f"{c['campaign']} ({c['size']}, R {c['recall']:.2f})" for c in r["per_campaign"]
                  if not c["found"]]  # fmt: skip
        if missed:
            print(f"    missed: {', '.join(missed)}")
        w, k = BEST_CLASSIC[0] if BEST_CLASSIC else (60, 2)
        rc, sc = _score(
            log, paths["truth"], CoAction(window_seconds=w, min_repeat=k, significance=False), work
        )
        print(_line(f"seed {seed} classic {w} s / {k}", rc, sc))
        r6, s6 = _score(
            log, paths["truth"], CoAction(window_seconds=60, min_repeat=2, significance=False), work
        )
        ratios.append(s / s6)
        empty = simulate_world(seed=seed, n_actors=n_actors, campaigns=False)
        epaths = write_world(empty, work / f"family_empty{seed}")
        re, se = _score(load_log(epaths["actions"]), epaths["truth"], CoAction(), work)
        print(
            f"    same world, no campaign: {re['actors_flagged']} of {n_actors:,} actors flagged "
            f"({100 * re['actors_flagged'] / n_actors:.2f} %), {se:.1f} s"
        )
    for key, values in totals.items():
        print(f"  default {key:<9} {_spread(values)}")
    print(f"  run time default / classic 60 s / 2: x{statistics.mean(ratios):.1f}")


def no_campaign(seeds: list[int], work: Path) -> None:
    print(f"\n== worlds with no campaign, seeds {seeds} ==")
    for seed in seeds:
        world = simulate_world(seed=seed, campaigns=False)
        paths = write_world(world, work / f"empty{seed}")
        log = load_log(paths["actions"])
        r, s = _score(log, paths["truth"], CoAction(), work)
        n = len(set(log.table["actor"].to_pylist()))
        print(
            f"  seed {seed}: {r['actors_flagged']} of {n:,} actors flagged "
            f"({100 * r['actors_flagged'] / n:.2f} %), {s:.1f} s"
        )


def other_generator(seeds: list[int], work: Path, n_actions: int) -> None:
    from bench_coaction import generate_world

    print(f"\n== bench_coaction.py's generator, {n_actions:,} actions, 20 planted groups of 12 ==")
    for seed in seeds:
        table, truth = generate_world(n_actions, seed=seed)
        truth_path = work / f"other_truth{seed}.csv"
        pacsv.write_csv(truth, str(truth_path))
        log = make_log(table, source=f"bench_coaction seed {seed}")
        r, s = _score(log, truth_path, CoAction(), work)
        print(_line(f"seed {seed} default", r, s))
        r, s = _score(
            log, truth_path, CoAction(window_seconds=60, min_repeat=2, significance=False), work
        )
        print(_line(f"seed {seed} classic 60 s / 2", r, s))


def peer_on_worlds(seeds: list[int], work: Path) -> None:
    """coordination-network-toolkit on the same simulated worlds: every action is a "repost" of
    its object, and an account is flagged when it has an edge at the setting's minimum weight."""
    import sqlite3
    import subprocess

    import pyarrow as pa
    import pyarrow.compute as pc

    from bench_coaction import PEER, write_peer_csv

    if not Path(PEER).exists():
        print("\n(coordination-network-toolkit is not installed: pip install '.[bench]')")
        return
    grid = [(w, k) for w in (10, 60, 600) for k in (2, 5, 8)]
    print(f"\n== coordination-network-toolkit on the same worlds, seeds {seeds} ==")
    f1: dict[tuple, list[float]] = {setting: [] for setting in grid}
    for seed in seeds:
        world = simulate_world(seed=seed)
        t = world.log.table
        table = pa.table({"actor": t["actor"], "object": t["object"], "time": pc.floor(t["time"])})
        csv_path, db = work / f"peer{seed}.csv", work / f"peer{seed}.db"
        write_peer_csv(table, csv_path)
        db.unlink(missing_ok=True)
        subprocess.run(
            [PEER, str(db), "preprocess", "--format", "csv", str(csv_path)],
            check=True,
            capture_output=True,
        )
        planted = set(world.truth["actor"].to_pylist())
        for w, k in grid:
            subprocess.run(
                [
                    PEER,
                    str(db),
                    "compute",
                    "co_retweet",
                    "--time_window",
                    str(w),
                    "--min_edge_weight",
                    str(k),
                ],
                check=True,
                capture_output=True,
            )
            with sqlite3.connect(db) as con:
                rows = con.execute(
                    "select user_1 from co_retweet_network where user_1 != user_2 "
                    "union select user_2 from co_retweet_network where user_1 != user_2"
                ).fetchall()
            flagged = {r[0] for r in rows}
            tp = len(flagged & planted)
            p = tp / len(flagged) if flagged else 0.0
            r = tp / len(planted) if planted else 0.0
            f1[(w, k)].append(2 * p * r / (p + r) if p + r else 0.0)
    print("  mean F1 by setting (window s, min edge weight):")
    print("   " + "  ".join(f"{w}/{k}: {statistics.mean(f1[(w, k)]):.2f}" for w, k in grid))
    best = max(grid, key=lambda setting: statistics.mean(f1[setting]))
    print(f"  peer best fixed setting {best[0]} s / {best[1]}: F1 {_spread(f1[best])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--other-actions", type=int, default=300_000)
    parser.add_argument("--skip-peer", action="store_true", help="do not run the peer")
    parser.add_argument("--family-seeds", type=int, default=5)
    parser.add_argument("--family-actors", type=int, default=20_000)
    parser.add_argument("--family-campaigns", type=int, default=9)
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        simulated(seeds, work)
        no_campaign(seeds, work)
        other_generator(seeds[:3], work, args.other_actions)
        if args.family_seeds:
            family(
                list(range(1, args.family_seeds + 1)),
                work,
                args.family_actors,
                args.family_campaigns,
            )
        if not args.skip_peer:
            peer_on_worlds(seeds, work)


if __name__ == "__main__":
    main()
