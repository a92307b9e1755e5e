"""The core installs lean: `import concerted`, detection, outputs, the report and the store run
without any extra; a part that needs one says which to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from concerted.errors import ConcertedError, MissingExtra
from concerted.extras import EXTRAS, extra_of, require

OPTIONAL = sorted(m for modules in EXTRAS.values() for m in modules)
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

# Put first in a subprocess: every optional module then fails to import, as if not installed.
BLOCK = f"""
import sys

class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {OPTIONAL!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
"""


def run_python(code: str, cwd: Path, *, block: bool = True) -> subprocess.CompletedProcess:
    script = (BLOCK if block else "") + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_import_concerted_loads_no_optional_module(tmp_path):
    done = run_python(
        """
        import sys
        import concerted
        import concerted.lenses.signups
        print(sorted({m.partition(".")[0] for m in sys.modules}))
        """,
        tmp_path,
        block=False,
    )
    assert done.returncode == 0, done.stderr
    assert not set(eval(done.stdout)) & set(OPTIONAL)


def test_core_runs_without_extras(tmp_path, tiny_csv):
    done = run_python(
        f"""
        import concerted
        from concerted.report import render_report

        detector = concerted.CoAction(window_seconds=10, significance=False)
        log = concerted.load_log({str(tiny_csv)!r})
        result = concerted.detect(log, detector=detector)
        written = concerted.write_results(result, "results")
        assert "report.html" in written, written
        assert render_report(result).lstrip().lower().startswith("<!doctype html>")
        concerted.ingest({str(tiny_csv)!r}, "store", snapshot_time=10_000)
        stored, _ = concerted.detect_store("store", detector=detector)
        print(result.groups.num_rows, stored.groups.num_rows)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]
    assert (tmp_path / "results" / "report.html").exists()


def test_cli_detect_runs_without_extras(tmp_path, tiny_csv):
    done = run_python(
        f"""
        from concerted.cli import main

        main([
            "detect", {str(tiny_csv)!r}, "--out", "results", "--window-seconds", "10",
            "--no-significance",
        ])
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results" / "groups.csv").exists()


def test_web_without_its_extra_names_it(tmp_path):
    done = run_python(
        """
        try:
            import concerted.web
        except ImportError as exc:
            print(type(exc).__name__, exc)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("MissingExtra The web app needs the 'fastapi' package")
    assert "pip install 'concerted[web]'" in done.stdout


def test_signups_without_its_extra_names_it(tmp_path):
    (tmp_path / "signups.csv").write_text(
        "time,email,postcode,referrer,user_agent\n"
        + "".join(f"{60 * i},p{i}@example.org,74103,tiktok,Mozilla/5.0\n" for i in range(8))
    )
    done = run_python(
        """
        from concerted.errors import MissingExtra
        from concerted.lenses.signups import load_registrations, score_signups

        try:
            score_signups(load_registrations("signups.csv"), venue_postcode="74103")
        except MissingExtra as exc:
            print(exc)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "The sign-up lens needs the" in done.stdout
    assert "pip install 'concerted[signups]'" in done.stdout


def test_require_imports_an_installed_module():
    assert require("zipcodes", what="The sign-up lens").__name__ == "zipcodes"


def test_require_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "crawlerdetect", None)  # import now raises ImportError
    with pytest.raises(MissingExtra) as caught:
        require("crawlerdetect", what="The sign-up lens")
    assert str(caught.value) == (
        "The sign-up lens needs the 'crawlerdetect' package, which is not installed. "
        "Install it with: pip install 'concerted[signups]'."
    )
    # The CLI's handler catches it as a ConcertedError; import guards as an ImportError.
    assert isinstance(caught.value, ConcertedError)
    assert isinstance(caught.value, ImportError)


def test_extra_of_refuses_a_core_module():
    with pytest.raises(KeyError, match="not an optional module"):
        extra_of("duckdb")


def test_pyproject_core_dependencies_hold_no_extra():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]
    names = {_name(d) for d in project["dependencies"]}
    extras = project["optional-dependencies"]
    brought = {_name(d) for extra in ("web", "signups") for d in extras[extra]}
    assert not names & brought
    assert {"fastapi", "uvicorn", "zipcodes", "crawlerdetect"} <= brought
    assert "concerted[all]" in extras["test"]  # make test installs every extra


def _name(requirement: str) -> str:
    return requirement.split(";")[0].split(">")[0].split("=")[0].split("[")[0].strip()
