"""The reports lens on hand-made reports (see conftest.py): exact answers."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.errors import ParameterError, SchemaError
from concerted.lenses.reports.lens import check_params, find_brigades
from concerted.lenses.reports.load import load_reports
from concerted.schema import make_log

from .conftest import report_rows

VICTIMS = ["victim0", "victim1", "victim2", "victim3"]
BRIGADE = ["b0", "b1", "b2", "b3", "b4", "b5"]


@pytest.fixture(scope="module")
def result():
    rows = [
        {"actor": r["reporter"], "object": r["target"], "time": r["time"], "action": r["reason"]}
        for r in report_rows()
    ]
    return find_brigades(make_log(rows))


def _target(result, name):
    return next(r for r in result.targets.to_pylist() if r["target"] == name)


def test_find_brigades_finds_the_brigade_and_only_it(result):
    brigaded = result.targets.filter(result.targets["brigaded"])
    assert brigaded["target"].to_pylist() == VICTIMS
    assert result.reporters["reporter"].to_pylist() == BRIGADE
    assert result.summary["brigaded_targets"] == 4
    assert result.summary["brigaders"] == 6


def test_find_brigades_counts_the_coordinated_reports_of_a_victim(result):
    v = _target(result, "victim2")
    assert (v["reports"], v["coordinated_reports"], v["coordinated_reporters"]) == (6, 6, 6)
    assert v["coordinated_share"] == 1.0
    assert (v["top_reason"], v["top_reason_share"], v["coordinated_reason_share"]) == (
        "hate",
        1.0,
        1.0,
    )
    assert v["peak_reports"] == 6
    assert v["burst_p_value"] < 1e-6


def test_find_brigades_spares_the_spammer(result):
    s = _target(result, "spammer")
    assert not s["brigaded"]
    assert (s["reports"], s["coordinated_reports"], s["groups"]) == (30, 0, 0)
    # Reported steadily: one report in its busiest hour, as its own history predicts.
    assert s["peak_reports"] == 1
    assert s["burst_p_value"] > 0.05


def test_find_brigades_spares_the_hot_organic_post(result):
    h = _target(result, "hotpost")
    assert not h["brigaded"]
    assert (h["reports"], h["coordinated_reports"], h["peak_reports"]) == (40, 0, 40)
    assert h["burst_p_value"] < 1e-12  # a real burst, from unrelated people
    assert h["first_report_share"] == 1.0


def test_find_brigades_sees_through_blending_reports(result):
    b0 = result.reporters.to_pylist()[0]
    # Seven reports: four on the victims (all coordinated), three ordinary ones.
    assert (b0["reporter"], b0["reports"], b0["coordinated_reports"]) == ("b0", 7, 4)
    assert (b0["brigade_reports"], b0["brigaded_targets"]) == (4, 4)
    assert b0["brigade_share"] == pytest.approx(4 / 7)
    assert not _target(result, "misc-b0-0")["brigaded"]


def test_find_brigades_marks_each_report(result):
    marked = result.reports
    assert marked.num_rows == len(report_rows())
    coordinated = marked.filter(marked["coordinated"])
    assert sorted(set(coordinated["target"].to_pylist())) == VICTIMS
    assert coordinated.num_rows == 24


def test_find_brigades_without_a_group_brigades_nothing():
    rows = [{"actor": f"h{i}", "object": "hot", "time": 45.0 * i} for i in range(30)]
    result = find_brigades(make_log(rows))
    assert result.targets["brigaded"].to_pylist() == [False]
    assert result.reporters.num_rows == 0
    assert result.groups.num_rows == 0


def test_check_params_refuses_a_bad_value():
    with pytest.raises(ParameterError, match="min_share must be a number from 0.0 to 1.0"):
        check_params(min_share=1.5)
    with pytest.raises(ParameterError, match="Unknown parameter 'share'"):
        check_params(share=0.5)


def test_load_reports_maps_the_lens_columns(tmp_path):
    path = tmp_path / "flags.csv"
    path.write_text("flagger_id,account,ts,why\nx,y,2024-07-01T00:00:00Z,spam\n", "utf-8")
    log = load_reports(path, mapping={"target": "account", "time": "ts"})
    assert log.table["actor"].to_pylist() == ["x"]  # flagger_id is a known spelling
    assert log.table["object"].to_pylist() == ["y"]
    assert log.table["action"].to_pylist() == [None]  # no reason column recognised
    log = load_reports(path, mapping={"target": "account", "time": "ts", "reason": "why"})
    assert log.table["action"].to_pylist() == ["spam"]


def test_load_reports_names_the_missing_column(tmp_path):
    path = tmp_path / "flags.csv"
    path.write_text("who,ts\nx,2024-07-01\n", "utf-8")
    with pytest.raises(
        SchemaError, match=r"has no 'reporter' column. Map one with --map reporter="
    ):
        load_reports(path)
    with pytest.raises(ParameterError, match="'whom' is not a column of reports"):
        load_reports(path, mapping={"whom": "ts"})


def test_cli_reports_writes_the_files(reports_csv, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["reports", str(reports_csv), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "4 brigaded, by 6 reporters in 1 coordinated group(s)" in result.output
    with open(out / "targets.csv", encoding="utf-8") as f:
        targets = list(csv.DictReader(f))
    assert [t["target"] for t in targets if t["brigaded"] == "true"] == VICTIMS
    assert targets[0]["first_time"] == "2023-11-14T22:13:20Z"
    with open(out / "reporters.csv", encoding="utf-8") as f:
        assert [r["reporter"] for r in csv.DictReader(f)] == BRIGADE
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["brigaded_targets"] == 4
    html = (out / "report.html").read_text("utf-8")
    assert "victim0" in html and "default-src 'none'" in html


def test_cli_reports_pseudonymises_and_escapes(tmp_path):
    path = tmp_path / "r.csv"
    rows = ["reporter,target,time,reason"]
    for k in range(3):
        for i in range(5):
            rows.append(f"b{i}@example.com,v{k}@example.org,{86400 * k + 10 * i},spam")
    rows += [f"c{i},<script>v,{9e5 + 10 * i},=HYPERLINK()" for i in range(3)]
    path.write_text("\n".join(rows) + "\n", "utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["reports", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    written = "".join(p.read_text("utf-8") for p in out.iterdir() if p.is_file())
    assert "@example.com" not in written and "@example.org" not in written
    assert "<email:" in (out / "targets.csv").read_text("utf-8")
    html = (out / "report.html").read_text("utf-8")
    assert "<script>" not in html and "&lt;script&gt;v" in html
    targets = (out / "targets.csv").read_text("utf-8")
    assert "'=HYPERLINK()" in targets


def test_cli_reports_refuses_a_bad_option(reports_csv, tmp_path):
    result = CliRunner().invoke(
        main, ["reports", str(reports_csv), "--out", str(tmp_path / "o"), "--min-share", "2"]
    )
    assert result.exit_code == 1
    assert "min_share must be a number from 0.0 to 1.0. Got 2.0." in result.output
