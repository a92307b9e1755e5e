import json
import os
import subprocess
import sys

import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner

from concerted.cli import main

from ..conftest import GERMAN, RUSSIAN, needs_real_data


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_cli_detect_tiny_classic(tiny_csv, tmp_path):
    out = tmp_path / "res"
    result = run(
        "detect",
        tiny_csv,
        "--out",
        out,
        "--window-seconds",
        10,
        "--min-repeat",
        2,
        "--no-significance",
        "-q",
    )
    assert result.exit_code == 0, result.output
    assert "1 coordinated groups, 3 actors, 3 pairs" in result.output
    actors = pacsv.read_csv(out / "actors.csv").to_pylist()
    assert [(a["actor"], a["group"], a["score"]) for a in actors] == [
        ("a1", 1, 1.0),
        ("a2", 1, 1.0),
        ("a3", 1, 1.0),
    ]


def test_cli_detect_shows_the_run_notes_even_when_quiet(tmp_path):
    path = tmp_path / "hot.csv"
    rows = [f"u{i},viral,{i % 30}" for i in range(60)]
    path.write_text("actor,object,time\n" + "\n".join(rows) + "\n")
    args = ["--window-seconds", 60, "--no-significance", "--max-bucket-events", 10, "-q"]
    result = run("detect", path, "--out", tmp_path / "res", *args)
    assert result.exit_code == 0, result.output
    assert "Note: 1 object(s) had more than 10 actions within one window" in result.output


def test_cli_detect_writes_the_formats_asked_for(tiny_csv, tmp_path):
    out = tmp_path / "res"
    result = run("detect", tiny_csv, "--out", out, "--formats", "json,gexf", "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if p.name != ".concerted") == [
        "actors.json",
        "edges.json",
        "evidence.json",
        "graph.gexf",
        "group_actions.json",
        "groups.json",
        "report.html",
        "summary.json",
    ]


def test_cli_bad_input_is_a_clean_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("actor,object,time\nu,o,1\nu,o,not-a-time\n")
    result = run("detect", bad, "--out", tmp_path / "res")
    assert result.exit_code == 1
    assert "Error:" in result.output and "row 2: 'not-a-time'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "res").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--window-seconds", "0"], "window_seconds must be a number from 0.001 to 31,536,000"),
        (["--window-seconds", "inf"], "window_seconds must be a number from 0.001 to 31,536,000"),
        (["--window-seconds", "nan"], "window_seconds must be a number from 0.001 to 31,536,000"),
        (["--min-repeat", str(10**30)], "min_repeat must be an integer from 1 to 2,147,483,647"),
        (["--map", "actor"], "--map takes CANONICAL=COLUMN"),
        (
            ["--spark-master", "local[2]"],
            "--spark-master and --spark-conf apply with --engine spark",
        ),
        (["--engine", "spark", "--spark-conf", "8g"], "--spark-conf takes key=value"),
        (["--min-group-size", "1"], "--min-group-size must be at least 2"),
        (["--formats", "csv,xls"], "Unknown output format 'xls'. Choose from csv, parquet"),
    ],
)
def test_cli_bad_options(tiny_csv, tmp_path, args, message):
    result = run("detect", tiny_csv, "--out", tmp_path / "res", *args)
    assert_clean_error(result, message)


def test_cli_missing_file(tmp_path):
    result = run("detect", tmp_path / "nope.csv")
    assert result.exit_code == 1
    assert "nope.csv: no such file" in result.output


@needs_real_data()
def test_cli_parity_on_russian_coord_tweets(tmp_path):
    out = tmp_path / "ru"
    result = run(
        "detect",
        RUSSIAN,
        "--out",
        out,
        "--map",
        "actor=account_id",
        "--map",
        "object=object_id",
        "--map",
        "time=timestamp_share",
        "--window-seconds",
        10,
        "--min-repeat",
        1,
        "--no-significance",
        "-q",
    )
    assert result.exit_code == 0, result.output
    assert pacsv.read_csv(out / "edges.csv").num_rows == 1092
    assert json.loads((out / "summary.json").read_text())["coordinated_pairs"] == 1092


