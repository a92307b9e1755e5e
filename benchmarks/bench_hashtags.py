"""The hashtag lens on worlds with an answer key: takeovers found, organic spikes spared.

Two generators, written apart:

* ``concerted simulate hashtags`` (:mod:`concerted.lenses.hashtags.simulate`): ~20 tag
  communities, a K-pop-like fan flood (several hundred newcomers, fancam links, bursts, a third in
  copy-paste groups), two organic spikes (x10-x50 within the hour, mostly the community, on
  topic) and a tag that grows;
* ``benchmarks/hashtags_other_world.py``, written without reading concerted's code: a smaller,
  tighter hijack (60-160 accounts posting copy-paste political slogans in waves), a trending spike
  made mostly by newcomers on topic, a match spike with an organic copied cheer, and a tag whose
  community rotates.

For every world the script runs ``concerted hashtags posts.csv --out DIR`` (the .venv's
``concerted``, as a user would) and prints: the takeover start error in minutes against the
truth, how many organic spikes (and organic tags) were called takeovers, the flooders' precision
and recall, and the run's seconds and peak RSS. Targets (issue 17): start within 30 minutes,
no spike called a takeover, precision >= 0.90, recall >= 0.80; 10M posts in under 5 minutes and
8 GB (``--scale 10000000``).

    .venv/bin/python benchmarks/bench_hashtags.py                 # 3 seeds, 2 sizes, both worlds
    .venv/bin/python benchmarks/bench_hashtags.py --seeds 1 --posts 50000
    .venv/bin/python benchmarks/bench_hashtags.py --scale 10000000 --no-accuracy

Exit status: 0 when every figure meets its target, 1 when one misses, 2 when the lens is missing.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CONCERTED = str(BIN / "concerted") if (BIN / "concerted").exists() else "concerted"

sys.path.insert(0, str(HERE))
from hashtags_other_world import generate, write  # noqa: E402


def _seconds(iso: str) -> float | None:
    if not iso:
        return None
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _truthy(value: str) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def lens_available() -> bool:
    """Whether this concerted has the ``hashtags`` command."""
    try:
        done = subprocess.run(
            [CONCERTED, "hashtags", "--help"], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


# Runs one command and prints its own peak RSS (KB) last on stderr: RUSAGE_CHILDREN of this script
# would also count the simulator's run.
_PEAK = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print('peak_kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(r.returncode)"
)


def run_lens(posts: Path, out: Path) -> tuple[float, float, str]:
    """Run the lens as a user would; its seconds, its peak RSS (MB) and its stderr."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, CONCERTED, "hashtags", str(posts), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"concerted hashtags failed on {posts}:\n{done.stderr[-3000:]}")
    last = done.stderr.strip().splitlines()[-1]
    return seconds, int(last.split()[1]) / 1024, done.stderr


def judge(world: Path, out: Path) -> dict:
    """The lens's answer against the world's truth."""
    truth = list(csv.DictReader(open(world / "truth_hashtags.csv", encoding="utf-8")))
    truth_flooders = {
        (r["actor"], r["hashtag"])
        for r in csv.DictReader(open(world / "truth_flooders.csv", encoding="utf-8"))
    }
    called = {}
    for r in csv.DictReader(open(out / "hashtags.csv", encoding="utf-8")):
        called[r["hashtag"].lower()] = r
    found = {
        (r["actor"], r["hashtag"].lower())
        for r in csv.DictReader(open(out / "flooders.csv", encoding="utf-8"))
    }
    errors, missed = [], []
    spikes_called = organic_called = 0
    for row in truth:
        answer = called.get(row["hashtag"])
        said = answer is not None and _truthy(answer["takeover"])
        if row["kind"] == "takeover":
            if not said:
                missed.append(row["hashtag"])
                continue
            start = _seconds(answer.get("takeover_start", ""))
            errors.append(None if start is None else abs(start - _seconds(row["start"])) / 60.0)
        elif said and row["kind"] == "spike":
            spikes_called += 1
        elif said:
            organic_called += 1
    hits = len(found & truth_flooders)
    return {
        "takeovers": sum(r["kind"] == "takeover" for r in truth),
        "missed": missed,
        "start_error_min": errors,
        "spikes": sum(r["kind"] == "spike" for r in truth),
        "spikes_called": spikes_called,
        "organic_called": organic_called,
        "precision": hits / len(found) if found else (1.0 if not truth_flooders else 0.0),
        "recall": hits / len(truth_flooders) if truth_flooders else 1.0,
        "flooders_found": len(found),
        "flooders_true": len(truth_flooders),
    }


