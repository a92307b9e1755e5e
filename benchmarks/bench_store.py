"""Evidence store figures: ingest speed, crash safety under random kills, evidence pack checking.

    .venv/bin/python benchmarks/bench_store.py                 # 1M actions, 100 kills, 10k-action pack
    .venv/bin/python benchmarks/bench_store.py --actions 200000 --kills 20

1. **Ingest.** Two snapshots of N generated actions (N/200 actors on N/50 objects over a day,
   with a short text): the first of N actions, the second without every 7th of them and with
   N/10 new ones. Time is wall-clock of :func:`concerted.ingest` in this process,
   reading the CSV included; actions per minute = distinct actions in the file / time * 60.
   Then :func:`concerted.verify_store` on the resulting store.
2. **Crash.** A store holding one snapshot of --crash-actions actions; an ingest of a second
   snapshot into a fresh copy of it, run as a subprocess, is killed with SIGKILL --kills times:
   half at a uniformly random moment of the whole command, half at a random moment of its
   writing phase (after it prints that it starts storing). Each copy is then checked with
   verify_store and classified: exactly as before, exactly as after, or anything else (broken).
3. **Pack.** A store where 50 accounts act together on 200 objects (10,000 actions) amid 20,000
   organic actions; detection (classic co-action, 60 s), then the pack of the group is exported
   and checked three ways: :func:`concerted.verify_pack`, with the store, and the shipped
   ``verify_pack.py`` in a fresh Python process (its start-up included).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from concerted import CoAction, detect_store, export_evidence, ingest, verify_pack, verify_store


def write_actions(path: Path, n: int, seed: int, drop_every: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    actors, objects = max(n // 200, 50), max(n // 50, 200)
    actor = rng.integers(0, actors, n)
    obj = rng.integers(0, objects, n)
    t = np.sort(rng.uniform(0, 86400, n)).round(3)
    keep = np.ones(n, bool)
    if drop_every:
        keep[::drop_every] = False
    with open(path, "w") as f:
        f.write("actor,object,time,text\n")
        f.writelines(
            f"u{a},o{o},{s},post about o{o}\n"
            for a, o, s in zip(actor[keep], obj[keep], t[keep], strict=True)
        )
        if drop_every:
            extra = rng.uniform(0, 86400, n // 10).round(3)
            f.writelines(f"n{i % 700},o{i % 3000},{s},new post\n" for i, s in enumerate(extra))
    return path


def bench_ingest(work: Path, n: int) -> None:
    first = write_actions(work / "ingest-1.csv", n, seed=1)
    second = write_actions(work / "ingest-2.csv", n, seed=1, drop_every=7)
    store = work / "ingest-store"
    for i, path in enumerate((first, second), start=1):
        started = time.perf_counter()
        r = ingest(path, store, snapshot_time=1000 * i)
        seconds = time.perf_counter() - started
        print(
            f"ingest snapshot {i}: {r.actions:,} actions ({r.new:,} new, {r.deleted:,} deleted) "
            f"in {seconds:.2f} s = {r.actions / seconds * 60:,.0f} actions/minute"
        )
    started = time.perf_counter()
    again = ingest(second, store, snapshot_time=9000)
    print(
        f"ingest the same file again: {time.perf_counter() - started:.2f} s (already={again.already})"
    )
    started = time.perf_counter()
    report = verify_store(store)
    print(
        f"verify: ok={report.ok}, {report.counts['actions']:,} actions, "
        f"{report.counts['sightings']:,} sightings in {time.perf_counter() - started:.2f} s"
    )
    size = sum(p.stat().st_size for p in store.iterdir())
    print(f"store size: {size / 1e6:.0f} MB ({size / report.counts['actions']:.0f} bytes/action)")


def _state(folder: Path):
    report = verify_store(folder)
    if not report.ok:
        return ("broken", tuple(report.problems))
    c = report.counts
    return (c["snapshots"], c["actions"], c["deleted"], c["sightings"])


def _start(folder: Path, log: Path) -> subprocess.Popen:
    code = (
        "import sys; from concerted.store import ingest; "
        "ingest(sys.argv[1], sys.argv[2], snapshot_time=2000, "
        "progress=lambda m: print(m, flush=True))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(log), str(folder)], stdout=subprocess.PIPE, text=True
    )


def _wait_writing(process: subprocess.Popen) -> None:
    for line in process.stdout:
        if line.startswith("storing"):
            return


def bench_crash(work: Path, n: int, kills: int, seed: int) -> None:
    base = work / "crash-base"
    ingest(write_actions(work / "crash-1.csv", n, seed=2), base, snapshot_time=1000)
    log = write_actions(work / "crash-2.csv", n, seed=2, drop_every=7)
    before = _state(base)
    reference = work / "crash-reference"
    shutil.copytree(base, reference)
    started = time.perf_counter()
    process = _start(reference, log)
    _wait_writing(process)
    writing = time.perf_counter()
    process.stdout.read()
    process.wait()
    total, write = time.perf_counter() - started, time.perf_counter() - writing
    after = _state(reference)
    rng = random.Random(seed)
    outcome = {"before": 0, "after": 0, "broken": 0}
    broken = []
    for i in range(kills):
        copy = work / "crash-copy"
        shutil.copytree(base, copy)
        process = _start(copy, log)
        if i % 2:
            _wait_writing(process)
            time.sleep(rng.uniform(0, write * 1.1))
        else:
            time.sleep(rng.uniform(0, total))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        found = _state(copy)
        kind = "before" if found == before else "after" if found == after else "broken"
        outcome[kind] += 1
        if kind == "broken":
            broken.append(found)
        shutil.rmtree(copy)
    print(
        f"crash: {kills} SIGKILLs during ingests of {n:,} actions (command {total:.2f} s, "
        f"writing {write:.2f} s): {outcome['before']} as before, {outcome['after']} as after, "
        f"{outcome['broken']} corrupt or partial"
    )
    for b in broken[:5]:
        print("   broken:", b)


def bench_pack(work: Path) -> None:
    rng = np.random.default_rng(3)
    lines = ["actor,object,time,text"]
    for k in range(200):  # the campaign: 50 accounts push 200 links, each within a minute
        onset = k * 400.0
        lines += [f"c{m},link{k},{onset + rng.uniform(0, 50):.3f},push {k}" for m in range(50)]
    for _ in range(20_000):
        lines.append(
            f"u{rng.integers(0, 4000)},o{rng.integers(0, 8000)},{rng.uniform(0, 86400):.3f},x"
        )
    path = work / "pack-actions.csv"
    path.write_text("\n".join(lines) + "\n")
    store = work / "pack-store"
    ingest(path, store, snapshot_time=100_000)
    result, run = detect_store(store, detector=CoAction(window_seconds=60, significance=False))
    biggest = max(result.groups.to_pylist(), key=lambda g: g["actions"])
    pack = work / "pack"
    started = time.perf_counter()
    export_evidence(store, biggest["group"], pack)
    exported = time.perf_counter() - started
    started = time.perf_counter()
    report = verify_pack(pack)
    offline = time.perf_counter() - started
    started = time.perf_counter()
    with_store = verify_pack(pack, store_dir=store)
    against = time.perf_counter() - started
    started = time.perf_counter()
    script = subprocess.run(
        [sys.executable, "-I", str(pack / "verify_pack.py"), str(pack)], capture_output=True
    )
    shipped = time.perf_counter() - started
    print(
        f"pack: group {biggest['group']} of {run}, {report.actions:,} actions, exported in "
        f"{exported:.2f} s; verify_pack {offline:.2f} s (ok={report.ok}), with the store "
        f"{against:.2f} s (ok={with_store.ok}), shipped verify_pack.py {shipped:.2f} s "
        f"(exit {script.returncode})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1_000_000)
    parser.add_argument("--crash-actions", type=int, default=100_000)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--skip", nargs="*", default=[], choices=["ingest", "crash", "pack"])
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-store-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; work in {work}")
    try:
        if "ingest" not in args.skip:
            bench_ingest(work, args.actions)
        if "pack" not in args.skip:
            bench_pack(work)
        if "crash" not in args.skip:
            bench_crash(work, args.crash_actions, args.kills, args.seed)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
