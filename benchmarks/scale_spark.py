"""Scale-out: the same detection on Spark (local mode) beside DuckDB, on bench_coaction's log.

Prints figures; asserts nothing about timing, only that both engines found the same groups.

    .venv/bin/python benchmarks/scale_spark.py [--actions 1000000] [--actions 10000000]
        [--master local[2]] [--partitions 8] [--driver-memory 8g] [--skip-duckdb]

Method
------
1. :func:`bench_coaction.generate_log` makes the seeded synthetic co-retweet log (Zipf-like
   accounts and objects, 20 planted groups of 12 sharing 30 objects within 20 s).
2. ``concerted.detect`` runs the default mode on it (windows 3, 10, 60 and 600 s, the significance
   test, crowds, groups) once with each engine, in this process; the Spark engine in local mode
   (``--master``, ``--partitions`` shuffle partitions), its session started before the clock.
3. Printed per engine: wall time of the whole run, the time spent inside the engine's methods
   (the joins: what a cluster distributes; the rest, the test and the groups on the few pairs
   kept, runs on the driver and is the same for both), the groups and pairs found, peak memory
   (``VmHWM``, the kernel's peak RSS, of this process and of Spark's JVM).
4. Spark's throughput per task slot: actions / (engine seconds x slots), where slots are the
   cores of ``local[n]``. On a shared machine this is a floor: a slot does not own its core.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import concerted  # noqa: E402
from bench_coaction import generate_log  # noqa: E402
from concerted.engines.duckdb import DuckDBEngine  # noqa: E402
from concerted.engines.spark import SparkEngine  # noqa: E402

ENGINE_METHODS = (
    "count_co_actions",
    "describe_pairs",
    "co_action_windows",
    "group_co_action",
    "recurring_bursts",
    "group_actions",
)


def peak_rss_mib(pid: int) -> float:
    """The kernel's peak resident set (VmHWM) of process ``pid``, in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def java_children() -> list[int]:
    """The ids of this process's java children (Spark's JVM in local mode)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            name = stat.read_text().split("(", 1)[1].split(")", 1)[0]
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and name == "java":
            found.append(int(stat.parent.name))
    return found


def timed_engine(engine):
    """``engine`` with its methods timed: returns it and the dict of seconds spent in them
    (outermost calls only: co_action_windows calls count_co_actions and describe_pairs)."""
    spent = {"seconds": 0.0, "depth": 0}
    for name in ENGINE_METHODS:
        method = getattr(engine, name)

        def wrapper(*args, _method=method, **kwargs):
            spent["depth"] += 1
            started = time.perf_counter()
            try:
                return _method(*args, **kwargs)
            finally:
                spent["depth"] -= 1
                if spent["depth"] == 0:
                    spent["seconds"] += time.perf_counter() - started

        setattr(engine, name, wrapper)
    return engine, spent


def run(engine, log, label: str) -> tuple[concerted.Result, float]:
    """The default detection with ``engine``; returns the result and the engine's seconds."""
    engine, spent = timed_engine(engine)
    started = time.perf_counter()
    result = concerted.detect(log, engine=engine)
    wall = time.perf_counter() - started
    s = result.summary
    print(
        f"  {label:<8} {wall:8.1f} s wall, {spent['seconds']:8.1f} s in the engine; "
        f"{s['groups']:,} groups, {s['coordinated_actors']:,} actors, "
        f"{s['coordinated_pairs']:,} pairs",
        flush=True,
    )
    return result, spent["seconds"]


def same(a: concerted.Result, b: concerted.Result) -> bool:
    return all(
        getattr(a, t).to_pylist() == getattr(b, t).to_pylist()
        for t in ("edges", "groups", "actors")
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, action="append", help="repeatable")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--skip-duckdb", action="store_true")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    sizes = args.actions or [1_000_000]
    slots = os.cpu_count() if args.master == "local[*]" else int(args.master[6:-1])
    spark = SparkEngine(
        master=args.master,
        conf={
            "spark.sql.shuffle.partitions": str(args.partitions),
            "spark.driver.memory": args.driver_memory,
        },
    )
    started = time.perf_counter()
    spark.session()
    print(f"Spark {args.master}: session started in {time.perf_counter() - started:.1f} s")
    for n in sizes:
        print(f"\n== {n:,} actions (bench_coaction generator, seed {args.seed}), default mode ==")
        log = concerted.make_log(generate_log(n, seed=args.seed))
        duck = None if args.skip_duckdb else run(DuckDBEngine(), log, "duckdb")[0]
        sp, seconds = run(spark, log, "spark")
        rate = n / (seconds * slots)
        print(
            f"  spark throughput: {n / seconds:,.0f} actions/s in the engine, "
            f"{rate:,.0f} actions/s per task slot ({slots} slots, "
            f"{args.partitions} shuffle partitions)"
        )
        if duck is not None:
            print(f"  same groups, pairs and actors as DuckDB: {'yes' if same(duck, sp) else 'NO'}")
    jvm = java_children()
    print(
        f"\npeak RSS: python {peak_rss_mib(os.getpid()):,.0f} MiB"
        + "".join(f", Spark JVM {peak_rss_mib(pid):,.0f} MiB" for pid in jvm)
    )


if __name__ == "__main__":
    main()