def passes(f: dict) -> bool:
    starts_ok = all(e is not None and e <= 30 for e in f["start_error_min"])
    return (
        not f["missed"]
        and starts_ok
        and f["spikes_called"] == 0
        and f["precision"] >= 0.90
        and f["recall"] >= 0.80
    )


def show(name: str, f: dict, seconds: float, peak_mb: float, n_posts: int) -> None:
    starts = ", ".join("?" if e is None else f"{e:.0f}" for e in f["start_error_min"]) or "-"
    print(
        f"{name:28s} {n_posts:>10,} posts  start error (min) {starts:>8s}  "
        f"missed {len(f['missed'])}/{f['takeovers']}  spikes called {f['spikes_called']}/{f['spikes']}  "
        f"organic called {f['organic_called']}  flooders P {f['precision']:.2f} R {f['recall']:.2f} "
        f"({f['flooders_found']}/{f['flooders_true']})  {seconds:6.1f} s  {peak_mb:7.0f} MB  "
        f"{'ok' if passes(f) else 'MISS'}"
    )


def _count_rows(path: Path) -> int:
    with open(path, encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def make_world(kind: str, seed: int, posts: int, folder: Path) -> None:
    if kind == "simulate":
        done = subprocess.run(
            [CONCERTED, "simulate", "hashtags", "--out", str(folder), "--seed", str(seed),
             "--posts", str(posts)],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"concerted simulate hashtags failed:\n{done.stderr[-3000:]}")
    elif kind == "third":
        done = subprocess.run(
            [sys.executable, str(Path(__file__).parent / "hashtags_third_world.py"),
             "--seed", str(seed), "--posts", str(posts), "--out", str(folder)],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"hashtags_third_world.py failed:\n{done.stderr[-3000:]}")
    else:
        write(generate(seed, posts), folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="Seeds per generator and size.")
    parser.add_argument(
        "--posts",
        type=int,
        nargs="+",
        default=[50_000, 200_000],
        help="World sizes (organic posts).",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="Also time the lens on a world of this many posts (e.g. 10000000); off by default.",
    )
    parser.add_argument("--no-accuracy", action="store_true", help="Only the scale run.")
    parser.add_argument("--keep", help="Keep the worlds and results in this folder.")
    args = parser.parse_args()

    if not lens_available():
        print(
            f"The hashtag lens is not in this concerted ({CONCERTED}): `concerted hashtags` is "
            "missing. Merge it (src/concerted/lenses/hashtags/) and run `make setup`, then run "
            "this again.",
            file=sys.stderr,
        )
        return 2

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_hashtags_"))
    base.mkdir(parents=True, exist_ok=True)
    print(f"worlds and results in {base}; cores {os.cpu_count()}")
    ok = True
    if not args.no_accuracy:
        for kind in ("simulate", "other", "third"):
            for posts in args.posts:
                for seed in range(100, 100 + args.seeds):  # seeds the tests never use
                    name = f"{kind}-{posts}-s{seed}"
                    world, out = base / name, base / f"{name}-out"
                    make_world(kind, seed, posts, world)
                    seconds, peak, _ = run_lens(world / "posts.csv", out)
                    figures = judge(world, out)
                    show(name, figures, seconds, peak, _count_rows(world / "posts.csv"))
                    ok &= passes(figures)
    if args.scale:
        name = f"scale-{args.scale}"
        world, out = base / name, base / f"{name}-out"
        started = time.perf_counter()
        make_world("simulate", 1, args.scale, world)
        print(f"{name}: world written in {time.perf_counter() - started:.0f} s")
        seconds, peak, _ = run_lens(world / "posts.csv", out)
        figures = judge(world, out)
        show(name, figures, seconds, peak, _count_rows(world / "posts.csv"))
        fast = seconds < 300 and peak < 8 * 1024
        print(
            f"{name}: {seconds:.0f} s, {peak:,.0f} MB peak: {'ok' if fast else 'MISS'} (< 300 s, < 8 GB)"
        )
        ok &= fast and passes(figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
