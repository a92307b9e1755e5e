"""Every export format, through every way in: the CLI with no flag and with --format, the
store's ingest, and the web app's upload check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.importers import IMPORTERS, find_importer, read_sample
from concerted.io import inspect_log
from concerted.schema import CANONICAL
from concerted.store import ingest

DATA = Path(__file__).parent.parent / "data" / "importers"
SAMPLES = sorted(DATA.iterdir())
FORMAT = {p.name: find_importer(read_sample(p)).name for p in SAMPLES}


def test_each_sample_is_recognised_by_its_importer_and_no_other():
    for path in SAMPLES:
        sample = read_sample(path)
        matching = [
            i.name for i in IMPORTERS if i.container == sample.container and i.recognise(sample)
        ]
        assert len(matching) == 1, (path.name, matching)
    assert sorted(set(FORMAT.values())) == sorted(i.name for i in IMPORTERS)  # each has a sample


def test_plain_logs_are_recognised_by_none(tmp_path):
    plain = {
        "log.csv": "actor,action,object,time,text\na,post,x,1,hi\n",
        "log.jsonl": '{"actor": "a", "object": "x", "time": 1, "text": "hi"}\n',
        "german.csv": "account_id,object_id,url_id,hashtag_id,content,timestamp_share\n",
        "russian.csv": "tweet_id,user_id,created_at,retweet_id,retweet_user_id,text,lang\n",
    }
    for name, text in plain.items():
        (tmp_path / name).write_text(text)
        assert find_importer(read_sample(tmp_path / name)) is None, name


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_cli_detect_reads_each_format_with_no_flag(tmp_path, sample):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["detect", str(sample), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert f"(--format {FORMAT[sample.name]})" in summary["notes"][0]


def test_cli_format_forces_an_importer_and_says_what_is_wrong(tmp_path):
    page = DATA / "twitter_v2_page.json"
    out = tmp_path / "out"
    forced = CliRunner().invoke(
        main, ["detect", str(page), "--format", "twitter-v2", "--out", str(out), "-q"]
    )
    assert forced.exit_code == 0, forced.output
    wrong = CliRunner().invoke(
        main, ["detect", str(page), "--format", "reddit", "--out", str(tmp_path / "x"), "-q"]
    )
    assert wrong.exit_code != 0
    assert "twitter_v2_page.json" in wrong.output and "Reddit" in wrong.output
    assert "Traceback" not in wrong.output
    unknown = CliRunner().invoke(main, ["detect", str(page), "--format", "myspace"])
    assert unknown.exit_code == 2 and "twitter-v2" in unknown.output


def test_ingest_keeps_what_an_importer_reads(tmp_path):
    folder = tmp_path / "project"
    report = ingest(DATA / "twitter_v2_page.json", folder, snapshot_time=1000)
    assert report.actions == 7


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_upload_check_names_the_format(sample):
    assert inspect_log(sample) == (FORMAT[sample.name], list(CANONICAL))


def test_upload_check_of_plain_logs_and_broken_ones(tmp_path):
    (tmp_path / "u").write_text("actor,object,time\na,x,1\n")
    assert inspect_log(tmp_path / "u", "log.csv") == ("csv", ["actor", "object", "time"])
    (tmp_path / "b").write_text("actor,object,time\na,x,1,2\n")
    with pytest.raises(Exception, match=r"^log\.csv: line 2 has 4 fields"):
        inspect_log(tmp_path / "b", "log.csv")
