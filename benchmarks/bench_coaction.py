"""Co-action benchmark: concerted against coordination-network-toolkit (the QUT "peer").

Prints figures; asserts nothing about timing.

    .venv/bin/python benchmarks/bench_coaction.py [--actions 1000000] [--big 10000000]
                                                  [--skip-big] [--skip-peer] [--parity]

Method
------
1. A seeded synthetic co-retweet log is generated with NumPy: ``actions / 10`` accounts with
   Zipf-like activity (exponent 0.6), ``actions / 5`` objects with Zipf-like popularity (exponent
   0.9; at 1M actions the top objects get tens of thousands of shares), object creation times
   uniform over 30 days and each share a log-normal delay after its object's creation (median
   10 min x expected shares ** (1/3), so popular objects are shared over longer). Planted groups
   of accounts share the same objects within 20 s of each other. Times are whole seconds, so gaps
   of exactly the window are common and the inclusive boundary is exercised. For logs above 1M
   actions the popularity and activity profiles are repeated rather than stretched, so per-object
   share counts (and pairs per action) stay comparable across sizes.
2. The log is written twice: concerted's canonical CSV (``actor,object,time``) and the peer's
   preprocess CSV (``message_id,user_id,username,repost_id,reply_id,message,timestamp,urls``,
   every row a repost of ``repost_id`` = the object).
3. Each tool runs as whole commands in a child process, started by a small launcher process that
   times the command (wall clock) and reaps it. Memory is measured in two ways, both printed:
   - "tree": the sum of RSS over the command and all its descendants, sampled with psutil every
     50 ms (the peer runs a main process, a multiprocessing manager and a worker pool, so this is
     what it occupies at once; it over-counts pages shared between forked processes and can miss
     spikes shorter than 50 ms);
   - "max1": the kernel's peak RSS of the largest single process in the command's tree
     (``ru_maxrss`` from ``os.wait4``, the per-child form of ``getrusage(RUSAGE_CHILDREN)``).
     The launcher exists for this: on Linux a child's ``ru_maxrss`` inherits the peak RSS of
     whoever forked it, which would otherwise be the benchmark holding the generated log.
   Peer time is preprocess (CSV into SQLite) plus compute plus exporting the network to GraphML
   (its CSV export crashes in 1.5.2; ``--skip-peer-export`` leaves the network in SQLite), as
   concerted's whole command ends with its files written. Pairs are counted in SQLite as rows
   with ``user_1 < user_2`` (it
   stores each pair in both directions, plus a self-loop per account). concerted's pairs are the
   rows of ``OUTDIR/edges.csv``. When both succeed, the two pair sets are compared exactly.
4. ``--parity`` runs the peer on the real CooRTweet file ``russian_coord_tweets.csv.gz`` at 10 s
   and 60 s (reference: 1,092 and 6,206 pairs), a tiny probe of the peer's window semantics, and
   concerted on the same file if its CLI is available.
"""

import argparse
import csv
import gzip
import importlib.metadata
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

BIN = Path(sys.executable).parent
PEER = str(BIN / "compute_networks")
CONCERTED = str(BIN / "concerted")
DEFAULT_WORKDIR = Path(__file__).resolve().parent / "out"
REAL_FILE = Path("/work/shared/data/russian_coord_tweets.csv.gz")
REAL_EXPECTED = {10: 1092, 60: 6206}

START = 1_700_000_000  # 2023-11-14, Unix seconds
SPAN_SECONDS = 30 * 86_400
MAX_DELAY_SECONDS = 7 * 86_400
ACCOUNT_PROFILE, ACCOUNT_EXPONENT = 100_000, 0.6
OBJECT_PROFILE, OBJECT_EXPONENT = 200_000, 0.9
PEER_COLUMNS = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls"
POLL_SECONDS = 0.05


# --------------------------------------------------------------------------- synthetic log


def _zipf_weights(n: int, profile: int, exponent: float) -> np.ndarray:
    """Probability per item: rank ** -exponent, the rank profile repeating every `profile`."""
    ranks = np.arange(n) % profile + 1
    weights = ranks.astype(np.float64) ** -exponent
    return weights / weights.sum()


