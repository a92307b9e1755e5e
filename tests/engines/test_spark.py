"""The Spark engine gives what the DuckDB engine gives, on the inputs whose exact answers
tests/engines/test_duckdb.py pins, on simulated worlds and on real data, in both modes.

All of them share one local Spark session (the ``spark_engine`` fixture in conftest.py); each
engine call costs a few seconds there, so the cases are few and each covers much.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

import concerted
from concerted import make_log
from concerted.cli import main
from concerted.engines import get_engine
from concerted.engines.duckdb import DuckDBEngine
from concerted.engines.spark import SparkEngine, check_spark, parse_spark_conf
from concerted.errors import EngineUnavailable, ParameterError
from concerted.schema import SCHEMA
from concerted.simulate import simulate_world

from ..conftest import RUSSIAN, needs_real_data
from ..test_extras import run_python
from .test_duckdb import CROWD, EDGES, GROUPED, MEMBERS, SOURCED, WINDOWS, _log, _rows

pytestmark = pytest.mark.spark


def _windows(engine, log, windows, *, lean, cap=100, evidence=10, min_weight=1, crowd=None):
    """co_action_windows, every pair kept; on the lean path, also the counts ``select`` saw."""
    counts = []

    def keep_all(counted):
        counts.extend(t.pairs for t in counted)
        return [t.pairs.select(["actor", "actor_y"]) for t in counted]

    tables = engine.co_action_windows(
        log,
        windows=windows,
        max_bucket_events=cap,
        evidence_per_pair=evidence,
        min_weight=min_weight,
        select=keep_all if lean else None,
        crowd_partners=crowd,
    )
    return tables, counts


def _assert_same_tables(duck, spark):
    assert len(duck) == len(spark)
    for d, s in zip(duck, spark, strict=True):
        assert d.candidate_pairs == s.candidate_pairs
        for name in ("pairs", "evidence", "actors", "objects"):
            a, b = getattr(d, name), getattr(s, name)
            assert a.schema == b.schema, name
            assert _rows(a) == _rows(b), name


# (rows, windows, lean, options): window edges, several windows, min_weight, crowds, named
# sources and audiences, and an empty log; test_duckdb pins DuckDB's answer on each.
CASES = {
    "edges": (EDGES, [10.0, 20.0], False, {}),
    "windows-lean": (WINDOWS, [10.0, 60.0], True, {"min_weight": 2, "evidence": 2}),
    "crowd": (CROWD, [10.0, 30.0, 60.0], True, {"crowd": 2, "evidence": 5}),
    "sourced": (SOURCED, [10.0], True, {}),
    "empty": (None, [10.0, 60.0], False, {"crowd": 3, "cap": 5}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_spark_co_action_matches_duckdb(spark_engine, case):
    rows, windows, lean, options = CASES[case]
    log = make_log(SCHEMA.empty_table()) if rows is None else _log(rows)
    duck, duck_counts = _windows(DuckDBEngine(), log, windows, lean=lean, **options)
    spark, spark_counts = _windows(spark_engine, log, windows, lean=lean, **options)
    _assert_same_tables(duck, spark)
    assert [_rows(t) for t in duck_counts] == [_rows(t) for t in spark_counts]
    if case == "crowd":  # the case is what it says: a crowd at the wider windows
        assert _rows(spark[2].objects)[0][:6] == ("crowd", 6, 6, 15, False, True)


def test_spark_caps_a_busy_bucket(spark_engine):
    # Ten actors on "hot" within one bucket, cap 4: four actions are kept (the engines keep
    # different ones: each samples by its own hash), so exactly 4 x 3 / 2 pairs are formed,
    # never the bucket's 45, and the object says it was capped.
    rows = [(f"h{i}", "hot", i) for i in range(10)]
    [t], _ = _windows(spark_engine, _log(rows), [10.0], lean=False, cap=4)
    assert t.candidate_pairs == 6
    assert _rows(t.objects) == [("hot", 10, 10, 45, True, False, "h0", False)]


def test_spark_group_primitives_match_duckdb(spark_engine):
    duck, log = DuckDBEngine(), _log(GROUPED)
    d = duck.group_co_action(log, MEMBERS, window_seconds=10, max_bucket_events=100)
    s = spark_engine.group_co_action(log, MEMBERS, window_seconds=10, max_bucket_events=100)
    assert (s.hits.schema, _rows(s.hits)) == (d.hits.schema, _rows(d.hits))
    assert (s.objects.schema, _rows(s.objects)) == (d.objects.schema, _rows(d.objects))
    assert _rows(s.hits)[0] == (1, "m1", "y", "m1")  # what test_duckdb pins
    assert spark_engine.group_actions(log, MEMBERS).equals(duck.group_actions(log, MEMBERS))
    rows = [("a", "x", 0), ("b", "x", 5), ("c", "x", 15), ("a", "y", 100), ("b", "y", 101),
            ("a", "z", 200), ("b", "z", 250), ("d", "z", 252)]  # fmt: skip
    options = dict(window_seconds=10, min_actors=2, max_actors=3, min_shared=2, min_recurrences=1)
    bursts = spark_engine.recurring_bursts(_log(rows), **options)
    assert bursts.equals(duck.recurring_bursts(_log(rows), **options))
    assert _rows(bursts) == [(0, "a"), (0, "b"), (0, "c"), (1, "a"), (1, "b")]


def _same_result(duck: concerted.Result, spark: concerted.Result) -> None:
    """Every table of two runs equal, and the summary but for the engine's name and time."""
    for name in ("edges", "evidence", "groups", "actors", "group_actions"):
        a, b = getattr(duck, name), getattr(spark, name)
        assert a.schema == b.schema, name
        assert a.to_pylist() == b.to_pylist(), name
    strip = {"engine", "seconds"}
    assert {k: v for k, v in duck.summary.items() if k not in strip} == {
        k: v for k, v in spark.summary.items() if k not in strip
    }
    assert spark.summary["engine"] == "spark"