@needs_real_data()
def test_cli_german_elections_with_object_columns(tmp_path):
    out = tmp_path / "de"
    result = run(
        "detect",
        GERMAN,
        "--out",
        out,
        "--object-columns",
        "url_id,hashtag_id,domain_id,phash_id",
        "-q",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["actions"] == 195261
    # 58,317 accounts, of which 31,642 have at least one object (a URL, hashtag, domain or image).
    assert summary["actors"] == 31642


def assert_clean_error(result, message):
    """One line on the terminal, exit code 1, no traceback (the command exited on purpose)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.output.splitlines() if "Error" in line]
    assert len(errors) == 1 and errors[0].startswith("Error: "), result.output
    assert result.output.endswith(errors[0] + "\n"), result.output
    assert message in errors[0], result.output


@pytest.mark.parametrize("command", ["detect", "signups", "ingest"])
@pytest.mark.parametrize(
    "value", ["1e300", "-1e15", "1e20", "-1", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]
)
def test_cli_time_outside_1970_2100_is_one_line_naming_file_row_and_column(
    tmp_path, command, value
):
    path = tmp_path / "log.csv"
    path.write_text(f"actor,object,time,email\nu,o,1592676000,a@b.org\nv,o,{value},c@d.org\n")
    where = ["--store", tmp_path / "store"] if command == "ingest" else ["--out", tmp_path / "r"]
    result = run(command, path, *where, "-q")
    assert_clean_error(
        result,
        f"log.csv: column 'time' has 1 time(s) outside the years 1970-2099 (row 2: '{value}')",
    )
    assert "--map time=COLUMN" in result.output
    assert not (tmp_path / "r").exists()


def test_cli_times_at_the_edges_of_the_range_are_read(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("actor,object,time\nu,o,0\nv,o,4102444799\nw,o,2099-12-31T23:59:59Z\n")
    result = run("detect", path, "--out", tmp_path / "r", "--no-significance", "-q")
    assert result.exit_code == 0, result.output


def test_cli_error_echoing_the_input_escapes_control_characters(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text('"\x1b[2J\x1b]8;;http://evil\x07col\u202e",object,time\nu,o,1\n')
    result = run("detect", path, "--out", tmp_path / "r", "--map", "actor=nope", "-q")
    assert_clean_error(result, r"Its columns are: \x1b[2J\x1b]8;;http://evil\x07col\u202e, object")
    assert "\x1b" not in result.output and "\x07" not in result.output


def _out_cases(tmp_path):
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("keep me")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("keep me too")
    return [
        (a_file, "a_file.txt' is a file"),  # click's own check (a usage error, exit 2)
        (foreign, "already holds files concerted did not write (thesis.docx)"),
        (a_file / "sub", "a_file.txt is a file, not a folder"),
    ]


@pytest.mark.parametrize("case", [0, 1, 2])
@pytest.mark.parametrize(
    "command, loader",
    [
        ("detect", "concerted.io.load_log"),
        ("signups", "concerted.lenses.signups.load.load_registrations"),
    ],
)
def test_cli_bad_out_is_refused_before_reading(
    tiny_csv, tmp_path, monkeypatch, command, loader, case
):
    def never(*args, **kwargs):
        raise AssertionError("the input was read before --out was checked")

    monkeypatch.setattr(loader, never)
    out, message = _out_cases(tmp_path)[case]
    result = run(command, tiny_csv, "--out", out, "-q")
    if case == 0:
        assert result.exit_code == 2 and message in result.output, result.output
    else:
        assert_clean_error(result, message)
    assert (tmp_path / "a_file.txt").read_text() == "keep me"
    assert (tmp_path / "mine" / "thesis.docx").read_text() == "keep me too"


@pytest.mark.parametrize("command", ["detect", "signups", "ingest"])
def test_cli_gzip_bomb_is_refused_in_one_line(tmp_path, command, monkeypatch):
    from ..test_io import gzip_bomb

    bomb = gzip_bomb(tmp_path / "bomb.csv.gz", 200)  # 200 MB of text in 500 KB
    where = ["--store", tmp_path / "store"] if command == "ingest" else ["--out", tmp_path / "r"]
    monkeypatch.delenv("CONCERTED_MAX_INPUT_BYTES", raising=False)
    result = run(command, bomb, *where, "--max-input-gb", "0.05", "-q")
    assert_clean_error(result, "bomb.csv.gz holds more than 0.05 GB once decompressed")
    assert "--max-input-gb GB (or CONCERTED_MAX_INPUT_BYTES=BYTES)" in result.output
    assert "CONCERTED_MAX_INPUT_BYTES" not in os.environ  # the option held for that command only
    monkeypatch.setenv("CONCERTED_MAX_INPUT_BYTES", "50000000")
    result = run(command, bomb, *where, "-q")
    assert_clean_error(result, "bomb.csv.gz holds more than 0.05 GB once decompressed")


def test_cli_max_input_gb_must_be_a_finite_positive_number(tiny_csv, tmp_path):
    for value in ("nan", "inf", "0", "-1"):
        result = run("detect", tiny_csv, "--out", tmp_path / "r", "--max-input-gb", value)
        assert result.exit_code == 2, result.output
        assert "must be a number of GB from 0.001 to 1000000" in result.output


def test_cli_raising_the_limit_reads_the_file(tmp_path):
    from ..test_io import gzip_bomb

    big = gzip_bomb(tmp_path / "big.csv.gz", 2)
    result = run("detect", big, "--out", tmp_path / "r", "--max-input-gb", "0.001", "-q")
    assert_clean_error(result, "big.csv.gz holds more than 0.001 GB once decompressed")
    result = run("detect", big, "--out", tmp_path / "r", "--max-input-gb", "0.01", "-q")
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_cli_gzip_bomb_leaves_memory_alone(tmp_path):
    """The attack of issue 13: a few MB of gzip that expands to gigabytes. In a process of its
    own, so that its peak memory can be read."""
    from ..test_io import gzip_bomb

    bomb = gzip_bomb(tmp_path / "bomb.csv.gz", 3000)  # 3 GB of text in 8 MB
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run([sys.executable, '-m', 'concerted.cli', 'detect', sys.argv[1],"
        " '--out', sys.argv[2], '--max-input-gb', '0.1', '-q'], capture_output=True, text=True)\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(r.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(bomb), str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    code, peak_kb = out.split("\n")[0].split()
    assert code == "1", out
    assert "holds more than 0.1 GB once decompressed" in out and "Traceback" not in out
    assert int(peak_kb) < 600_000, out  # a few hundred MB for Python and DuckDB, not gigabytes
