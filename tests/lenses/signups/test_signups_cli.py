"""`concerted signups` and `concerted simulate signups` end to end; bad and hostile input."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from concerted.cli import main

HOSTILE_NAME = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://evil","click")'


@pytest.fixture(scope="module")
def rally(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rally")
    result = CliRunner().invoke(
        main, ["simulate", "signups", "--out", str(folder), "--seed", "4", "--days", "6"]
    )
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.slow
def test_simulate_signups_writes_log_and_truth(rally):
    with open(rally / "registrations.csv") as f:
        header = next(csv.reader(f))
    assert header == [
        "id",
        "time",
        "name",
        "email",
        "phone",
        "postcode",
        "ip",
        "user_agent",
        "referrer",
    ]
    with open(rally / "truth.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["kind"] for r in rows} == {"genuine", "duplicate", "obvious", "careful"}
    assert all(r["fake"] == str(int(r["kind"] in ("obvious", "careful"))) for r in rows)


def test_simulate_without_kind_still_makes_an_action_log(tmp_path):
    result = CliRunner().invoke(
        main, ["simulate", "--out", str(tmp_path / "w"), "--actors", "1000", "--days", "1"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "w" / "actions.csv").exists()


@pytest.mark.slow
def test_signups_writes_the_three_files(rally, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "signups",
            str(rally / "registrations.csv"),
            "--out",
            str(out),
            "--venue-postcode",
            "74103",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Genuine people:" in result.output
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "registrations",
        "unique_people_estimate",
        "genuine_estimate",
        "genuine_low",
        "genuine_high",
        "turnout_estimate",
        "turnout_low",
        "turnout_high",
    ):
        assert isinstance(summary[key], int | float), key
    with open(rally / "truth.csv") as f:
        truth = {r["id"]: r for r in csv.DictReader(f)}
    with open(out / "registrations.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:4] == ["id", "risk", "verdict", "reasons"]
    assert len(rows) == summary["registrations"] == len(truth)
    # Pseudonymised by default.
    assert all(r["email"].startswith("<email:") for r in rows if r["email"])
    assert all(r["name"].startswith("<name:") for r in rows if r["name"])
    suspect = [r for r in rows if r["verdict"] == "suspect"]
    assert sum(truth[r["id"]]["fake"] == "1" for r in suspect) / len(suspect) > 0.95
    html = (out / "report.html").read_text()
    assert (
        "default-src 'none'" in html
        and "<svg" in html
        and "http://" not in html.split("<body>")[1].split("tiktok")[0]
    )
    assert json.loads((out / "model.json").read_text())["kind"] == "concerted.signups.model"


def test_signups_reveal_writes_identities(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text("id,time,name,email\n1,2020-06-10T12:00:00Z,Ann Lee,ann@x.com\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["signups", str(path), "--out", str(out), "--reveal", "-q", "--bootstrap", "0"]
    )
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(open(out / "registrations.csv")))
    assert row["name"] == "Ann Lee" and row["email"] == "ann@x.com"


def test_hostile_text_is_escaped_guarded_and_pseudonymised(tmp_path):
    path = tmp_path / "<img src=x onerror=alert(1)>.csv"
    rows = [
        ["id", "time", "name", "email", "phone", "referrer"],
        [FORMULA, "2020-06-10T12:00:00Z", HOSTILE_NAME, "evil@mailinator.com", "+1 918 596 0134", "<img src=x onerror=alert(2)>"],
        ["2", "2020-06-10T12:01:00Z", "Ann Lee", "ann@x.com", "918 596 0135", "=cmd|' /C calc'!A0"],
    ]  # fmt: skip
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    for reveal in (False, True):
        out = tmp_path / f"out{reveal}"
        args = ["signups", str(path), "--out", str(out), "-q", "--bootstrap", "0"]
        result = CliRunner().invoke(main, args + (["--reveal"] if reveal else []))
        assert result.exit_code == 0, result.output
        html = (out / "report.html").read_text()
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
        with open(out / "registrations.csv", newline="") as f:
            cells = [c for row in csv.reader(f) for c in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
        assert "'" + FORMULA in cells
        text = (out / "registrations.csv").read_text()
        if reveal:
            assert HOSTILE_NAME in cells
        else:
            assert "evil@mailinator.com" not in text and "evil@mailinator.com" not in html
            assert "596 0134" not in text and HOSTILE_NAME not in text


def test_report_escapes_hostile_registrations(tmp_path):
    from dataclasses import replace

    import pyarrow as pa

    from concerted.lenses.signups import score_signups
    from concerted.lenses.signups.report import render_signups_report

    table = pa.table(
        {
            "id": ["<i>1</i>", "2"],
            "time": [1591790400.0, 1591790460.0],
            "name": [HOSTILE_NAME, "Ann Lee"],
            "email": ["a@x.com", "b@x.com"],
        }
    )
    result = score_signups(table, bootstrap=0)
    shown = result.registrations.set_column(2, "verdict", pa.array(["suspect", "suspect"]))
    html = render_signups_report(replace(result, registrations=shown))
    assert HOSTILE_NAME not in html and "<i>1</i>" not in html
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "&lt;i&gt;1&lt;/i&gt;" in html
    )


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (
            "id,time,email\n1,yesterday,a@x.com\n",
            [],
            "column 'time' has 1 value(s) that are not a time (row 1: 'yesterday')",
        ),
        ("foo,bar\n1,2\n", [], "none of the columns the sign-up lens reads"),
        ("time,email\n1591790400,a@x.com\n", ["--map", "email=mail"], "no column 'mail'"),
        ("id,time,email\n1,,a@x.com\n", [], "(row 1: empty)"),
        ("time,email\n1591790400,a@x.com\n", ["--map", "email"], "e.g. --map email="),
        ("time,email\n1591790400,a@x.com\n", ["--show-rate", "2"], "(--show-rate) must be in"),
        ("time,email\n1591790400,a@x.com\n", ["--venue-postcode", "00000"], "not a known US ZIP"),
        ("time,email\n1591790400,a@x.com\n", ["--country", "USA"], "two-letter ISO 3166 code"),
        (
            "time,email\n1591790400,a@x.com\n",
            ["--country", "GB", "--venue-postcode", "74103"],
            "leave the venue postcode out",
        ),
        ("", [], "is empty"),
    ],
)
def test_bad_input_exits_1_with_a_clear_message(tmp_path, content, args, message):
    path = tmp_path / "form.csv"
    path.write_text(content)
    result = CliRunner().invoke(
        main, ["signups", str(path), "--out", str(tmp_path / "o"), "-q", *args]
    )
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_notes_are_shown_even_when_quiet(tmp_path):
    path = tmp_path / "form.csv"
    rows = [f"{i},{1591790400 + 60 * i},p{i}@gmail.com" for i in range(300)]
    rows.append(f"300,{4_000_000_000},late@gmail.com")  # dated 2096
    path.write_text("id,time,email\n" + "\n".join(rows) + "\n")
    result = CliRunner().invoke(
        main, ["signups", str(path), "--out", str(tmp_path / "o"), "-q", "--bootstrap", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "note: 1 registration(s) dated far outside the others (row 301)" in result.output
    assert "reading" not in result.output  # progress stays quiet


def test_missing_file_exits_1(tmp_path):
    result = CliRunner().invoke(main, ["signups", str(tmp_path / "nope.csv"), "-q"])
    assert result.exit_code == 1 and "no such file" in result.output


def test_the_input_folder_is_never_replaced_by_results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "signups").mkdir()
    log = tmp_path / "signups" / "export.csv"
    content = "time,email\n1591790400,a@example.com\n1591790460,b@example.com\n"
    log.write_text(content)
    refused = CliRunner().invoke(main, ["signups", str(log), "--out", "signups", "-q"])
    assert refused.exit_code == 1, refused.output
    assert "already holds files concerted did not write (export.csv)" in refused.output
    assert log.read_text() == content
    # with no --out, results go beside the input, not over the folder the export sits in
    result = CliRunner().invoke(main, ["signups", str(log), "-q"])
    assert result.exit_code == 0, result.output
    assert log.read_text() == content
    assert (tmp_path / "signups-results" / "summary.json").exists()


def test_a_log_without_times_gets_its_report_and_the_note(tmp_path):
    # It used to fail in the report (its suspects have no time) with a traceback.
    path = tmp_path / "form.csv"
    path.write_text(
        "email,name\nann.lee@gmail.com,Ann Lee\nx@mailinator.com,Donald Duck\n"
        "bo.li@yahoo.com,Bo Li\nqq@mailinator.com,Mickey Mouse\n"
    )
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["signups", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "note: no time column" in result.output
    report = (out / "report.html").read_text()
    assert "<td>suspect</td><td>-</td>" in report
    assert "None" not in report


def test_signups_control_characters_reach_neither_csv_nor_report(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text(
        "id,time,name,email,referrer\n"
        + "".join(
            f'r{i},2026-11-20T10:{i:02d}:00Z,"N\x1b[2J\u202e{i}",p{i}@example.org,"x\x01y"\n'
            for i in range(30)
        )
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["signups", str(path), "--out", str(out), "--reveal", "--bootstrap", "0", "-q"]
    )
    assert result.exit_code == 0, result.output
    for name in ("registrations.csv", "report.html", "summary.json"):
        text = (out / name).read_text("utf-8")
        assert not set(text) & {"\x01", "\x1b", "\u202e"}, name
    assert "N\ufffd[2J\ufffd7" in (out / "registrations.csv").read_text("utf-8")


def test_signups_bad_show_rate_is_refused_before_reading(tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the input was read before the options were checked")

    monkeypatch.setattr("concerted.lenses.signups.load.load_registrations", never)
    path = tmp_path / "form.csv"
    path.write_text("time,email\n1591790400,a@x.com\n")
    for rate in ("2", "nan", "inf"):
        result = CliRunner().invoke(
            main, ["signups", str(path), "--out", str(tmp_path / "o"), "--show-rate", rate]
        )
        assert result.exit_code == 1, result.output
        assert "(--show-rate) must be in (0, 1]" in result.output


def test_serve_signups_refuses_a_state_that_is_not_sqlite_in_one_line(tmp_path):
    state = tmp_path / "state.db"
    state.write_text("not a database at all, just text\n")
    result = CliRunner().invoke(main, ["serve", "signups", "--state", str(state)])
    assert result.exit_code == 1, result.output
    assert "is not a sign-up state" in result.output
    assert "Traceback" not in result.output
    assert state.read_text() == "not a database at all, just text\n"  # left as it was
