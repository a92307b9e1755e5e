"""A web-app run is a job of parameters (job.json), run by concerted.web.job: the values the
server checked are the values run, with the command line's messages and exit codes."""

import json
import subprocess
import sys

import pytest

from concerted.web.job import write_job
from concerted.web.project import Project
from concerted.web.runner import Access


def run_job(path):
    return subprocess.run(
        [sys.executable, "-m", "concerted.web.job", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_options_returns_the_values_given(tmp_path):
    project = Project(tmp_path)
    try:
        options = ["--no-significance", "--window-seconds", "10", "--map", "actor=a"]
        options += ["--map", "time=t", "-q", "--formats=csv"]
        assert Access(project).check_options("detect", options) == {
            "significance": False,
            "window_seconds": "10",
            "mapping": ["actor=a", "time=t"],
            "quiet": True,
            "formats": "csv",
        }
        assert Access(project).check_options("detect", []) == {}
    finally:
        project.close()


def test_web_job_runs_the_command_on_its_parameters(tiny_csv, tmp_path):
    out = tmp_path / "res"
    params = {"file": str(tiny_csv), "out_dir": str(out), "significance": False}
    params |= {"window_seconds": "10", "min_repeat": "2", "formats": "csv", "quiet": True}
    done = run_job(write_job(tmp_path, "detect", params))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 coordinated groups, 3 actors, 3 pairs")
    assert json.loads((out / "summary.json").read_text())["coordinated_actors"] == 3
    assert sorted(p.name for p in out.glob("*.csv")) == [
        "actors.csv",
        "edges.csv",
        "evidence.csv",
        "group_actions.csv",
        "groups.csv",
    ]


@pytest.mark.parametrize(
    "params, code, message",
    [
        ({"window_seconds": "0"}, 1, "Error: CoAction: window_seconds must be a number from"),
        ({"window_seconds": "soon"}, 2, "'soon' is not a valid float"),
        ({"mapping": ["actor"]}, 1, "Error: --map takes CANONICAL=COLUMN"),
    ],
)
def test_web_job_ends_as_the_command_line_does(tiny_csv, tmp_path, params, code, message):
    out = tmp_path / "res"
    job = write_job(tmp_path, "detect", {"file": str(tiny_csv), "out_dir": str(out), **params})
    done = run_job(job)
    assert done.returncode == code, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