def generate_log(n_actions: int, seed: int = 42, **planted) -> pa.Table:
    """Return a shuffled table (actor, object, time) of `n_actions` shares; see module doc."""
    return generate_world(n_actions, seed, **planted)[0]


def generate_world(
    n_actions: int,
    seed: int = 42,
    n_groups: int = 20,
    group_size: int = 12,
    group_objects: int = 30,
) -> tuple[pa.Table, pa.Table]:
    """The log of :func:`generate_log` and its answer key (``actor, campaign``: the members of
    the planted groups)."""
    rng = np.random.default_rng(seed)
    n_planted = n_groups * group_size * group_objects
    n_organic = n_actions - n_planted
    if n_organic < 1:
        raise SystemExit(f"--actions must exceed the {n_planted:,} planted actions")
    n_accounts = max(n_actions // 10, n_groups * group_size)
    n_objects = max(n_actions // 5, 10 * n_groups * group_objects)

    account_p = _zipf_weights(n_accounts, ACCOUNT_PROFILE, ACCOUNT_EXPONENT)
    object_p = _zipf_weights(n_objects, OBJECT_PROFILE, OBJECT_EXPONENT)
    account_ids = rng.permutation(n_accounts)  # ids say nothing about activity
    object_ids = rng.permutation(n_objects)
    created = START + rng.uniform(0, SPAN_SECONDS, n_objects)
    median_delay = 600.0 * (1.0 + object_p * n_organic) ** (1 / 3)

    organic_obj = rng.choice(n_objects, n_organic, p=object_p)
    organic_actor = account_ids[rng.choice(n_accounts, n_organic, p=account_p)]
    # Modulo rather than clipping keeps the long tail from piling up on one instant.
    delay = rng.lognormal(np.log(median_delay[organic_obj]), 1.5) % MAX_DELAY_SECONDS
    organic_time = np.floor(created[organic_obj] + delay)

    # Planted groups: every member shares each of the group's (long-tail) objects within 20 s.
    members = rng.choice(n_accounts, n_groups * group_size, replace=False)
    members = account_ids[members].reshape(n_groups, group_size)
    tail = rng.choice(np.arange(n_objects // 10, n_objects), n_groups * group_objects, False)
    tail = tail.reshape(n_groups, group_objects)
    trigger = created[tail] + rng.exponential(900.0, tail.shape)
    shape = (n_groups, group_objects, group_size)
    planted_actor = np.broadcast_to(members[:, None, :], shape).ravel()
    planted_obj = np.broadcast_to(tail[:, :, None], shape).ravel()
    planted_time = np.floor(np.broadcast_to(trigger[:, :, None], shape).ravel())
    planted_time += rng.integers(0, 21, planted_time.size)

    actor = np.concatenate([organic_actor, planted_actor])
    obj = object_ids[np.concatenate([organic_obj, planted_obj])]
    when = np.concatenate([organic_time, planted_time])
    order = rng.permutation(n_actions)
    log = pa.table(
        {
            "actor": _prefixed("a", actor[order]),
            "object": _prefixed("o", obj[order]),
            "time": pa.array(when[order], pa.float64()),
        }
    )
    truth = pa.table(
        {
            "actor": _prefixed("a", members.ravel()),
            "campaign": pa.array([f"g{g}" for g in range(n_groups) for _ in range(group_size)]),
        }
    )
    return log, truth


def _prefixed(prefix: str, ids: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(ids).cast(pa.string()), "")


def _write_csv(table: pa.Table, path: Path) -> None:
    """Write `table` as plain CSV with an unquoted header (pyarrow would quote it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as sink:
        sink.write((",".join(table.column_names) + "\n").encode())
        options = pacsv.WriteOptions(include_header=False, quoting_style="none")
        pacsv.write_csv(table, sink, options)


def write_canonical_csv(log: pa.Table, path: Path) -> None:
    """concerted's canonical CSV: actor,object,time (Unix seconds)."""
    _write_csv(log.select(["actor", "object", "time"]), path)


def write_peer_csv(log: pa.Table, path: Path) -> None:
    """The peer's preprocess CSV: one repost per row, message_id = row number."""
    n = log.num_rows
    empty = pa.nulls(n, pa.string())  # written as an empty field
    columns = {
        "message_id": pa.array(np.arange(n)).cast(pa.string()),
        "user_id": log["actor"],
        "username": log["actor"],
        "repost_id": log["object"],
        "reply_id": empty,
        "message": empty,
        "timestamp": pc.cast(log["time"], pa.int64()),
        "urls": empty,
    }
    assert ",".join(columns) == PEER_COLUMNS
    _write_csv(pa.table(columns), path)


def _duckdb() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    return con


def describe_log(log: pa.Table, window: int) -> str:
    """One paragraph of facts about the log, including its busiest object-window."""
    con = _duckdb()
    con.register("log", log)
    row = con.execute(
        """
        select count(*), count(distinct actor), count(distinct object),
               count(*) - count(distinct (actor, object)),
               (select max(n) from (select count(*) n from log group by object)),
               (select count(*) from (select 1 from log group by object having count(*) >= 10000)),
               (select max(n) from (select count(*) n from log group by object, floor(time / ?)))
        from log
        """,
        [window],
    ).fetchone()
    return (
        f"{row[0]:,} actions, {row[1]:,} actors, {row[2]:,} objects, "
        f"{row[3]:,} repeated (actor, object) shares; largest object {row[4]:,} shares, "
        f"{row[5]} objects with >= 10,000 shares; at most {row[6]:,} actions on one object "
        f"in one {window} s bucket"
    )


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """One whole command, measured."""

    name: str
    cmd: list[str]
    seconds: float
    tree_peak: int  # bytes, psutil-sampled sum over the process tree
    max1_peak: int  # bytes, kernel ru_maxrss of the largest single process
    returncode: int
    log_path: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 3) -> str:
        text = self.log_path.read_text(errors="replace").strip().splitlines()
        return " | ".join(text[-lines:]) if text else "(no output)"


# A child's ru_maxrss starts from the peak RSS of the process that forked it (Linux copies the
# old mm's high-water mark at exec), so commands are started from this small launcher rather than
# from the benchmark process, whose RSS grows with the generated log. The launcher reaps the
# command with wait4 and reports its wall time, ru_maxrss and exit code as JSON.
_LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
try:
    child = subprocess.Popen(sys.argv[2:])
except OSError as exc:
    print(exc, file=sys.stderr)
    raise SystemExit(127) from None
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as f:
    json.dump({"seconds": seconds, "maxrss_kib": usage.ru_maxrss,
               "returncode": os.waitstatus_to_exitcode(status)}, f)
"""


def _descendants_rss(launcher: psutil.Process) -> int:
    """Sum of RSS over the launcher's descendants (the command's process tree)."""
    total = 0
    try:
        family = launcher.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    for p in family:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def run_measured(name: str, cmd: list[str], log_path: Path) -> Run:
    """Run `cmd` to completion; time it and track its memory (see module doc)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    result_path = log_path.with_suffix(".json")
    result_path.unlink(missing_ok=True)
    with open(log_path, "wb") as log:
        log.write(("$ " + " ".join(cmd) + "\n").encode())
        log.flush()
        launcher = subprocess.Popen(
            [sys.executable, "-I", "-c", _LAUNCHER, str(result_path), *cmd],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        peak = 0
        proc = psutil.Process(launcher.pid)
        while launcher.poll() is None:
            peak = max(peak, _descendants_rss(proc))
            time.sleep(POLL_SECONDS)
    if not result_path.exists():
        return Run(name, cmd, 0.0, 0, 0, launcher.returncode or 127, log_path)
    result = json.loads(result_path.read_text())
    return Run(
        name,
        cmd,
        result["seconds"],
        peak,
        result["maxrss_kib"] * 1024,
        result["returncode"],
        log_path,
    )


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def print_run(run: Run) -> None:
    if run.ok:
        print(
            f"  {run.name:<22} {run.seconds:8.1f} s   tree {_mib(run.tree_peak):>10}"
            f"   max1 {_mib(run.max1_peak):>10}"
        )
    else:
        print(
            f"  {run.name:<22} FAILED (exit {run.returncode}) after {run.seconds:.1f} s, "
            f"tree {_mib(run.tree_peak)}, max1 {_mib(run.max1_peak)}: {run.tail()}"
        )
        print(f"  {'':<22} full output: {run.log_path}")
    if run.cmd[0] == CONCERTED:
        # concerted logs "[  12.3s] stage" lines on stderr: show them as a stage breakdown.
        for line in run.log_path.read_text(errors="replace").splitlines():
            if re.match(r"\[\s*[\d.]+s\]", line):
                print(f"  {'':<24}{line}")


# --------------------------------------------------------------------------- the peer


def peer_version() -> str:
    try:
        return importlib.metadata.version("coordination-network-toolkit")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def peer_preprocess(peer_csv: Path, db: Path, logs: Path) -> Run:
    """Load the CSV into a fresh SQLite database (the peer appends to an existing one)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    cmd = [PEER, str(db), "preprocess", "--format", "csv", str(peer_csv)]
    return run_measured("peer preprocess", cmd, logs / f"{db.stem}_preprocess.log")


def peer_compute(db: Path, window: int, logs: Path) -> Run:
    cmd = [
        PEER,
        str(db),
        "compute",
        "co_retweet",
        "--time_window",
        str(window),
        "--min_edge_weight",
        "1",
        "--n_cpus",
        str(os.cpu_count() or 1),
    ]
    return run_measured(f"peer compute {window} s", cmd, logs / f"{db.stem}_compute_{window}.log")


def peer_export(db: Path, out: Path, logs: Path) -> Run:
    """Write the network to a file (GraphML: its CSV export crashes in 1.5.2), as concerted
    writes its results: a whole command ends with something a user can open."""
    cmd = [PEER, str(db), "export_network", "--output_format", "graphml", str(out), "co_retweet"]
    return run_measured("peer export graphml", cmd, logs / f"{db.stem}_export.log")


def peer_pair_count(db: Path) -> int:
    """Undirected pairs of distinct accounts; checks the peer stored both directions."""
    with sqlite3.connect(db) as con:
        below, distinct, loops = con.execute(
            "select sum(user_1 < user_2), sum(user_1 != user_2), sum(user_1 = user_2) "
            "from co_retweet_network"
        ).fetchone()
    below, distinct = below or 0, distinct or 0
    if distinct != 2 * below:
        print(f"  note: peer rows are not symmetric ({distinct:,} directed, {below:,} with u1<u2)")
    return below


def peer_pairs_table(db: Path) -> pa.Table:
    """The peer's pairs with both directed weights, one row per undirected pair."""
    query = """
        select a.user_1, a.user_2, a.weight, coalesce(b.weight, 0)
        from co_retweet_network a
        left join co_retweet_network b on b.user_1 = a.user_2 and b.user_2 = a.user_1
        where a.user_1 < a.user_2
    """
    schema = pa.schema(
        [
            ("actor", pa.string()),
            ("actor_y", pa.string()),
            ("w_xy", pa.int64()),
            ("w_yx", pa.int64()),
        ]
    )
    batches = []
    with sqlite3.connect(db) as con:
        cursor = con.execute(query)
        while rows := cursor.fetchmany(500_000):
            columns = zip(*rows, strict=True)
            arrays = [pa.array(col, field.type) for col, field in zip(columns, schema, strict=True)]
            batches.append(pa.Table.from_arrays(arrays, schema=schema))
    return pa.concat_tables(batches) if batches else schema.empty_table()


# --------------------------------------------------------------------------- concerted


def concerted_detect(canonical_csv: Path, out: Path, window: int, logs: Path) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        CONCERTED,
        "detect",
        str(canonical_csv),
        "--out",
        str(out),
        "--window-seconds",
        str(window),
        "--min-repeat",
        "1",
        "--no-significance",
    ]
    return run_measured(f"concerted {window} s", cmd, logs / f"{out.name}_detect.log")


def concerted_pair_count(out: Path) -> int | None:
    """Rows of OUTDIR/edges.csv, or None if it is missing or unreadable."""
    edges = out / "edges.csv"
    if not edges.exists():
        print(f"  concerted wrote no {edges}")
        return None
    try:
        con = _duckdb()
        con.read_csv(str(edges), all_varchar=True).create_view("edges")
        rows, unordered = con.execute(
            "select count(*), count(distinct (least(actor, actor_y), greatest(actor, actor_y))) "
            "from edges where actor != actor_y"
        ).fetchone()
        total = con.execute("select count(*) from edges").fetchone()[0]
    except duckdb.Error as exc:
        print(f"  could not read {edges}: {exc}")
        return None
    if not total == rows == unordered:
        print(
            f"  note: edges.csv has {total:,} rows, {total - rows:,} self-pairs, "
            f"{unordered:,} distinct unordered pairs"
        )
    return total


def compare_pair_sets(db: Path, out: Path) -> None:
    """Exact comparison of the two pair sets, and how concerted's weight relates to the peer's."""
    peer = peer_pairs_table(db)
    con = _duckdb()
    con.register("peer", peer)
    con.read_csv(str(out / "edges.csv"), all_varchar=True).create_view("ours")
    only_peer, only_ours, both, asymmetric, eq_max, eq_min = con.execute(
        """
        with c as (
            select distinct least(actor, actor_y) a, greatest(actor, actor_y) b,
                   try_cast(weight as double) w
            from ours where actor != actor_y
        )
        select count(*) filter (where c.a is null),
               count(*) filter (where p.actor is null),
               count(*) filter (where c.a is not null and p.actor is not null),
               count(*) filter (where c.a is not null and p.w_xy != p.w_yx),
               count(*) filter (where c.w = greatest(p.w_xy, p.w_yx)),
               count(*) filter (where c.w = least(p.w_xy, p.w_yx))
        from peer p full join c on p.actor = c.a and p.actor_y = c.b
        """
    ).fetchone()
    same = "yes" if only_peer == only_ours == 0 else "NO"
    print(
        f"  identical pair sets: {same} ({both:,} shared, {only_peer:,} only in peer, "
        f"{only_ours:,} only in concerted)"
    )
    # Informational: the peer weighs each direction by user_1's distinct messages, so its two
    # directed weights can differ; concerted has one weight per pair.
    print(
        f"  weights on shared pairs: concerted = peer max on {eq_max:,}, = peer min on "
        f"{eq_min:,}; the peer's two directions differ on {asymmetric:,}"
    )


# --------------------------------------------------------------------------- scenarios


def bench_synthetic(args: argparse.Namespace) -> None:
    work = args.workdir / f"synthetic_{args.actions}"
    logs = work / "logs"
    window = args.window_seconds
    print(f"\n== Synthetic co-retweet log, {args.actions:,} actions, seed {args.seed} ==")
    t0 = time.perf_counter()
    log = generate_log(args.actions, seed=args.seed)
    canonical = work / "actions.csv"
    write_canonical_csv(log, canonical)
    peer_csv = work / "peer_input.csv"
    if not args.skip_peer:
        write_peer_csv(log, peer_csv)
    facts = describe_log(log, args.window_seconds)
    print(f"  generated and written in {time.perf_counter() - t0:.1f} s: {facts}")
    print(f"  files: {canonical}" + ("" if args.skip_peer else f", {peer_csv}"))
    del log
    print(f"  window {window} s inclusive (|t1 - t2| <= {window}), minimum weight 1")
    print("  memory: tree = psutil-sampled RSS sum of the process tree every 50 ms;")
    print("          max1 = kernel peak RSS (ru_maxrss via wait4) of its largest single process")

    peer_runs, peer_pairs, db = [], None, work / "peer.db"
    if not args.skip_peer:
        print(f"\n peer: coordination-network-toolkit {peer_version()}")
        peer_runs.append(peer_preprocess(peer_csv, db, logs))
        print_run(peer_runs[-1])
        if peer_runs[-1].ok:
            peer_runs.append(peer_compute(db, window, logs))
            print_run(peer_runs[-1])
        if peer_runs[-1].ok and not args.skip_peer_export:
            peer_runs.append(peer_export(db, work / "peer_network.graphml", logs))
            print_run(peer_runs[-1])
        if all(r.ok for r in peer_runs):
            peer_pairs = peer_pair_count(db)
            _print_total(peer_runs, "peer total")
            print(f"  {'pairs':<22} {peer_pairs:,} undirected (stored as {2 * peer_pairs:,} rows)")

    print("\n concerted")
    out = work / "concerted_out"
    run = concerted_detect(canonical, out, window, logs)
    print_run(run)
    ours = concerted_pair_count(out) if run.ok else None
    if ours is not None:
        print(f"  {'pairs':<22} {ours:,} (rows of {out / 'edges.csv'})")

    print("\n summary")
    if peer_pairs is not None and run.ok:
        peer_seconds = sum(r.seconds for r in peer_runs)
        print(
            f"  time       peer {peer_seconds:.1f} s, concerted {run.seconds:.1f} s, "
            f"speed-up x{peer_seconds / run.seconds:.1f}"
        )
        print(
            f"  peak tree  peer {_mib(max(r.tree_peak for r in peer_runs))}, "
            f"concerted {_mib(run.tree_peak)}"
        )
        print(
            f"  peak max1  peer {_mib(max(r.max1_peak for r in peer_runs))}, "
            f"concerted {_mib(run.max1_peak)}"
        )
    if peer_pairs is not None and ours is not None:
        agree = "yes" if peer_pairs == ours else "NO"
        print(f"  pair counts agree: {agree} (peer {peer_pairs:,}, concerted {ours:,})")
        compare_pair_sets(db, out)
    elif not run.ok:
        print("  concerted did not run; no comparison")


def _print_total(runs: list[Run], label: str) -> None:
    print(
        f"  {label:<22} {sum(r.seconds for r in runs):8.1f} s   "
        f"tree {_mib(max(r.tree_peak for r in runs)):>10}   "
        f"max1 {_mib(max(r.max1_peak for r in runs)):>10}"
    )


def bench_big(args: argparse.Namespace) -> None:
    work = args.workdir / f"synthetic_{args.big}"
    print(f"\n== Big synthetic log, {args.big:,} actions, concerted only ==")
    t0 = time.perf_counter()
    log = generate_log(args.big, seed=args.seed)
    canonical = work / "actions.csv"
    write_canonical_csv(log, canonical)
    facts = describe_log(log, args.window_seconds)
    print(f"  generated and written in {time.perf_counter() - t0:.1f} s: {facts}")
    del log
    out = work / "concerted_out"
    run = concerted_detect(canonical, out, args.window_seconds, work / "logs")
    print_run(run)
    ours = concerted_pair_count(out) if run.ok else None
    if ours is not None:
        print(f"  {'pairs':<22} {ours:,}")


def probe_peer_semantics(work: Path) -> None:
    """Tiny hand-made log showing the peer's window boundary, repeats and message_id dedupe."""
    rows = [
        # message_id, user, object, time
        ("m1", "a", "X", 1000),  # a-b gap exactly 60
        ("m2", "b", "X", 1060),
        ("m3", "c", "X", 1061),  # a-c gap 61, b-c gap 1
        ("m4", "d", "Y", 0),  # d shares Y three times; only the last two are near e
        ("m5", "d", "Y", 5000),
        ("m6", "d", "Y", 5010),
        ("m7", "e", "Y", 5030),
        ("m8", "f", "Z", 100),
        ("m8", "g", "Z", 100),  # same message_id as f's row: dropped on load
        ("m9", "h", "", 100),  # not a repost: ignored by co_retweet
    ]
    work.mkdir(parents=True, exist_ok=True)
    path = work / "probe.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(PEER_COLUMNS.split(","))
        for mid, user, obj, t in rows:
            writer.writerow([mid, user, user, obj, "", "", t, ""])
    db = work / "probe.db"
    logs = work / "logs"
    if not peer_preprocess(path, db, logs).ok:
        print("  probe: peer preprocess failed")
        return
    print("  probe log: X: a@1000 b@1060 c@1061; Y: d@0 d@5000 d@5010 e@5030;")
    print("             Z: f@100 and g@100 with the same message_id; h@100 not a repost")
    for window in (59, 60):
        if not peer_compute(db, window, logs).ok:
            print(f"  probe: peer compute {window} failed")
            continue
        with sqlite3.connect(db) as con:
            edges = con.execute(
                "select user_1, user_2, weight from co_retweet_network "
                "where user_1 != user_2 order by 1, 2"
            ).fetchall()
            loops = con.execute(
                "select user_1, weight from co_retweet_network where user_1 = user_2 order by 1"
            ).fetchall()
        shown = ", ".join(f"{u}->{v} {w}" for u, v, w in edges)
        print(f"  window {window} s: {shown}")
        print(f"  {'':<13} self-loops: " + ", ".join(f"{u}->{u} {w}" for u, w in loops))


def parity(args: argparse.Namespace) -> None:
    work = args.workdir / "parity"
    logs = work / "logs"
    print(f"\n== Parity on {args.real_file.name} (peer {peer_version()}) ==")
    if not args.real_file.exists():
        print(f"  {args.real_file} not found; pass --real-file")
        return
    with gzip.open(args.real_file, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    work.mkdir(parents=True, exist_ok=True)
    peer_csv, canonical = work / "peer_input.csv", work / "actions.csv"
    # content_id is not unique (35,085 distinct in 35,125 rows), so the row number is the
    # message_id: every share is kept. (Using content_id instead gives the same pair counts.)
    with open(peer_csv, "w", newline="") as f_peer, open(canonical, "w", newline="") as f_ours:
        peer_w, ours_w = csv.writer(f_peer), csv.writer(f_ours)
        peer_w.writerow(PEER_COLUMNS.split(","))
        ours_w.writerow(["actor", "object", "time"])
        for i, r in enumerate(rows):
            account, obj, t = r["account_id"], r["object_id"], r["timestamp_share"]
            peer_w.writerow([i, account, account, obj, "", "", t, ""])
            ours_w.writerow([account, obj, t])
    print(f"  {len(rows):,} rows -> {peer_csv} (peer), {canonical} (concerted)")

    db = work / "peer.db"
    run = peer_preprocess(peer_csv, db, logs)
    print_run(run)
    results = {}
    for window, expected in REAL_EXPECTED.items():
        run = peer_compute(db, window, logs)
        print_run(run)
        if run.ok:
            results[window] = peer_pair_count(db)
            verdict = "OK" if results[window] == expected else "MISMATCH"
            print(
                f"  {'pairs at ' + str(window) + ' s':<22} peer {results[window]:,}, "
                f"expected {expected:,}: {verdict}"
            )
            out = work / f"concerted_{window}"
            ours_run = concerted_detect(canonical, out, window, logs)
            print_run(ours_run)
            if ours_run.ok and (ours := concerted_pair_count(out)) is not None:
                verdict = "OK" if ours == expected else "MISMATCH"
                print(f"  {'':<22} concerted {ours:,}: {verdict}")
                compare_pair_sets(db, out)

    print("\n peer window semantics (probe)")
    probe_peer_semantics(work / "probe")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--actions", type=int, default=1_000_000, help="size of the main log")
    parser.add_argument("--big", type=int, default=10_000_000, help="size of the big log")
    parser.add_argument("--skip-big", action="store_true", help="skip the big concerted run")
    parser.add_argument("--skip-peer", action="store_true", help="do not run the peer")
    parser.add_argument(
        "--skip-peer-export", action="store_true", help="time the peer without writing its network"
    )
    parser.add_argument("--parity", action="store_true", help="only the real-data parity check")
    parser.add_argument("--real-file", type=Path, default=REAL_FILE, help="for --parity")
    parser.add_argument("--window-seconds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--workdir", type=Path, default=DEFAULT_WORKDIR, help="where inputs/outputs go"
    )
    args = parser.parse_args(argv)

    print(f"machine: {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM")
    if args.parity:
        parity(args)
        return
    bench_synthetic(args)
    if not args.skip_big:
        bench_big(args)


if __name__ == "__main__":
    main()
