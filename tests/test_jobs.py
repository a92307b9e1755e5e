"""The checks that guard the library live in the library: concerted.detect() and
concerted.jobs.run_detect() refuse what `concerted detect` refuses, before any work."""

import pytest

from concerted import CoAction, ParameterError, detect, detect_store
from concerted.jobs import run_detect


@pytest.mark.parametrize(
    "size, message",
    [
        (1, "--min-group-size must be at least 2 .*Got 1"),
        (0, "--min-group-size must be at least 2 .*Got 0"),
        (2.5, "--min-group-size must be a whole number of actors .*Got 2.5"),
        (True, "--min-group-size must be a whole number of actors .*Got True"),
    ],
)
def test_detect_refuses_a_min_group_size_below_a_pair(tiny_log, size, message):
    with pytest.raises(ParameterError, match=message):
        detect(tiny_log, detector=CoAction(significance=False), min_group_size=size)


def test_detect_store_refuses_a_min_group_size_below_a_pair(tmp_path):
    with pytest.raises(ParameterError, match="--min-group-size must be at least 2"):
        detect_store(tmp_path, min_group_size=1)


def test_run_detect_tiny_log_writes_the_results(tiny_csv, tmp_path):
    out = tmp_path / "res"
    result, run_id = run_detect(
        tiny_csv, out, detector=CoAction(window_seconds=10, significance=False), formats=["csv"]
    )
    assert run_id is None
    assert result.actors["actor"].to_pylist() == ["a1", "a2", "a3"]
    assert sorted(p.name for p in out.glob("*.csv")) == [
        "actors.csv",
        "edges.csv",
        "evidence.csv",
        "group_actions.csv",
        "groups.csv",
    ]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "Give either FILE or --store DIR"),
        ({"file": "x.csv", "store_dir": "p"}, "Give either FILE or --store DIR"),
        ({"file": "x.csv", "deleted_within_hours": 4}, "--deleted-within-hours needs --store"),
        ({"store_dir": "p", "mapping": {"actor": "a"}}, "--map, --object-columns, .* apply when"),
        ({"store_dir": "p", "object_columns": ["u"]}, "--map, --object-columns, .* apply when"),
        ({"file": "x.csv", "min_group_size": 1}, "--min-group-size must be at least 2"),
        ({"file": "x.csv", "formats": ["xls"]}, "Unknown output format 'xls'"),
        ({"file": "x.csv", "detector": CoAction(alpha=2)}, "alpha must be a number between"),
    ],
)
def test_run_detect_refuses_bad_parameters_before_reading(tmp_path, kwargs, message):
    kwargs = {k: str(tmp_path / v) if k in ("file", "store_dir") else v for k, v in kwargs.items()}
    with pytest.raises(ParameterError, match=message):
        run_detect(out_dir=tmp_path / "res", **kwargs)
    assert not (tmp_path / "res").exists()


def test_run_detect_refuses_an_unknown_engine_before_reading(tmp_path):
    with pytest.raises(ParameterError, match="engine must be 'duckdb' or 'spark'; got 'flink'"):
        run_detect(tmp_path / "x.csv", tmp_path / "res", engine="flink")
