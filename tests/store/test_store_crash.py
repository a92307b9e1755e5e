"""An ingest killed (SIGKILL) at random moments leaves the store exactly as before or as after."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from concerted.store import StoreError, ingest, verify_store

KILLS = 12


def write_actions(path: Path, n: int, seed: int, drop_every: int = 0) -> Path:
    """``n`` actions of 5,000 actors on 20,000 objects over a day; with ``drop_every`` k, every
    k-th action is left out (deleted upstream) and a tenth as many new ones are added."""
    rng = np.random.default_rng(seed)
    actor = rng.integers(0, 5000, n)
    obj = rng.integers(0, 20000, n)
    t = np.sort(rng.uniform(0, 86400, n)).round(3)
    keep = np.ones(n, bool)
    if drop_every:
        keep[::drop_every] = False
    with open(path, "w") as f:
        f.write("actor,object,time,text\n")
        for a, o, s in zip(actor[keep], obj[keep], t[keep], strict=True):
            f.write(f"u{a},o{o},{s},post about o{o}\n")
        if drop_every:
            extra = rng.uniform(0, 86400, n // 10).round(3)
            for i, s in enumerate(extra):
                f.write(f"n{i % 700},o{i % 3000},{s},new post\n")
    return path


def state(folder: Path) -> tuple:
    report = verify_store(folder)
    assert report.ok, report.problems
    c = report.counts
    return c["snapshots"], c["actions"], c["deleted"], c["sightings"]


def run_ingest(folder: Path, log: Path) -> subprocess.Popen:
    """An ingest in a subprocess that prints its progress (``storing ...`` just before it opens
    the store to write)."""
    code = (
        "import sys; from concerted.store import ingest; "
        "ingest(sys.argv[1], sys.argv[2], snapshot_time=2000, progress=lambda m: print(m, flush=True))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(log), str(folder)], stdout=subprocess.PIPE, text=True
    )


def wait_for_writing(process: subprocess.Popen) -> None:
    for line in process.stdout:
        if line.startswith("storing"):
            return


def kill_ingest_at_random(base: Path, log: Path, work: Path, kills: int, seed: int) -> dict:
    """Copy the store ``base``, start an ingest of ``log`` into the copy, SIGKILL it after a
    random delay; ``kills`` times. Returns how many copies ended as before, as after, or broken.

    Most of an ingest is reading the file; so every other kill waits for the ingest to start
    writing, then strikes at a random moment of the write (or just after it)."""
    before = state(base)
    reference = work / "reference"
    shutil.copytree(base, reference)
    started = time.perf_counter()
    process = run_ingest(reference, log)
    wait_for_writing(process)
    writing = time.perf_counter()
    process.stdout.read()
    assert process.wait() == 0
    duration, write_duration = time.perf_counter() - started, time.perf_counter() - writing
    after = state(reference)
    assert after != before
    rng = random.Random(seed)
    outcome = {"before": 0, "after": 0, "broken": 0, "write_seconds": round(write_duration, 3)}
    for i in range(kills):
        copy = work / f"kill-{i}"
        shutil.copytree(base, copy)
        process = run_ingest(copy, log)
        if i % 2:
            wait_for_writing(process)
            time.sleep(rng.uniform(0.0, write_duration * 1.1))
        else:
            time.sleep(rng.uniform(0.0, duration))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        try:
            found = state(copy)
        except AssertionError:
            found = None
        outcome["before" if found == before else "after" if found == after else "broken"] += 1
        shutil.rmtree(copy)
    return outcome


@pytest.mark.slow
def test_ingest_killed_at_random_moments_is_all_or_nothing(tmp_path):
    base = tmp_path / "base"
    ingest(write_actions(tmp_path / "s1.csv", 60_000, seed=1), base, snapshot_time=1000)
    second = write_actions(tmp_path / "s2.csv", 60_000, seed=1, drop_every=7)
    outcome = kill_ingest_at_random(base, second, tmp_path, KILLS, seed=3)
    assert outcome["broken"] == 0, outcome
    assert outcome["before"] + outcome["after"] == KILLS, outcome
    # The kills must land while the ingest runs, or the test proves nothing.
    assert outcome["before"] >= KILLS // 3, outcome
    assert outcome["after"] >= 1, outcome


@pytest.mark.slow
def test_first_ingest_killed_leaves_no_store_or_a_whole_one_and_a_retry_works(tmp_path):
    log = write_actions(tmp_path / "s1.csv", 30_000, seed=4)
    rng = random.Random(5)
    outcomes = set()
    for i in range(6):
        folder = tmp_path / f"first-{i}"
        process = run_ingest(folder, log)
        if i % 2:
            wait_for_writing(process)
            time.sleep(rng.uniform(0.0, 0.5))
        else:
            time.sleep(rng.uniform(0.0, 2.0))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        try:
            outcomes.add(state(folder))
        except StoreError:
            outcomes.add("no store")
        # Whatever the kill left, ingesting again gives the whole snapshot.
        ingest(log, folder, snapshot_time=2000)
        assert state(folder)[:2] == (1, 30_000)
    # No store, an empty one (its tables are created in a transaction of their own), or the whole
    # snapshot: never part of it.
    assert outcomes <= {"no store", (0, 0, 0, 0), (1, 30_000, 0, 30_000)}, outcomes
