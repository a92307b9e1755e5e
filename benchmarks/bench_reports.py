"""Benchmark of the reports lens: brigaded targets and brigaders found, spammers and hot organic
targets spared, statements of reasons valid, on two generators and several seeds the tests never
used; then the time and peak memory of the whole command on 10M reports.

    .venv/bin/python benchmarks/bench_reports.py                 # accuracy, both generators
    .venv/bin/python benchmarks/bench_reports.py --scale 10000000  # + the whole CLI on 10M

A brigader is a member who answered at least one of its brigade's calls; the lens's brigaders are
the reporters with at least one coordinated report on a target it judged brigaded. The baseline is
a fixed burst threshold: a target is brigaded when it drew ``BASELINE_REPORTS`` reports within an
hour (the rule of thumb the lens replaces).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).parent))

from concerted.lenses.reports.lens import find_brigades  # noqa: E402
from concerted.lenses.reports.simulate import simulate_reports, write_reports_world  # noqa: E402
from concerted.lenses.reports.sor import validate_statement  # noqa: E402
from concerted.lenses.reports.statements import build_statements  # noqa: E402
from concerted.schema import make_log  # noqa: E402
from reports_other_world import generate  # noqa: E402

BASELINE_REPORTS = 10
SEEDS = (11, 12, 13)


def _log(reports: pa.Table):
    return make_log(
        pa.table(
            {
                "actor": reports["reporter"],
                "object": reports["target"],
                "time": reports["time"],
                "action": reports["reason"],
            }
        )
    )


def _pr(predicted: set, truth: set) -> tuple[float, float]:
    hit = len(predicted & truth)
    return (hit / len(predicted) if predicted else 1.0), (hit / len(truth) if truth else 1.0)


def evaluate(reports: pa.Table, truth_t: pa.Table, truth_r: pa.Table) -> dict:
    started = time.perf_counter()
    result = find_brigades(_log(reports))
    seconds = time.perf_counter() - started
    kinds = dict(zip(truth_t["target"].to_pylist(), truth_t["kind"].to_pylist(), strict=True))
    brigaded = {t for t, k in kinds.items() if k == "brigaded"}
    found = set(result.targets.filter(result.targets["brigaded"])["target"].to_pylist())
    r = result.reporters
    brigaders = set(r.filter(pc.greater(r["brigade_reports"], 0))["reporter"].to_pylist())
    t_p, t_r = _pr(found, brigaded)
    b_p, b_r = _pr(brigaders, set(truth_r["reporter"].to_pylist()))
    spammers = {t for t, k in kinds.items() if k == "spammer"}
    hot = {t for t, k in kinds.items() if k == "hot"}
    peaks = result.targets.filter(
        pc.greater_equal(result.targets["peak_reports"], BASELINE_REPORTS)
    )
    base_p, base_r = _pr(set(peaks["target"].to_pylist()), brigaded)
    # One decision per planted target, as a platform acting on the reports would take.
    decisions = pa.table(
        {
            "target": list(kinds),
            "decision": ["suspended"] * len(kinds),
            "time": [reports["time"][-1].as_py()] * len(kinds),
            "ground": ["incompatible"] * len(kinds),
            "category": ["other_violation_tc"] * len(kinds),
            "legal_ground": ["Terms 4.2"] * len(kinds),
            "explanation": ["Reported by users for breaking the terms."] * len(kinds),
            "__row": list(range(1, len(kinds) + 1)),
        }
    )
    statements = build_statements(decisions, result, "decisions")
    valid = sum(1 for s in statements if not validate_statement(s))
    return {
        "reports": reports.num_rows,
        "seconds": round(seconds, 1),
        "targets_precision": round(t_p, 3),
        "targets_recall": round(t_r, 3),
        "brigaded": f"{len(found & brigaded)}/{len(brigaded)} (+{len(found - brigaded)} wrong)",
        "brigaders_precision": round(b_p, 3),
        "brigaders_recall": round(b_r, 3),
        "spammers_spared": f"{len(spammers - found)}/{len(spammers)}",
        "hot_spared": f"{len(hot - found)}/{len(hot)}",
        "baseline_precision": round(base_p, 3),
        "baseline_recall": round(base_r, 3),
        "statements_valid": f"{valid}/{len(statements)}",
    }


def accuracy(n_reports: int) -> None:
    for name, make in (
        ("simulate reports", lambda s: _sim(s, n_reports)),
        ("other world", lambda s: generate(s, n_reports)),
    ):
        for seed in SEEDS:
            figures = evaluate(*make(seed))
            print(json.dumps({"world": name, "seed": seed, **figures}), flush=True)


def _sim(seed: int, n_reports: int):
    w = simulate_reports(seed, n_reports=n_reports)
    return w.reports, w.truth_targets, w.truth_reporters


def scale(n_reports: int) -> None:
    """The whole command (reading the CSV, judging, writing) under /usr/bin/time."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        world = simulate_reports(1, n_reports=n_reports, days=60, n_brigades=20, n_hot=30)
        paths = write_reports_world(world, tmp)
        size = paths["reports"].stat().st_size
        print(
            f"generated {world.reports.num_rows:,} reports ({size / 1e9:.2f} GB CSV) in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        del world
        command = [
            "/usr/bin/time", "-v", sys.executable, "-m", "concerted", "reports",
            str(paths["reports"]), "--out", str(Path(tmp) / "out"),
        ]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        stats = {
            key: line.split()[-1]
            for line in done.stderr.splitlines()
            for key in ("Maximum resident", "User time", "System time")
            if key in line
        }
        print("\n".join(line for line in done.stderr.splitlines() if line.startswith("[")))
        print(done.stdout.strip())
        cpu = float(stats.get("User time", "nan")) + float(stats.get("System time", "nan"))
        print(
            f"whole command: {seconds:.1f} s wall, {cpu:.1f} s CPU, peak "
            f"{int(stats.get('Maximum resident', 0)) / 1e6:.2f} GB, exit {done.returncode}"
        )
        if done.returncode:
            print(done.stderr[-3000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=300_000, help="organic reports per world")
    parser.add_argument("--scale", type=int, help="also time the command on this many reports")
    parser.add_argument("--no-accuracy", action="store_true")
    args = parser.parse_args()
    if not args.no_accuracy:
        accuracy(args.reports)
    if args.scale:
        scale(args.scale)


if __name__ == "__main__":
    main()
