"""Shared fixtures: a hand-made log with a known answer, and the real data sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from concerted import CoAction, make_log

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RUSSIAN = SHARED_DATA / "russian_coord_tweets.csv.gz"
GERMAN = SHARED_DATA / "german_elections.csv.gz"

# Three objects x, y, z. a1, a2, a3 act on each within 6 s of each other; b1 acts on x 100 s
# after a1; b2 and b3 act on y together once. Known answer at a 10 s window, min_repeat 2:
# pairs (a1,a2), (a1,a3), (a2,a3), each with weight 3; b2-b3 has weight 1.
TINY_ROWS = [
    ("a1", "x", 0), ("a2", "x", 3), ("a3", "x", 6), ("b1", "x", 100),
    ("a1", "y", 1000), ("a2", "y", 1004), ("a3", "y", 1005), ("b2", "y", 5000), ("b3", "y", 5002),
    ("a1", "z", 2000), ("a2", "z", 2001), ("a3", "z", 2006),
]  # fmt: skip


@pytest.fixture
def tiny_log():
    return make_log(
        [{"actor": a, "object": o, "time": float(t), "text": f"post {o}"} for a, o, t in TINY_ROWS],
        source="tiny",
    )


@pytest.fixture
def tiny_csv(tmp_path):
    path = tmp_path / "tiny.csv"
    lines = ["actor,object,time,text"] + [f"{a},{o},{t},post {o}" for a, o, t in TINY_ROWS]
    path.write_text("\n".join(lines) + "\n")
    return path


# The Spark tests share one local session: two cores, few shuffle partitions (their inputs are
# small; Spark's default of 200 partitions would spend its time starting empty tasks), no web UI.
SPARK_CONF = {"spark.sql.shuffle.partitions": "4", "spark.default.parallelism": "2"}


@pytest.fixture(scope="session")
def spark_engine():
    """The Spark engine in local mode, its session started once for every test that asks."""
    from concerted.engines.spark import SparkEngine, check_spark

    check_spark()  # fails rather than skips: make setup installs PySpark, and CI has Java
    engine = SparkEngine(master="local[2]", conf=SPARK_CONF)
    spark = engine.session()
    yield engine
    spark.stop()


def needs_real_data():
    return pytest.mark.skipif(
        not RUSSIAN.exists(), reason="../shared/data is not beside the project"
    )


# The store's tests start from two snapshots of test_store's small log (the fixture ``store``) and
# the evidence pack of group 1 of a classic run on them (``pack``).
CLASSIC = CoAction(window_seconds=10, significance=False)


@pytest.fixture
def store(tmp_path):
    from concerted.store import ingest

    from .store.test_store import S1, S2, write_log

    folder = tmp_path / "project"
    ingest(write_log(tmp_path / "s1.csv", S1), folder, snapshot_time=1000)
    ingest(write_log(tmp_path / "s2.csv", S2), folder, snapshot_time=2000)
    return folder


@pytest.fixture
def pack(store, tmp_path):
    from concerted.store import detect_store, export_evidence

    detect_store(store, detector=CLASSIC)
    return export_evidence(store, 1, tmp_path / "pack")
