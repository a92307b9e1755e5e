"""Load benchmark of `concerted serve signups` on loopback, with autocannon (npm) as the load
generator: sustained requests per second and p99 latency, then a restart to check that every
accepted registration was kept.

    python benchmarks/bench_signups_serve.py [--seconds 20] [--connections 32]

autocannon is installed into benchmarks/out/npm by this script on first use (npm registry). The
server and the load generator share this machine's cores; traffic goes only to 127.0.0.1 and the
run stops by itself. Target: >= 1,000 req/s with p99 < 50 ms on 2 cores.

Each durability setting is measured: --synchronous normal (the default: committed to the OS
before the answer, safe across a crash or restart of the service) and full (also fsync'd, safe
across a power loss). For each: a run paced at --rate requests per second and a run flat out, then
the server is stopped and restarted on the same state, and the registrations counted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "signups_serve"
NPM = HERE / "out" / "npm"
AUTOCANNON = NPM / "node_modules" / ".bin" / "autocannon"


def ensure_autocannon() -> Path:
    if not AUTOCANNON.exists():
        if shutil.which("npm") is None:
            sys.exit("npm is needed to install autocannon (apt-get install npm).")
        NPM.mkdir(parents=True, exist_ok=True)
        print("installing autocannon into benchmarks/out/npm ...", file=sys.stderr)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                "--prefix",
                str(NPM),
                "autocannon@8",
            ],
            check=True,
        )
    return AUTOCANNON


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(state: Path, port: int, synchronous: str = "full") -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "concerted.cli",
        "serve",
        "signups",
        "--port",
        str(port),
        "--state",
        str(state),
        "--synchronous",
        synchronous,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            sys.exit(f"server exited: {proc.stderr.read().decode()}")
    proc.kill()
    sys.exit("server did not start in 60 s")


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=5) as r:
        return json.loads(r.read())


def run_load(port: int, seconds: int, connections: int, rate: int = 0) -> dict:
    """autocannon through its API (signups_load.js), a distinct registration per request."""
    env = {**os.environ, "AUTOCANNON_MODULE": str(NPM / "node_modules" / "autocannon")}
    cmd = [
        "node",
        str(HERE / "signups_load.js"),
        f"http://127.0.0.1:{port}/v1/registrations",
        str(seconds),
        str(connections),
        str(rate),
    ]
    done = subprocess.run(
        cmd, capture_output=True, text=True, check=True, timeout=seconds + 60, env=env
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--rate", type=int, default=1000, help="the paced run's requests per second"
    )
    args = parser.parse_args()
    ensure_autocannon()
    print(
        f"concerted serve signups on 127.0.0.1; autocannon, {args.connections} connections, {args.seconds} s a run; "
        f"{os.cpu_count()} cores shared by the server and the load generator"
    )
    report = {}
    for synchronous in ("normal", "full"):
        report[synchronous] = bench_mode(synchronous, args)
    (OUT.parent / "signups_serve.json").write_text(json.dumps(report, indent=2))


def bench_mode(synchronous: str, args) -> dict:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    state = OUT / "state.db"
    port = free_port()
    server = start_server(state, port, synchronous)
    runs = {}
    try:
        run_load(port, 3, args.connections)  # warm-up
        runs["paced"] = run_load(port, args.seconds, args.connections, args.rate)
        runs["flat out"] = run_load(port, args.seconds, args.connections)
        before = health(port)["registrations"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    with sqlite3.connect(state) as db:
        stored = db.execute("SELECT count(*) FROM registrations").fetchone()[0]
    server = start_server(state, port, synchronous)
    try:
        after = health(port)["registrations"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"--synchronous {synchronous}:")
    report = {}
    for name, r in runs.items():
        errors = r["non2xx"] + r["errors"] + r["timeouts"]
        rps, p50, p99 = r["requests"]["average"], r["latency"]["p50"], r["latency"]["p99"]
        label = f"paced at {args.rate:,} req/s" if name == "paced" else "flat out"
        print(
            f"  {label:<22} sustained {rps:>7,.0f} req/s   latency p50 {p50} ms, p99 {p99} ms   ({r['2xx']:,} answered 2xx, {errors} errors)"
        )
        report[name] = {"rps": rps, "p50_ms": p50, "p99_ms": p99, "ok": r["2xx"], "errors": errors}
    met = any(v["rps"] >= 1000 and v["p99_ms"] < 50 for v in report.values())
    print(f"  target >= 1,000 req/s with p99 < 50 ms: {'met' if met else 'NOT met'}")
    lost = stored != before or after != before
    print(
        f"  durability: {stored:,} registrations in the state file, {before:,} served before the restart, {after:,} after it: {'none lost' if not lost else 'SOME LOST'}"
    )
    report.update(
        {"stored": stored, "before_restart": before, "after_restart": after, "target_met": met}
    )
    return report


if __name__ == "__main__":
    main()