@pytest.mark.parametrize("mode", ["classic", "default"])
def test_spark_detect_matches_duckdb_on_a_simulated_world(spark_engine, mode):
    world = simulate_world(seed=1, n_actors=1000, days=1)  # 7,790 actions, 138 planted
    detector = (
        concerted.CoAction(window_seconds=60, min_repeat=1, significance=False)
        if mode == "classic"
        else concerted.CoAction()
    )
    duck = concerted.detect(world.log, detector=detector)
    spark = concerted.detect(world.log, detector=detector, engine=spark_engine)
    _same_result(duck, spark)
    assert spark.groups.num_rows > 0
    assert "p_value" in spark.edges.column_names or mode == "classic"


@needs_real_data()
@pytest.mark.slow
def test_spark_detect_matches_duckdb_on_russian_coord_tweets(spark_engine):
    log = concerted.load_log(RUSSIAN)
    duck = concerted.detect(log)
    spark = concerted.detect(log, engine=spark_engine)
    _same_result(duck, spark)
    assert spark.groups.num_rows > 0


def test_check_spark_names_what_is_missing(tmp_path):
    with pytest.raises(EngineUnavailable, match=r"no java was found on PATH \(JAVA_HOME"):
        check_spark({"PATH": str(tmp_path)})
    with pytest.raises(EngineUnavailable, match=f"no java was found on JAVA_HOME={tmp_path}"):
        check_spark({"JAVA_HOME": str(tmp_path), "PATH": os.environ["PATH"]})
    old = tmp_path / "jdk11" / "bin" / "java"  # a java that says it is 11
    old.parent.mkdir(parents=True)
    old.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    old.chmod(0o755)
    with pytest.raises(EngineUnavailable, match=r"needs Java 17 or later; .*java is Java 11"):
        check_spark({"JAVA_HOME": str(tmp_path / "jdk11")})


def test_engine_spark_without_pyspark_names_the_extra(tmp_path):
    done = run_python(
        """
        from concerted import get_engine
        from concerted.errors import MissingExtra
        try:
            get_engine("spark")
        except MissingExtra as exc:
            print(exc)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "The Spark engine (--engine spark) needs the 'pyspark' package, which is not installed. "
        "Install it with: pip install 'concerted[spark]'."
    )


def test_cli_engine_spark_without_java_is_a_clear_error(tiny_csv, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = os.path.dirname(sys.executable)  # the venv's scripts, and no java
    done = subprocess.run(
        [sys.executable, "-m", "concerted", "detect", str(tiny_csv), "--engine", "spark",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "needs Java 17 or later" in done.stderr
    assert "Traceback" not in done.stderr


def test_spark_options_apply_with_spark_only():
    with pytest.raises(ParameterError, match="apply with --engine spark only"):
        get_engine("duckdb", master="local[2]")
    with pytest.raises(ParameterError, match="key=value"):
        parse_spark_conf(["=8g"])
    engine = get_engine("spark", master="local[2]", conf={"spark.executor.memory": "1g"})
    assert isinstance(engine, SparkEngine)
    assert (engine.master, engine.conf) == ("local[2]", {"spark.executor.memory": "1g"})


def test_cli_detect_with_engine_spark(spark_engine, tiny_csv, tmp_path):
    out = tmp_path / "results"
    result = CliRunner().invoke(
        main,
        ["detect", str(tiny_csv), "--engine", "spark", "--spark-master", "local[2]",
         "--spark-conf", "spark.sql.shuffle.partitions=4", "--window-seconds", "10",
         "--min-repeat", "2", "--no-significance", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 coordinated groups, 3 actors, 3 pairs" in result.output
    assert concerted.open_results(out).summary["engine"] == "spark"
