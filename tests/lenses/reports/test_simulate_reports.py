"""``concerted simulate reports``: the world it writes, and the lens on it."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.errors import ParameterError
from concerted.lenses.reports.lens import find_brigades
from concerted.lenses.reports.load import load_reports
from concerted.lenses.reports.simulate import simulate_reports


def test_simulate_reports_is_reproducible():
    a, b = simulate_reports(3, n_reports=5000), simulate_reports(3, n_reports=5000)
    assert a.reports.equals(b.reports) and a.truth_targets.equals(b.truth_targets)
    assert a.truth_targets["kind"].to_pylist().count("spammer") == 3
    assert a.truth_targets["kind"].to_pylist().count("hot") == 8


def test_simulate_reports_refuses_a_tiny_world():
    with pytest.raises(ParameterError, match="n_reports must be at least 1000"):
        simulate_reports(0, n_reports=10)


def test_cli_simulate_reports_then_find_the_brigades(tmp_path):
    world = tmp_path / "w"
    done = CliRunner().invoke(
        main, ["simulate", "reports", "--out", str(world), "--posts", "20000", "--seed", "5"]
    )
    assert done.exit_code == 0, done.output
    result = find_brigades(load_reports(world / "reports.csv"))
    with open(world / "truth_targets.csv", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    brigaded = {t["target"] for t in truth if t["kind"] == "brigaded"}
    spared = {t["target"] for t in truth if t["kind"] != "brigaded"}
    found = set(result.targets.filter(result.targets["brigaded"])["target"].to_pylist())
    assert found == brigaded
    assert not found & spared
